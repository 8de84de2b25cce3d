"""What if: the profile with some facts changed, re-assessed, compared rule by rule and in total.

Changes are raw values (`grade=三级甲等`, `fixed_asset_investment=5000万`) read by the same
converters as a profile file, so everything a profile accepts is accepted and every
problem is reported at once (InputError). A blank value makes a fact unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from incentives.assessment.engine import assess, events_from_now
from incentives.assessment.reach import Change
from incentives.load.rulebook import RuleBook
from incentives.model.money import CONTEXT
from incentives.model.profile import Profile, parse_profile
from incentives.model.result import ELIGIBLE, NEEDS_INFO, Assessment, Result
from incentives.model.rule import Text


@dataclass
class RowChange:
    """One rule (with any rule it restates) before and after; either may be absent."""

    before: Result | None
    after: Result | None

    @property
    def result(self) -> Result:
        shown = self.after or self.before
        assert shown is not None
        return shown

    @property
    def difference(self) -> Decimal | None:
        """after − before of the amount (zero where the rule gives nothing); None if unknown."""
        before, after = _counted(self.before), _counted(self.after)
        return None if before is None or after is None else CONTEXT.subtract(after, before)

    def items(self) -> tuple[list[Text], list[Text]]:
        """The parts (components) that apply only after, and those that applied only before."""
        before, after = _applying(self.before), _applying(self.after)
        return [c for c in after if c not in before], [c for c in before if c not in after]


@dataclass
class WhatIf:
    """The assessment before and after the changes, and the rules whose outcome changed."""

    before: Assessment
    after: Assessment
    changes: list[Change]
    rows: list[RowChange]
    unchanged: int

    def totals(self) -> tuple[tuple[Decimal, Decimal, Decimal],
                              dict[str, tuple[Decimal, Decimal, Decimal]]]:
        """Cash in all and by payer: (before, after, difference)."""
        total_before, payers_before = self.before.cash_totals()
        total_after, payers_after = self.after.cash_totals()
        zero = Decimal("0.00")
        by_payer = {}
        for payer in dict.fromkeys([*payers_before, *payers_after]):
            b, a = payers_before.get(payer, zero), payers_after.get(payer, zero)
            by_payer[payer] = (b, a, a - b)
        return (total_before, total_after, total_after - total_before), by_payer


def apply_changes(profile: Profile, book: RuleBook, changes: Mapping[str, Any],
                  where: str = "--set") -> Profile:
    """The profile with facts replaced, read and checked like a profile file (InputError)."""
    raw: dict[str, Any] = {name: value for name, value in profile.facts.items()
                           if not (name in book.schema and book.schema[name].derived)
                           and name not in profile.implied}
    raw.update(changes)
    return parse_profile(raw, book.schema, book.cities, where)


def whatif(profile: Profile, book: RuleBook, as_of: date, changes: Mapping[str, Any],
           overrides: dict[str, Decimal] | None = None) -> WhatIf:
    """Assess the profile as it is and with the changes, and compare."""
    changed = apply_changes(profile, book, changes)
    rules = [r for pair in book.rules_for(profile.city, as_of) for r in pair if r is not None]
    moved = {name for name in changed.facts if changed.facts.get(name) != profile.facts.get(name)}
    dated = events_from_now(rules, dict(changed.facts), moved, as_of)
    if dated:  # shown among the changes, so the reader sees the date assumed
        changed = apply_changes(changed, book, dated)
    before = assess(profile, book, as_of, overrides)
    after = assess(changed, book, as_of, overrides)
    implied = profile.implied | changed.implied  # the consequences of a change, not changes
    facts = [name for name in dict.fromkeys([*profile.facts, *changed.facts])
             if profile.facts.get(name) != changed.facts.get(name) and name not in implied]
    diff = [Change(name, profile.facts.get(name), changed.facts.get(name)) for name in facts]
    old = {_key(result): result for result in before.results}
    new = {_key(result): result for result in after.results}
    rows, unchanged = [], 0
    for key in dict.fromkeys([*old, *new]):
        row = RowChange(old.get(key), new.get(key))
        if row.before and row.after and _summary(row.before) == _summary(row.after):
            unchanged += 1
        else:
            rows.append(row)
    return WhatIf(before, after, diff, rows, unchanged)


def _applying(result: Result | None) -> list[Text]:
    return [c.label for c in result.components if c.applies] if result else []


def _key(result: Result) -> tuple[str, ...]:
    return tuple(sorted({result.rule.id, *(other.rule.id for other in result.also)}))


def _counted(result: Result | None) -> Decimal | None:
    if result is None or result.status not in (ELIGIBLE, NEEDS_INFO):
        return Decimal("0.00")
    if result.amount is None and result.rule.kind not in ("cash", "cap", "deduction"):
        return Decimal("0.00")  # a rule that gives no amount
    return result.amount


def _summary(result: Result) -> tuple[Any, ...]:
    """What a person sees of a result, to tell whether it changed."""
    return (
        result.rule.id, result.status, result.amount,
        (result.range.least.amount, result.range.most.amount) if result.range else None,
        tuple((p.payer, p.amount) for p in result.payers),
        tuple((d.due, d.amount) for d in result.schedule),
        result.period,
        tuple((c.applies, c.amount) for c in result.components),
        tuple(result.missing),
    )
