"""Quote checks: a rule's figures against the sentence it quotes.

Every figure of a rule — an amount, a rate or share, a threshold, a split between payers, a
period's length, a date — should appear in its quote, in one of the ways Chinese legal text
writes it (5000万元, 1.2%, 4∶6, 3年, 三年, 2014年7月1日); and every number of the quote should
be a figure of the rule or be spoken of in its notes. A date may instead be one of its
documents' (signed on, in force from), and a rule may list figures it takes from elsewhere
on purpose: `not_in_quote = [{ figure = "2016-05-01", why = "…" }]`. What is left is told as a
warning (an error under `rules check --strict`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from incentives.model.rule import Offset, Rule

WAN, YI = Decimal(10_000), Decimal(100_000_000)
TRIVIAL = {Decimal(0), Decimal(1)}  # `max(0, …)`, `>= 1`, 一年期: not figures of the text


@dataclass(frozen=True)
class Figure:
    """A figure: money (yuan), share (0.012 for 1.2%), number, ratio (its parts' shares of
    the whole), date or year; `text` as it is written."""

    kind: str
    value: object
    text: str


@dataclass(frozen=True)
class QuoteWarning:
    """A figure of a rule not in its quote, or a number of the quote the rule does not use."""

    file: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: rule {self.rule}: {self.message}"


def quote_warnings(rule: Rule) -> list[QuoteWarning]:
    """What the rule says that its quote does not, and what the quote says that it does not."""
    quoted = list(quote_figures(" ".join(q.text for q in rule.quotes)))
    spoken = list(quote_figures(" ".join(_spoken_texts(rule))))
    dated = _document_dates(rule)
    excused = [figure for text, _why in rule.not_in_quote for figure in literal_figures(text)]
    found: list[QuoteWarning] = []
    ours = list(rule_figures(rule))
    for figure, where in ours:
        if figure.kind == "date" and figure.value in dated:
            continue
        if not any(agrees(figure, q) for q in quoted) and not any(
                agrees(figure, e) for e in excused):
            found.append(_warning(rule, f"{figure.text} ({where}) is not in its quote; if it "
                                        "is meant to be, list it under not_in_quote with why"))
    for figure in quoted:
        known = [f for f, _ in ours] + spoken + excused
        if figure.kind == "year" and any(d.year == figure.value for d in dated):
            continue
        if not any(agrees(mine, figure) for mine in known):
            found.append(_warning(rule, f"the quote's {figure.text} is not a figure of the "
                                        "rule, nor spoken of in its notes"))
    return list(dict.fromkeys(found))


def _warning(rule: Rule, message: str) -> QuoteWarning:
    return QuoteWarning(rule.file, rule.line, rule.id, message)


def _document_dates(rule: Rule) -> set[date]:
    days: set[date] = set()
    for document in rule.cited:
        for day in (document.effective_from, document.starts):
            if day is not None:
                days.add(day)
        with contextlib.suppress(ValueError):  # a signing date the file gives as text
            days.add(date.fromisoformat(str(document.signed_on)))
    return days


def _spoken_texts(rule: Rule) -> Iterator[str]:
    """The rule's own words beside its figures: notes, parts, labels, the unstated amount."""
    for note in rule.notes:
        yield note.text.zh
    for part in rule.components:
        yield part.label.zh
    for case in rule.amount:
        if case.label is not None:
            yield case.label.zh
    if rule.unstated is not None:
        yield rule.unstated.zh


# --- a rule's figures -------------------------------------------------------------------------


def rule_figures(rule: Rule) -> Iterator[tuple[Figure, str]]:
    """Each figure of the rule, with where it is written."""
    yield Figure("date", rule.effective_from, rule.effective_from.isoformat()), "effective_from"
    if rule.effective_to is not None:
        yield Figure("date", rule.effective_to, rule.effective_to.isoformat()), "effective_to"
    for where, expression in _expressions(rule):
        for figure in literal_figures(expression):
            yield figure, where
    shares = [share for _payer, share in rule.payers]
    if len(shares) > 1:
        total = sum(shares, Decimal(0))
        yield Figure("ratio", tuple(s / total for s in shares),
                     "∶".join(f"{s.normalize():f}" for s in shares)), "payers"
    for number, part in enumerate(rule.schedule, 1):
        if part.share != 1:
            shown = f"{(part.share * 100).normalize():f}%"
            yield Figure("share", part.share, shown), f"schedule {number}"
        yield from _offset(part.due, f"schedule {number}")
    for offset, where in ((rule.period, "period"), (rule.date, "date")):
        if offset is not None:
            yield from _offset(offset, where)


def _expressions(rule: Rule) -> Iterator[tuple[str, str]]:
    if rule.when is not None:
        yield "when", rule.when.source
    for number, case in enumerate(rule.amount, 1):
        if case.when is not None:
            yield f"amount case {number}", case.when.source
        yield f"amount case {number}", case.value.source
    for part in rule.components:
        for expression in (part.when, part.amount):
            if expression is not None:
                yield "components", expression.source
    for saving in rule.savings:
        yield "savings", saving.per_year.source
    for number, note in enumerate(rule.notes, 1):
        if note.when is not None:
            yield f"note {number}", note.when.source


def _offset(offset: Offset, where: str) -> Iterator[tuple[Figure, str]]:
    for count, unit in ((offset.years, "年"), (offset.months, "个月"), (offset.days, "日")):
        if count and Decimal(count) not in TRIVIAL:
            yield Figure("number", Decimal(count), f"{count}{unit}"), where


_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")
_DATE_CALL = re.compile(r"date\(\s*['\"](\d{4}-\d{2}-\d{2})['\"]\s*\)")
_LITERAL = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(万|亿|%)?(?![A-Za-z_0-9])")


def literal_figures(text: str) -> list[Figure]:
    """The figures of an expression or an `unquoted` entry: `5000万`, `1.2%`, `100`,
    `date('2018-08-06')` or a bare `2018-08-06`."""
    figures = [Figure("date", date.fromisoformat(day), day) for day in
               _DATE_CALL.findall(text) + re.findall(r"^\s*(\d{4}-\d{2}-\d{2})\s*$", text)]
    bare = re.sub(r"\d{4}-\d{2}-\d{2}", " ", _STRING.sub(" ", _DATE_CALL.sub(" ", text)))
    for digits, unit in _LITERAL.findall(bare):
        value = Decimal(digits)
        if unit == "%":
            figures.append(Figure("share", value / 100, f"{digits}%"))
        elif unit:
            figures.append(Figure("money", value * (WAN if unit == "万" else YI),
                                  f"{digits}{unit}"))
        elif value not in TRIVIAL:
            figures.append(Figure("number", value, digits))
    return figures


# --- a quote's figures ------------------------------------------------------------------------

_NUMERALS = dict(zip("一二两三四五六七八九", (1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("reference", re.compile(r"[〔\[（(]\s*\d{4}\s*[〕\]）)]\s*\d*\s*号?|第\s*\d+\s*[条款项号]|"
                             r"附件\s*\d+")),
    ("date", re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")),
    ("year", re.compile(r"(\d{4})\s*年(?!\s*\d)")),
    ("ratio", re.compile(r"(\d+(?:\.\d+)?)\s*[∶:：]\s*(\d+(?:\.\d+)?)")),
    ("money", re.compile(r"(\d+(?:\.\d+)?)\s*(亿|万)\s*元?|(\d+(?:\.\d+)?)\s*元")),
    ("share", re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")),
    ("chinese", re.compile(r"([一二两三四五六七八九十]{1,3})\s*(?=个月|年|倍|张|人|床)")),
    ("number", re.compile(r"(\d+(?:\.\d+)?)")),
]


def quote_figures(text: str) -> Iterator[Figure]:
    """Each figure of a quote, in the ways the text writes it; document numbers left out."""
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            figure = _quoted(kind, match)
            if figure is not None:
                yield figure
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)


def _quoted(kind: str, match: re.Match[str]) -> Figure | None:
    written = match.group(0).strip()
    if kind == "date":
        year, month, day = (int(g) for g in match.groups())
        try:
            return Figure("date", date(year, month, day), written)
        except ValueError:
            return None
    if kind == "year":
        return Figure("year", int(match.group(1)), written)
    if kind == "ratio":
        parts = [Decimal(match.group(1)), Decimal(match.group(2))]
        total = sum(parts, Decimal(0))
        return Figure("ratio", tuple(p / total for p in parts), written) if total else None
    if kind == "money":
        if match.group(3) is not None:
            return Figure("money", Decimal(match.group(3)), written)
        return Figure("money", Decimal(match.group(1)) * (WAN if match.group(2) == "万" else YI),
                      written)
    if kind == "share":
        return Figure("share", Decimal(match.group(1)) / 100, written)
    if kind == "reference":
        return None
    value = _chinese(match.group(1)) if kind == "chinese" else Decimal(match.group(1))
    return None if value in TRIVIAL else Figure("number", value, written)


def _chinese(text: str) -> Decimal:
    """一 … 九十九 as a number."""
    if "十" not in text:
        return Decimal(sum(_NUMERALS.get(c, 0) for c in text))
    tens, _, ones = text.partition("十")
    return Decimal(_NUMERALS.get(tens, 1) * 10 + _NUMERALS.get(ones, 0) if ones or tens else 10)


def agrees(mine: Figure, quoted: Figure) -> bool:
    """Whether a rule's figure is the quote's: the same value, a bare number standing for
    yuan, or a share written as a number of times (1.2倍)."""
    if mine.kind == quoted.kind:
        return mine.value == quoted.value
    loose = {"number", "money"}
    return {mine.kind, quoted.kind} <= loose and mine.value == quoted.value
