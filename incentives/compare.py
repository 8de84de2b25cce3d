"""One institution across cities: what each gives, side by side, lined up by topic.

The profile's city is replaced by each city in turn. A district that does not exist in a
city is dropped there and reported as a fact to supply, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .engine import ELIGIBLE, NEEDS_INFO, Assessment, Result, assess
from .labels import label
from .money import format_yuan
from .profile import Profile
from .rulebook import RuleBook


@dataclass
class Row:
    """One benefit (a topic) and what each city's rules make of it (None: no such rule)."""

    topic: str
    results: dict[str, Result | None]

    @property
    def title(self) -> Result:
        return next(r for r in self.results.values() if r is not None)

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
        """For each city, the benefits the institution gets there and in no other city."""
        return {city: [row for row in self.rows if row.eligible_in() == [city]]
                for city in self.assessments}

    def cash_totals(self) -> dict[str, tuple[Decimal, dict[str, Decimal]]]:
        return {city: a.cash_totals() for city, a in self.assessments.items()}


def summary_text(result: Result | None, lang: str = "en") -> str:
    """A result in a few words: what it gives, what it needs, or why not."""
    if result is None:
        return f"— {label('no_such_rule', lang)}"
    if result.status == NEEDS_INFO:
        return f"? {label('give', lang)}: {', '.join(result.missing)}"
    if result.status != ELIGIBLE:
        failed = [c.expr for c in result.checks if c.decisive and c.outcome is False]
        return f"✗ {'; '.join(failed)[:60]}"
    return f"✓ {_benefit(result, lang)}"


def _benefit(result: Result, lang: str) -> str:
    kind = result.rule.kind
    if result.amount is not None:
        prefix = "≤ " if kind in ("cap", "deduction") else ""
        return f"{prefix}{format_yuan(result.amount)} 元"
    if result.period:
        start, end = result.period
        first = start.isoformat() if start else "?"
        if kind == "eligibility_date":
            return f"{label('may_apply_from', lang)} {first}"
        return f"{first} – {end.isoformat() if end else label('no_end', lang)}"
    return label("applies", lang)


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
