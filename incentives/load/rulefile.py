"""One rule file: its [[rule]] tables read and checked, every problem with its line."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from incentives.errors import ExprError, MoneyError, RuleProblem
from incentives.load.source import SourceFile
from incentives.load.validation import validate
from incentives.model.conditions import (
    MAX_SOURCE_CHARS,
    NUMBER,
    Env,
    Expression,
    compile_expression,
)
from incentives.model.facts import EARLIEST_DATE, LATEST_DATE
from incentives.model.money import format_rate, parse_amount
from incentives.model.place import City, Document
from incentives.model.profile import shown
from incentives.model.rule import (
    KINDS,
    PAYERS,
    TIMINGS,
    AmountCase,
    Component,
    Instalment,
    Note,
    Offset,
    Quote,
    Rule,
    Saving,
    Source,
    Text,
)

MAX_RULES_PER_FILE = 500
RULE_KEYS = {
    "id", "provision", "document", "article", "quote", "title", "effective_from", "effective_to",
    "when", "kind", "amount", "payers", "schedule", "period", "date", "components", "notes",
    "restates", "topic", "savings", "event", "source", "unstated_amount",
    "not_in_quote", "monotone_in",
}
MAX_CITED = 20
SOURCE_KEYS = {"report", "published_on", "url"}
REQUIRED_KEYS = ("id", "document", "article", "quote", "title", "effective_from", "kind")


def load_rule_file(path: Path, city: City, env: Env, problems: list[RuleProblem]) -> list[Rule]:
    source = SourceFile(path, problems, "rules")
    validate(source)
    if source.data is None:
        return []
    extra = set(source.data) - {"rule"}
    for key in sorted(extra):
        line = source.key_line(1, key, within_rule=False)
        source.problem(line, f"unknown top-level key {key!r}; rule files hold [[rule]] tables")
    tables = source.data.get("rule", [])
    if not isinstance(tables, list) or len(tables) > MAX_RULES_PER_FILE:
        source.problem(1, f"expected at most {MAX_RULES_PER_FILE} [[rule]] tables")
        return []
    lines = source.header_lines("rule")
    rules = []
    for index, table in enumerate(tables):
        line = lines[index] if index < len(lines) else 1
        if table is None:
            continue  # refused by its schema, every problem in it reported
        if not isinstance(table, dict):
            source.problem(line, "a rule must be a [[rule]] table")
            continue
        rule = _RuleReader(source, line, table, city, env).read()
        if rule is not None:
            rules.append(rule)
    return rules


# Control characters other than tab and newline: never in a text a person is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _RuleReader:
    """Reads one [[rule]] table, recording every problem rather than stopping at the first."""

    def __init__(self, source: SourceFile, line: int, table: dict[str, Any], city: City,
                 env: Env) -> None:
        self.source, self.line, self.table, self.city, self.env = source, line, table, city, env
        self.ok = True

    def problem(self, key: str, message: str, detail: str = "") -> None:
        self.ok = False
        rule_id = shown(self.table.get("id", "?"))
        self.source.problem(self.source.key_line(self.line, key), f"rule {rule_id}: {key}: "
                            f"{message}", detail)

    def read(self) -> Rule | None:
        table = self.table
        for key in sorted(set(table) - RULE_KEYS):
            self.problem(key, "unknown key; a rule has " + ", ".join(sorted(RULE_KEYS)))
        missing = [key for key in REQUIRED_KEYS if key not in table]
        for key in missing:
            self.problem(key, "missing")
        if missing:  # the rest of the rule is still read past an unknown key
            return None
        kind = table["kind"]
        if kind not in KINDS:
            self.problem("kind", f"{shown(kind)} is not one of {', '.join(KINDS)}")
            kind = ""  # checked no further
        documents = self.documents()
        quotes = self.quotes(documents)
        rule = Rule(
            id=self.text_value("id"),
            city=self.city.id,
            kind=kind,
            provision=str(table.get("provision", "")),
            document=documents[0] if documents else "",
            article=self.text_value("article"),
            quote=quotes[0].text if quotes else "",
            title=self.text("title", table["title"]),
            effective_from=self.date_value("effective_from"),
            effective_to=self.date_value("effective_to") if "effective_to" in table else None,
            when=self.expression("when", table["when"]) if "when" in table else None,
            amount=self.amount_cases(),
            payers=self.payers(),
            schedule=self.schedule(),
            period=self.offset("period", table["period"]) if "period" in table else None,
            date=self.offset("date", table["date"]) if "date" in table else None,
            components=self.components(),
            notes=self.notes(),
            savings=self.savings(),
            restates=self.optional_text("restates"),
            event=self.event(),
            topic=self.optional_text("topic") or self.optional_text("restates") or table["id"],
            file=self.source.name,
            line=self.line,
            cited=self.cited(documents),
            quotes=tuple(quotes),
            unstated=(self.text("unstated_amount", table["unstated_amount"])
                      if "unstated_amount" in table else None),
            not_in_quote=self.not_in_quote(),
            monotone_in=self.monotone_in(),
        )
        self.check_kind(rule)
        return rule if self.ok else None

    def not_in_quote(self) -> tuple[tuple[str, str], ...]:
        """`not_in_quote = [{ figure = "2016-05-01", why = "…" }]`: figures the rule takes from
        elsewhere than its quote, on purpose (the schema has checked the shape)."""
        entries = self.table.get("not_in_quote") or []
        return tuple((str(e.get("figure", "")), str(e.get("why", ""))) for e in entries
                     if isinstance(e, dict))

    def monotone_in(self) -> tuple[str, ...]:
        """`monotone_in = ["fixed_asset_investment"]`: money or number facts its amount
        never falls as they grow (checked by `rules test --properties`)."""
        names = self.table.get("monotone_in") or []
        schema = self.env.schema
        for name in names:
            fact = schema.facts.get(str(name))
            if fact is None or fact.type not in ("money", "number"):
                self.problem("monotone_in", f"{name!r} is not a money or number fact")
        return tuple(str(name) for name in names)

    def documents(self) -> list[str]:
        """The documents a rule cites: one id, or a list of them, each declared once."""
        value = self.table["document"]
        ids = [value] if isinstance(value, str) else value
        if not isinstance(ids, list) or not ids or len(ids) > MAX_CITED or not all(
                isinstance(i, str) for i in ids):
            self.problem("document", f"must be a document's id or a list of up to {MAX_CITED}")
            return []
        for doc in ids:
            if doc not in self.city.documents:
                self.problem("document", f"{shown(doc)} is not declared in city.toml")
        if len(set(ids)) != len(ids):
            self.problem("document", "lists a document twice")
        return [doc for doc in ids if doc in self.city.documents]

    def quotes(self, documents: list[str]) -> list[Quote]:
        """The quote, or each of several with its own document, article and source; a
        rule-wide `source` is that of a quote that names none."""
        value = self.table["quote"]
        given = self.table.get("source")
        source = self.quote_source("source", given) if given is not None else None
        first = documents[0] if documents else ""
        if isinstance(value, str):
            return [Quote(self.text_value("quote"), first, str(self.table.get("article", "")),
                          source)]
        if not isinstance(value, list) or not value or len(value) > MAX_CITED or not all(
                isinstance(entry, dict) for entry in value):
            self.problem("quote", "must be text, or a list of tables { text = …, document = …, "
                         "article = …, source = { report = …, published_on = … } }")
            return []
        return [quote for entry in value
                if (quote := self.quote(entry, documents, first, source)) is not None]

    def quote(self, entry: dict[str, Any], documents: list[str], first: str,
              source: Source | None) -> Quote | None:
        unknown = sorted(set(entry) - {"text", "document", "article", "source"})
        text, document = entry.get("text"), entry.get("document", first)
        article = entry.get("article", self.table.get("article", ""))
        if unknown:
            self.problem("quote", f"unknown key {shown(unknown[0])}; a quote has text, "
                         "document, article and source")
        elif not isinstance(text, str) or not text.strip():
            self.problem("quote", "each quote needs its text")
        elif document not in documents:
            self.problem("quote", f"document {shown(document)} is not one the rule cites")
        elif not isinstance(article, str):
            self.problem("quote", f"article {shown(article)} must be text")
        else:
            own = self.quote_source("quote", entry["source"]) if "source" in entry else source
            return Quote(self.shown_safely("quote", text.strip()), document, article, own)
        return None

    def quote_source(self, key: str, value: Any) -> Source | None:
        """`{ report = "包头日报", published_on = 2015-03-05, url = "https://…" }`."""
        given = value if isinstance(value, dict) else {}
        report, published = given.get("report"), given.get("published_on")
        url = given.get("url", "")
        if not isinstance(value, dict) or set(given) - SOURCE_KEYS or not isinstance(report, str) \
                or not report.strip() or type(published) is not date or not isinstance(url, str):
            self.problem(key, "source must be { report = \"the report's name\", published_on = "
                         "a date, url = \"https://…\" (optional) }")
            return None
        if url and not re.fullmatch(r"https?://[^\s]+", url):
            self.problem(key, f"source url {shown(url)} is not an http(s) address")
            return None
        return Source(self.shown_safely(key, report.strip()), published, url)

    def cited(self, ids: list[str]) -> tuple[Document, ...]:
        return tuple(self.city.documents[i] for i in ids if i in self.city.documents)

    def check_kind(self, rule: Rule) -> None:
        needs = {"cash": ("amount", "payers"), "cap": ("amount",), "eligibility_date": ("date",)}
        for key in needs.get(rule.kind, ()):
            if key == "amount" and rule.kind == "cash" and "unstated_amount" in self.table:
                continue  # cash of an amount the text leaves open
            if key not in self.table and not getattr(rule, key):  # a bad one is reported already
                self.problem(key, f"a {rule.kind} rule needs one (or unstated_amount, for cash "
                             "whose amount the text leaves open)" if key == "amount"
                             and rule.kind == "cash" else f"a {rule.kind} rule needs one")
        if "unstated_amount" in self.table:
            if rule.kind != "cash":
                self.problem("unstated_amount", "only a cash rule may leave its amount open")
            elif "amount" in self.table:
                self.problem("unstated_amount", "a rule gives an amount or leaves it open "
                             "(unstated_amount), not both")
        if rule.kind == "deduction" and not (rule.amount or rule.components):
            self.problem("amount", "a deduction rule needs an amount or components with amounts")
        if rule.effective_to and rule.effective_to < rule.effective_from:
            self.problem("effective_to", "is before effective_from")

    def text_value(self, key: str) -> str:
        value = self.table.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problem(key, "must be non-empty text")
            return ""
        return self.shown_safely(key, value.strip())

    def optional_text(self, key: str) -> str | None:
        return self.text_value(key) if key in self.table else None

    def shown_safely(self, key: str, value: str) -> str:
        """`value`, or a problem if it holds a control character a terminal would obey."""
        control = _CONTROL.search(value)
        if control:
            self.problem(key, f"contains the control character U+{ord(control.group()):04X}, "
                         "which a terminal showing it would obey; remove it")
        return value

    def text(self, key: str, value: Any) -> Text:
        if isinstance(value, str):
            self.shown_safely(key, value)
            return Text(value, value)
        given = value if isinstance(value, dict) else {}
        zh, en = given.get("zh", given.get("en")), given.get("en", given.get("zh"))
        if isinstance(zh, str) and isinstance(en, str):  # one language stands for both
            self.shown_safely(key, zh + en)
            return Text(zh, en)
        self.problem(key, "must be text or a table { zh = …, en = … }")
        return Text("", "")

    def date_value(self, key: str) -> date:
        value = self.table.get(key)
        if type(value) is date and EARLIEST_DATE <= value <= LATEST_DATE:
            return value
        self.problem(key, f"{shown(value)} is not a date from {EARLIEST_DATE} to {LATEST_DATE}; "
                     "write it bare, e.g. 2018-08-06")
        return date.min

    def expression(self, key: str, source: Any, expect: Any = None) -> Expression | None:
        if isinstance(source, int | Decimal) and not isinstance(source, bool):
            source = str(source)
        if not isinstance(source, str):
            self.problem(key, "must be an expression in quotes")
            return None
        try:
            if expect is None:
                return compile_expression(source, self.env)
            return compile_expression(source, self.env, expect)
        except ExprError as error:
            if error.follow_on:
                self.ok = False
                return None
            caret = " " * error.column + "^"
            if len(source) > MAX_SOURCE_CHARS:  # refused for its length: quote its start
                source = source[:60].replace("\n", " ") + "…"
            self.problem(key, error.message, f"    {source}\n    {caret}")
            return None

    def amount_cases(self) -> list[AmountCase]:
        value = self.table.get("amount")
        if value is None:
            return []
        if value == []:
            self.problem("amount", "an empty list; give the amount, or its cases "
                         "[{ when, value }, …]")
            return []
        entries = value if isinstance(value, list) else [{"value": value}]
        cases = []
        for entry in entries:
            if not isinstance(entry, dict) or "value" not in entry:
                self.problem("amount", "each case needs a value (and a when, but for the last)")
                continue
            when = self.expression("amount", entry["when"]) if "when" in entry else None
            amount = self.expression("amount", entry["value"], NUMBER)
            label = self.text("amount", entry["label"]) if "label" in entry else None
            if amount is not None:
                cases.append(AmountCase(when, amount, label))
        return cases

    def entries(self, key: str, text: bool = False) -> list[Any]:
        """The tables of a key that holds a list of them (and texts too, if `text`)."""
        value = self.table.get(key, [])
        kinds = dict | str if text else dict
        if isinstance(value, list) and all(isinstance(entry, kinds) for entry in value):
            return value
        self.problem(key, "must be a list of tables [{ … }, …]")
        return []

    def payers(self) -> list[tuple[str, Decimal]]:
        result: list[tuple[str, Decimal]] = []
        for entry in self.entries("payers"):
            payer, share = entry.get("payer"), self.share("payers", entry.get("share"))
            if payer not in PAYERS:
                self.problem("payers", f"payer {shown(payer)} is not one of {', '.join(PAYERS)}")
            elif any(payer == listed for listed, _ in result):
                self.problem("payers", f"payer {payer!r} is listed twice; give each payer once, "
                             "with its whole share")
            elif share is not None:
                result.append((payer, share))
        return result

    def share(self, key: str, value: Any) -> Decimal | None:
        try:
            share = parse_amount(str(value) if isinstance(value, float) else value)
        except MoneyError:
            self.problem(key, f"share {shown(value)} is not a number or a percentage")
            return None
        if share <= 0:
            self.problem(key, f"share {shown(value)} must be positive")
            return None
        return share

    def event(self) -> str | None:
        """The date fact of the event the rule rewards (`opened_on`): one before the rule
        took effect does not count as new under it."""
        name = self.table.get("event")
        if name is None:
            return None
        if not isinstance(name, str) or name not in self.env.schema \
                or self.env.schema[name].type != "date":
            self.problem("event", f"{shown(name)} is not a date fact")
            return None
        return name

    def offset(self, key: str, entry: Any) -> Offset | None:
        if not isinstance(entry, dict):
            self.problem(key, "must be a table { from = \"a date fact\", years = … }")
            return None
        start = entry.get("from")
        if start is not None and (not isinstance(start, str) or start not in self.env.schema
                                  or self.env.schema[start].type != "date"):
            self.problem(key, f"from: {shown(start)} is not a date fact")
            return None
        counts = {unit: entry.get(unit, 0) for unit in ("years", "months", "days")}
        if not all(isinstance(n, int) and 0 <= n <= 100 for n in counts.values()):
            self.problem(key, "years, months and days must be whole numbers from 0 to 100")
            return None
        bounded = any(counts.values()) or entry.get("open_ended") is False
        return Offset(start, counts["years"], counts["months"], counts["days"], bounded)

    def schedule(self) -> list[Instalment]:
        result = []
        for entry in self.entries("schedule"):
            share = self.share("schedule", entry.get("share"))
            if "month" in entry:
                month = self.calendar_entry(entry, share)
                if month is not None:
                    result.append(month)
                continue
            offset = self.offset("schedule", entry)
            timing = entry.get("timing", "on")
            if timing not in TIMINGS:
                self.problem("schedule", f"timing {shown(timing)} is not one of "
                             f"{', '.join(TIMINGS)}")
            label = self.text("schedule", entry.get("label", ""))
            if share is not None and offset is not None:
                result.append(Instalment(share, offset, timing, label))
        total = sum((instalment.share for instalment in result), Decimal(0))
        if result and len(result) == len(self.table["schedule"]) and total != 1:
            shares = " + ".join(format_rate(instalment.share, 0) for instalment in result)
            self.problem("schedule", f"the shares add up to {format_rate(total, 0)} ({shares}), "
                         "not 100%")
        return result

    def calendar_entry(self, entry: dict[str, Any], share: Decimal | None) -> Instalment | None:
        """`{ share = "100%", month = 3, from = "opened_on" }`: the whole of March of the
        first year in which March ends on or after the date (`from`: else the rule's event
        fact, else the as-of date)."""
        month = entry["month"]
        if type(month) is not int or not 1 <= month <= 12:
            self.problem("schedule", f"month {shown(month)} is not a month from 1 to 12")
            return None
        mixed = sorted(set(entry) & {"years", "months", "days", "timing", "open_ended"})
        if mixed:
            self.problem("schedule", f"a month = … entry is that whole month: {mixed[0]} does "
                         "not go with it")
            return None
        anchor = entry.get("from", self.table.get("event"))
        if "from" in entry and (not isinstance(anchor, str) or anchor not in self.env.schema
                                or self.env.schema[anchor].type != "date"):
            self.problem("schedule", f"from: {shown(anchor)} is not a date fact")
            return None
        label = self.text("schedule", entry.get("label", ""))
        if share is None:
            return None
        anchor = anchor if isinstance(anchor, str) and anchor in self.env.schema else None
        return Instalment(share, Offset(anchor), "on", label, month)

    def components(self) -> list[Component]:
        result = []
        for entry in self.entries("components"):
            label = self.text("components", entry.get("label"))
            when = self.expression("components", entry["when"]) if "when" in entry else None
            amount = (self.expression("components", entry["amount"], NUMBER)
                      if "amount" in entry else None)
            result.append(Component(label, when, amount))
        return result

    def savings(self) -> list[Saving]:
        result = []
        for entry in self.entries("savings"):
            label = self.text("savings", entry.get("label", ""))
            per_year = self.expression("savings", entry.get("per_year"), NUMBER)
            if per_year is not None:
                result.append(Saving(label, per_year))
        if result and self.table.get("kind") != "tax_exemption":
            self.problem("savings", "only a tax_exemption rule spares taxes")
        return result

    def notes(self) -> list[Note]:
        result = []
        for entry in self.entries("notes", text=True):
            if isinstance(entry, str):
                result.append(Note(Text(entry, entry), None))
                continue
            text = self.text("notes", entry.get("text", entry))
            when = self.expression("notes", entry["when"]) if "when" in entry else None
            result.append(Note(text, when))
        return result
