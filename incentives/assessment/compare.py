"""One institution across cities: what each gives, side by side, lined up by topic.

The profile's city is replaced by each city in turn. A district that does not exist in a
city is dropped there and reported as a fact to supply, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from incentives.assessment.engine import assess
from incentives.load.rulebook import RuleBook
from incentives.model.profile import Profile
from incentives.model.result import ELIGIBLE, Assessment, Result


@dataclass
class Row:
    """One benefit (a topic) and what each city's rules make of it (None: no such rule)."""

    topic: str
    results: dict[str, Result | None]

    @property
    def title(self) -> Result:
        return next(r for r in self.results.values() if r is not None)

    def covered_in(self) -> list[str]:
        return [city for city, r in self.results.items() if r is not None]

    def eligible_in(self) -> list[str]:
        return [city for city, r in self.results.items() if r is not None and r.status == ELIGIBLE]


@dataclass
class Comparison:
    """Assessments of one profile in several cities on one date."""

    as_of: date
    assessments: dict[str, Assessment]
    rows: list[Row] = field(default_factory=list)
    to_supply: dict[str, list[str]] = field(default_factory=dict)

    def only_in(self) -> dict[str, list[Row]]:
        """For each city, the benefits the institution gets there on a topic that no other
        city's rules cover (a topic another city covers is not "only here", even where the
        institution does not qualify there: the table shows why)."""
        return {city: [row for row in self.rows if row.covered_in() == [city]
                       and row.eligible_in() == [city]]
                for city in self.assessments}

    def cash_totals(self) -> dict[str, tuple[Decimal, dict[str, Decimal]]]:
        return {city: a.cash_totals() for city, a in self.assessments.items()}






def compare(profile: Profile, book: RuleBook, as_of: date, cities: list[str] | None = None,
            overrides: dict[str, Decimal] | None = None) -> Comparison:
    """Assess `profile` in each of `cities` (default: every loaded city)."""
    chosen = cities or [profile.city, *sorted(set(book.cities) - {profile.city})]
    comparison = Comparison(as_of, {})
    for city in chosen:
        moved, missing = _move(profile, book, city)
        comparison.assessments[city] = assess(moved, book, as_of, overrides)
        comparison.to_supply[city] = missing
    comparison.rows = _rows(comparison.assessments, book)
    return comparison


def _move(profile: Profile, book: RuleBook, city: str) -> tuple[Profile, list[str]]:
    """The profile placed in another city; its district kept only if that city has it."""
    moved = profile.with_city(city)
    district = moved.facts.get("district")
    if district is None:
        return moved, []
    division = book.cities[city].division(str(district))
    if division is None:
        moved.facts.pop("district")
        moved.facts.pop("division_type", None)
        return moved, ["district"]
    moved.facts["district"], moved.facts["division_type"] = division.name, division.type
    return moved, []


def _topic(result: Result, book: RuleBook) -> str:
    """National rules set the topic for the city rules that restate them."""
    for member in (result, *result.also):
        if member.rule.city in book.layers:
            return member.rule.topic
    return result.rule.topic


def _rows(assessments: dict[str, Assessment], book: RuleBook) -> list[Row]:
    rows: dict[str, Row] = {}
    for city, assessment in assessments.items():
        for result in assessment.results:
            topic = _topic(result, book)
            row = rows.setdefault(topic, Row(topic, dict.fromkeys(assessments)))
            row.results[city] = result
    return list(rows.values())
