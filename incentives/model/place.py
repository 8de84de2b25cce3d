"""Cities and their county-level divisions, as declared in each city's `city.toml`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

DIVISION_TYPES = ("district", "county", "county_city", "banner", "development_zone")


@dataclass
class Division:
    """A county-level division: 金水区 (district), 中牟县 (county), 巩义市 (county_city) …"""

    name: str
    type: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentEnd:
    """How a document stops being in force: repealed (from `repealed_on`, by
    `repealed_by`) or lapsed (valid for `valid_for` years, months, days); its last day."""

    document: str
    how: str  # repealed | lapsed
    last_day: date
    repealed_on: date | None = None
    repealed_by: str = ""
    valid_for: tuple[int, int, int] | None = None


@dataclass
class Document:
    """A policy document the city's rules rest on, and the days it is in force: from
    `effective_from` (when given), until it lapses (`valid_for` from then) or is repealed
    (not in force from `repealed_on`)."""

    id: str
    title: str
    issued_by: str = ""
    signed_on: str = ""
    effective_from: date | None = None  # given in city.toml (else it starts with its rules)
    valid_for: tuple[int, int, int] | None = None  # years, months, days
    repealed_on: date | None = None
    repealed_by: str = ""
    starts: date | None = None  # effective_from, else signed_on: where valid_for counts from

    def lapses(self) -> date | None:
        """The last day of its validity: the day before the anniversary (2015-03-01 and
        five years: 2020-02-29); an anniversary with no such day falls on the next month's
        first, as for a rule's periods."""
        if self.valid_for is None or self.starts is None:
            return None
        years, months, days = self.valid_for
        moved = self.starts + relativedelta(years=years, months=months, days=days)
        if moved.day < self.starts.day and not days:
            moved += timedelta(days=1)
        return moved - timedelta(days=1)

    def end(self) -> DocumentEnd | None:
        """The earlier of its lapse and its repeal, or None while it has neither."""
        ends = []
        lapses = self.lapses()
        if lapses is not None:
            ends.append(DocumentEnd(self.id, "lapsed", lapses, valid_for=self.valid_for))
        if self.repealed_on is not None:
            ends.append(DocumentEnd(self.id, "repealed", self.repealed_on - timedelta(days=1),
                                    self.repealed_on, self.repealed_by))
        return min(ends, key=lambda end: end.last_day) if ends else None


@dataclass
class City:
    """A jurisdiction: its names, its divisions, the documents its rules cite."""

    id: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    divisions: dict[str, Division] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)

    def division(self, name: str) -> Division | None:
        """The division a name stands for (its full name or an alias), or None."""
        if name in self.divisions:
            return self.divisions[name]
        for division in self.divisions.values():
            if name in division.aliases:
                return division
        return None

    def payer_label(self, payer: str, district: str | None) -> str:
        """The finance bureau that pays a share: `郑州市财政`, `金水区财政`, `县（市、区）财政`."""
        if payer == "city":
            return f"{self.name_zh}财政"
        if payer == "district":
            return f"{district}财政" if district else "县（市、区）财政"
        return payer
