"""Rule files: their schema, loading and validation, every problem with its file and line.

A rule folder holds `city.toml` (the city, its divisions, its documents, named constants),
any number of rule files (`[[rule]]` tables) and an optional `params/` folder of dated
parameters. Everything is checked and every expression compiled once, at load time.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .conditions import NUMBER, Env, ExprError, Expression, compile_expression
from .facts import FactSchema, load_base_schema
from .jurisdiction import DIVISION_TYPES, City, Division, Document
from .money import MoneyError, parse_amount
from .params import ParamTable, ParamValue
from .rule import (
    KINDS,
    PAYERS,
    TIMINGS,
    AmountCase,
    Component,
    Instalment,
    Note,
    Offset,
    Rule,
    Text,
)

MAX_RULE_FILE_BYTES = 512 * 1024
MAX_RULES_PER_FILE = 500
MAX_TOML_NESTING = 24
RESERVED_NAMES = frozenset(dir(__builtins__)) | {"min", "max", "date", "true", "false"}
_BRACKETS = re.compile(r"[\[\]{}]")
_RULE_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*\w+[ \t]*\]\]")
BUNDLED = Path(__file__).parent / "rules"
SOURCE_TREE = Path(__file__).parent.parent / "rules"


def bundled_rules_dir() -> Path:
    """The rule files shipped with the package (in the wheel) or beside it (in a checkout)."""
    return BUNDLED if BUNDLED.is_dir() else SOURCE_TREE


@dataclass
class RuleProblem:
    """One problem in a rule file: file, line, message (and, for expressions, a caret)."""

    file: str
    line: int
    message: str
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.message}"
        return f"{text}\n{self.detail}" if self.detail else text


class RuleFileError(Exception):
    """Rule files that can't be used; carries every problem found."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class RuleBook:
    """Everything loaded: the fact schema, the cities, their rules, the dated parameters."""

    schema: FactSchema
    cities: dict[str, City] = field(default_factory=dict)
    rules: dict[str, list[Rule]] = field(default_factory=dict)
    params: dict[str, ParamTable] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for rules in self.rules.values() for r in rules if r.id == rule_id), None)


def load_rulebook(roots: list[Path] | None = None) -> RuleBook:
    """Load and check rule folders (the bundled ones by default); RuleFileError lists all."""
    book = RuleBook(load_base_schema())
    problems: list[RuleProblem] = []
    folders = list(_rule_folders(roots or [bundled_rules_dir()]))
    for params_dir in _params_dirs(roots or [bundled_rules_dir()], folders):
        for path in sorted(params_dir.glob("*.toml")):
            _load_params(path, book, problems)
    for folder in folders:
        _load_city_folder(folder, book, problems)
    if problems:
        raise RuleFileError(problems)
    return book


def _rule_folders(roots: list[Path]) -> Iterator[Path]:
    for root in roots:
        if (root / "city.toml").is_file():
            yield root
        else:
            yield from sorted(p.parent for p in root.glob("*/city.toml"))


def _params_dirs(roots: list[Path], folders: list[Path]) -> list[Path]:
    candidates = [root / "params" for root in roots] + [f / "params" for f in folders]
    unique = dict.fromkeys(p.resolve() for p in candidates if p.is_dir())
    return list(unique)


# --- reading TOML with line numbers ---------------------------------------------------------


class SourceFile:
    """A TOML file's text and table, with a way to find the line of a rule's key."""

    def __init__(self, path: Path, problems: list[RuleProblem]) -> None:
        self.path = path
        self.name = str(path)
        self.text = ""
        self.data: dict[str, Any] | None = None
        self.problems = problems
        self.read()

    def read(self) -> None:
        try:
            size = self.path.stat().st_size
            if size > MAX_RULE_FILE_BYTES:
                self.problem(1, f"file is {size} bytes, over the limit of {MAX_RULE_FILE_BYTES}")
                return
            self.text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.problem(1, f"cannot read the file: {error}")
            return
        depth = _max_bracket_depth(self.text)
        if depth > MAX_TOML_NESTING:
            self.problem(1, f"tables or lists nested {depth} deep "
                         f"(the limit is {MAX_TOML_NESTING})")
            return
        try:
            self.data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as error:
            line = re.search(r"line (\d+)", str(error))
            self.problem(int(line.group(1)) if line else 1, f"not valid TOML: {error}")
        except RecursionError:
            self.problem(1, "not valid TOML: nested too deeply")

    def problem(self, line: int, message: str, detail: str = "") -> None:
        self.problems.append(RuleProblem(self.name, line, message, detail))

    def header_lines(self, header: str) -> list[int]:
        """The line of each `[[header]]` (or, for a table, `[header]`), in order."""
        pattern = re.compile(r"^[ \t]*\[\[?[ \t]*" + re.escape(header) + r"[ \t]*\]", re.M)
        return [self.text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(self.text)]

    def key_line(self, start: int, key: str, within_rule: bool = True) -> int:
        """The line of `key = …` (or `[rule.key]`) at or after line `start`, else `start`;
        within a rule the search stops at the next `[[…]]` header."""
        lines = self.text.splitlines()
        pattern = re.compile(r"^[ \t]*(\[\[?[ \t]*[\w.]+\.)?" + re.escape(key)
                             + r"[ \t]*(=|\]|\.)")
        for number in range(start, len(lines) + 1):
            line = lines[number - 1]
            if within_rule and number > start and _RULE_HEADER.match(line):
                break
            if pattern.match(line):
                return number
        return start

    def table_key_line(self, table: str, key: str) -> int:
        """The line of `key` inside the top-level `[table]` (or the table's own line)."""
        headers = self.header_lines(table)
        return self.key_line(headers[0], key, within_rule=False) if headers else 1


def _max_bracket_depth(text: str) -> int:
    # Brackets inside strings count too: an over-estimate errs on the safe side.
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


# --- city folders ---------------------------------------------------------------------------


def _load_city_folder(folder: Path, book: RuleBook, problems: list[RuleProblem]) -> None:
    source = SourceFile(folder / "city.toml", problems)
    if source.data is None:
        return
    city, constants = _read_city(source, book.schema)
    if city is None:
        return
    if city.id in book.cities:
        source.problem(1, f"city {city.id!r} is declared twice")
        return
    book.cities[city.id] = city
    env = Env(book.schema, frozenset(book.params), constants)
    rules: list[Rule] = []
    for path in sorted(folder.glob("*.toml")):
        if path.name != "city.toml":
            rules.extend(_load_rule_file(path, city, env, problems))
    _check_unique_ids(rules, book, problems)
    book.rules[city.id] = sorted(rules, key=lambda r: r.id)


def _read_city(source: SourceFile, schema: FactSchema) -> tuple[City | None, dict[str, Any]]:
    data = source.data or {}
    table = data.get("city")
    if not isinstance(table, dict) or not isinstance(table.get("id"), str):
        source.problem(1, "city.toml needs a [city] table with an id")
        return None, {}
    divisions: dict[str, Division] = {}
    for kind, names in (data.get("divisions") or {}).items():
        if kind not in DIVISION_TYPES:
            source.problem(source.table_key_line("divisions", kind), f"division type {kind!r} "
                           f"is not one of {', '.join(DIVISION_TYPES)}")
            continue
        for entry in names:
            name, aliases = (entry, []) if isinstance(entry, str) else (entry["name"],
                                                                       entry.get("aliases", []))
            divisions[name] = Division(name, kind, tuple(aliases))
    documents = {
        doc["id"]: Document(doc["id"], doc.get("title", ""), doc.get("issued_by", ""),
                            str(doc.get("signed_on", "")))
        for doc in data.get("documents", [])
    }
    city = City(table["id"], str(table.get("zh", table["id"])), str(table.get("en", table["id"])),
                tuple(table.get("aliases", [])), divisions, documents)
    return city, _read_constants(source, data.get("constants") or {}, schema)


def _read_constants(source: SourceFile, table: dict[str, Any], schema: FactSchema
                    ) -> dict[str, Any]:
    constants: dict[str, Any] = {}
    for name, value in table.items():
        line = source.table_key_line("constants", name)
        if name in RESERVED_NAMES or name.startswith("_") or name in schema:
            source.problem(line, f"constant {name!r} shadows a built-in name or a fact")
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            constants[name] = tuple(value)
        elif isinstance(value, bool | str):
            constants[name] = value
        else:
            source.problem(line, f"constant {name!r} must be text, true/false or a list of texts")
    return constants


def _check_unique_ids(rules: list[Rule], book: RuleBook, problems: list[RuleProblem]) -> None:
    seen: dict[str, Rule] = {r.id: r for rs in book.rules.values() for r in rs}
    for rule in rules:
        if rule.id in seen:
            first = seen[rule.id]
            problems.append(RuleProblem(rule.file, rule.line, f"rule id {rule.id!r} is used "
                                        f"again (first at {first.file}:{first.line})"))
        seen[rule.id] = rule


# --- rule files -----------------------------------------------------------------------------

RULE_KEYS = {
    "id", "provision", "document", "article", "quote", "title", "effective_from", "effective_to",
    "when", "kind", "amount", "payers", "schedule", "period", "date", "components", "notes",
}
REQUIRED_KEYS = ("id", "document", "article", "quote", "title", "effective_from", "kind")


def _load_rule_file(path: Path, city: City, env: Env, problems: list[RuleProblem]) -> list[Rule]:
    source = SourceFile(path, problems)
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
        rule = _RuleReader(source, line, table, city, env).read()
        if rule is not None:
            rules.append(rule)
    return rules


class _RuleReader:
    """Reads one [[rule]] table, recording every problem rather than stopping at the first."""

    def __init__(self, source: SourceFile, line: int, table: dict[str, Any], city: City,
                 env: Env) -> None:
        self.source, self.line, self.table, self.city, self.env = source, line, table, city, env
        self.ok = True

    def problem(self, key: str, message: str, detail: str = "") -> None:
        self.ok = False
        rule_id = self.table.get("id", "?")
        self.source.problem(self.source.key_line(self.line, key), f"rule {rule_id!r}: {key}: "
                            f"{message}", detail)

    def read(self) -> Rule | None:
        table = self.table
        for key in sorted(set(table) - RULE_KEYS):
            self.problem(key, "unknown key; a rule has " + ", ".join(sorted(RULE_KEYS)))
        for key in REQUIRED_KEYS:
            if key not in table:
                self.problem(key, "missing")
        if not self.ok:
            return None
        kind = table["kind"]
        if kind not in KINDS:
            self.problem("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        if table["document"] not in self.city.documents:
            self.problem("document", f"{table['document']!r} is not declared in city.toml")
        rule = Rule(
            id=self.text_value("id"),
            city=self.city.id,
            kind=kind,
            provision=str(table.get("provision", "")),
            document=str(table["document"]),
            article=self.text_value("article"),
            quote=self.text_value("quote"),
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
            file=self.source.name,
            line=self.line,
        )
        self.check_kind(rule)
        return rule if self.ok else None

    def check_kind(self, rule: Rule) -> None:
        needs = {"cash": ("amount", "payers"), "cap": ("amount",), "eligibility_date": ("date",)}
        for key in needs.get(rule.kind, ()):
            if not getattr(rule, key):
                self.problem(key, f"a {rule.kind} rule needs one")
        if rule.kind == "deduction" and not (rule.amount or rule.components):
            self.problem("amount", "a deduction rule needs an amount or components with amounts")
        if rule.effective_to and rule.effective_to < rule.effective_from:
            self.problem("effective_to", "is before effective_from")

    def text_value(self, key: str) -> str:
        value = self.table.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problem(key, "must be non-empty text")
            return ""
        return value.strip()

    def text(self, key: str, value: Any) -> Text:
        if isinstance(value, str):
            return Text(value, value)
        if isinstance(value, dict) and isinstance(value.get("en", value.get("zh")), str):
            return Text(str(value.get("zh", value.get("en"))), str(value.get("en", value["zh"])))
        self.problem(key, "must be text or a table { zh = …, en = … }")
        return Text("", "")

    def date_value(self, key: str) -> date:
        value = self.table.get(key)
        if isinstance(value, date):
            return value
        self.problem(key, f"{value!r} is not a date; write it bare, e.g. 2018-08-06")
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
            caret = " " * error.column + "^"
            self.problem(key, error.message, f"    {source}\n    {caret}")
            return None

    def amount_cases(self) -> list[AmountCase]:
        value = self.table.get("amount")
        if value is None:
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

    def payers(self) -> list[tuple[str, Decimal]]:
        result = []
        for entry in self.table.get("payers", []):
            payer, share = entry.get("payer"), self.share("payers", entry.get("share"))
            if payer not in PAYERS:
                self.problem("payers", f"payer {payer!r} is not one of {', '.join(PAYERS)}")
            elif share is not None:
                result.append((payer, share))
        return result

    def share(self, key: str, value: Any) -> Decimal | None:
        try:
            share = parse_amount(value if isinstance(value, str) else int(value))
        except (MoneyError, TypeError, ValueError):
            self.problem(key, f"share {value!r} is not a number or a percentage")
            return None
        if share <= 0:
            self.problem(key, f"share {value!r} must be positive")
            return None
        return share

    def offset(self, key: str, entry: Any) -> Offset | None:
        if not isinstance(entry, dict):
            self.problem(key, "must be a table { from = \"a date fact\", years = … }")
            return None
        start = entry.get("from")
        if start is not None and (start not in self.env.schema
                                  or self.env.schema[start].type != "date"):
            self.problem(key, f"from: {start!r} is not a date fact")
            return None
        counts = {unit: entry.get(unit, 0) for unit in ("years", "months", "days")}
        if not all(isinstance(n, int) and 0 <= n <= 100 for n in counts.values()):
            self.problem(key, "years, months and days must be whole numbers from 0 to 100")
            return None
        bounded = any(counts.values()) or entry.get("open_ended") is False
        return Offset(start, counts["years"], counts["months"], counts["days"], bounded)

    def schedule(self) -> list[Instalment]:
        result = []
        for entry in self.table.get("schedule", []):
            share = self.share("schedule", entry.get("share"))
            offset = self.offset("schedule", entry)
            timing = entry.get("timing", "on")
            if timing not in TIMINGS:
                self.problem("schedule", f"timing {timing!r} is not one of {', '.join(TIMINGS)}")
            label = self.text("schedule", entry.get("label", ""))
            if share is not None and offset is not None:
                result.append(Instalment(share, offset, timing, label))
        return result

    def components(self) -> list[Component]:
        result = []
        for entry in self.table.get("components", []):
            label = self.text("components", entry.get("label"))
            when = self.expression("components", entry["when"]) if "when" in entry else None
            amount = (self.expression("components", entry["amount"], NUMBER)
                      if "amount" in entry else None)
            result.append(Component(label, when, amount))
        return result

    def notes(self) -> list[Note]:
        result = []
        for entry in self.table.get("notes", []):
            if isinstance(entry, str):
                result.append(Note(Text(entry, entry), None))
                continue
            text = self.text("notes", entry.get("text", entry))
            when = self.expression("notes", entry["when"]) if "when" in entry else None
            result.append(Note(text, when))
        return result


# --- parameter files ------------------------------------------------------------------------


def _load_params(path: Path, book: RuleBook, problems: list[RuleProblem]) -> None:
    source = SourceFile(path, problems)
    for name, table in (source.data or {}).items():
        line = source.key_line(1, name, within_rule=False)
        if name in book.params or name in book.schema or name in RESERVED_NAMES:
            source.problem(line, f"parameter {name!r} is declared twice or shadows a name")
            continue
        series = table.get("series", {})
        values = []
        for entry in table.get("values", []):
            try:
                start, value = entry["from"], parse_amount(str(entry["value"]))
                assert isinstance(start, date)
                label = entry.get("series", "")
                values.append(ParamValue(start, value, str(entry["source"]),
                                         series.get(label, {}).get("name", label),
                                         series.get(label, {}).get("note", "")))
            except (KeyError, AssertionError, MoneyError) as error:
                source.problem(line, f"parameter {name!r}: a value needs from (a date), value "
                               f"and source ({error})")
        values.sort(key=lambda v: v.start)
        if len({v.start for v in values}) != len(values):
            source.problem(line, f"parameter {name!r}: two values start on the same day")
        book.params[name] = ParamTable(name, table.get("zh", ""), table.get("en", ""),
                                       table.get("unit", ""), values)
