"""Dated parameters: a value in force from a date, each with its source.

`ParamTable.value_on(as_of)` gives the entry in force on a date; an override from the
user (`--param lending_rate=4.35%`) replaces it and is reported as such.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from incentives.model.money import format_rate

RATE = "rate"  # the unit of a share or a percentage: written with %, 4.35% is 0.0435


@dataclass
class ParamValue:
    """One dated value of a parameter and where it comes from."""

    start: date
    value: Decimal
    source: str  # in English, or the one text written for both languages
    series: str = ""
    note: str = ""
    assumed: bool = False  # not a published figure: a stated assumption the user may override
    source_zh: str = ""  # the source in Chinese, where the file gives one
    note_zh: str = ""


@dataclass
class ParamUse:
    """The value an assessment used, and what a reader must know about it."""

    name: str
    value: Decimal
    start: date | None
    source: str
    overridden: bool = False
    notes: tuple[str, ...] = ()
    assumed: bool = False
    title: tuple[str, str] = ("", "")  # the parameter's name, (zh, en)
    stale: bool = False  # the newest value of a figure that moves: a newer one may exist
    source_zh: str = ""
    notes_zh: tuple[str, ...] = ()  # the series' note in Chinese (staleness is told by words)

    def source_in(self, lang: str) -> str:
        """Where the figure comes from, in `lang` where the file gives it."""
        return self.source_zh if lang == "zh" and self.source_zh else self.source


@dataclass
class ParamTable:
    """All dated values of one parameter, oldest first."""

    name: str
    zh: str
    en: str
    unit: str
    values: list[ParamValue] = field(default_factory=list)
    check_age: bool = False  # a figure that moves: say how old the newest value is
    allowed: tuple[Decimal, Decimal] | None = None  # the least and most the law allows
    range_source: str = ""  # where that range comes from
    starts: list[date] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.starts = [entry.start for entry in self.values]

    def value_on(self, as_of: date) -> ParamUse | None:
        """The entry in force on `as_of`, or None before the first."""
        index = bisect.bisect_right(self.starts, as_of) - 1
        if index < 0:
            return None
        entry = self.values[index]
        notes = [entry.note] if entry.note else []
        if self.check_age and index == len(self.values) - 1:
            notes.append(self.staleness(entry, as_of))
        return ParamUse(self.name, entry.value, entry.start, entry.source, notes=tuple(notes),
                        assumed=entry.assumed, title=(self.zh, self.en),
                        stale=self.check_age and index == len(self.values) - 1,
                        source_zh=entry.source_zh,
                        notes_zh=(entry.note_zh or entry.note,) if entry.note else ())

    def shown(self, value: Decimal) -> str:
        """A value as a user writes it: 4.35% for a rate, 15.75 yuan/m² otherwise."""
        if self.unit == RATE:
            return format_rate(value, places=0)
        return f"{value:f} {self.unit}".rstrip()

    def describe_range(self) -> str:
        """"10%–30% (房产税暂行条例 第三条)", or "" without a declared range."""
        if self.allowed is None:
            return ""
        low, high = self.allowed
        span = (f"{format_rate(low, 0)}–{format_rate(high, 0)}" if self.unit == RATE
                else f"{low:f}–{high:f} {self.unit}".rstrip())
        return f"{span} ({self.range_source})" if self.range_source else span

    def outside(self, value: Decimal) -> str | None:
        """Why `value` is outside the range the law allows, or None when it is within."""
        if self.allowed is None or self.allowed[0] <= value <= self.allowed[1]:
            return None
        return f"{self.shown(value)} is outside the range the law allows, {self.describe_range()}"

    def staleness(self, entry: ParamValue, as_of: date) -> str:
        age = relativedelta(as_of, entry.start)
        parts = [f"{n} {unit}{'s' if n != 1 else ''}"
                 for n, unit in ((age.years, "year"), (age.months, "month"), (age.days, "day"))
                 if n]
        ago = ", ".join(parts) or "0 days"
        return (f"{self.name}: the newest value in the table is from {entry.start.isoformat()}, "
                f"{ago} before the as-of date; a newer one may exist (set it with --param)")


def resolve(
    tables: dict[str, ParamTable], names: frozenset[str], as_of: date,
    overrides: dict[str, Decimal],
) -> dict[str, ParamUse]:
    """The value of each named parameter on `as_of`, overrides first; unknown ones left out."""
    uses: dict[str, ParamUse] = {}
    for name in sorted(names):
        if name in overrides:
            table = tables.get(name)
            title = (table.zh, table.en) if table else ("", "")
            uses[name] = ParamUse(name, overrides[name], None, "set by the user (--param)", True,
                                  title=title)
            continue
        table = tables.get(name)
        use = table.value_on(as_of) if table else None
        if use is not None:
            uses[name] = use
    return uses
