"""What a tax exemption is worth: the taxes it spares, per year and over its window.

Always an estimate: it rests on the profile's property value and land area and on local
rates that are parameters (often stated assumptions). A window is pro-rated by month,
the month it starts in counted whole: three years from 2024-03-15 spare 10 months of tax
in 2024, 12 in 2025 and 2026, and 2 in 2027.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from incentives.model.conditions import Context
from incentives.model.money import CONTEXT, to_fen
from incentives.model.result import SavingEstimate
from incentives.model.rule import Rule

_COUNTS = [Decimal(count) for count in range(13)]  # a year's months, 0 to 12
_TWELVE = Decimal(12)
_SPANS_KEPT = 4096  # (start, months) whose months by year are kept
_spans: dict[tuple[date, int], list[tuple[int, Decimal]]] = {}


def estimate_savings(rule: Rule, ctx: Context, start: date | None) -> list[SavingEstimate]:
    """The taxes a rule's exemption spares, for a window starting on `start`."""
    months = (rule.period.years * 12 + rule.period.months) if rule.period else 0
    estimates = []
    for saving in rule.savings:
        per_year = saving.per_year.evaluate(ctx)
        missing = sorted(n for n in saving.per_year.facts if ctx.facts.get(n) is None)
        if per_year is None:
            estimates.append(SavingEstimate(saving.label, None, {}, missing))
            continue
        by_year = {}
        if start is not None and months:
            multiply, divide = CONTEXT.multiply, CONTEXT.divide
            by_year = {year: to_fen(divide(multiply(per_year, count), _TWELVE))
                       for year, count in _months(start, months)}
        estimates.append(SavingEstimate(saving.label, to_fen(per_year), by_year, missing))
    return estimates


def _months(start: date, months: int) -> list[tuple[int, Decimal]]:
    """`months_by_year`, each count a Decimal: institutions share start dates."""
    found = _spans.get((start, months))
    if found is None:
        if len(_spans) >= _SPANS_KEPT:
            _spans.clear()
        found = _spans[start, months] = [(year, _COUNTS[count]) for year, count
                                         in months_by_year(start, months).items()]
    return found


def months_by_year(start: date, months: int) -> dict[int, int]:
    """How many of `months` consecutive months, from the one `start` falls in, lie in each
    calendar year."""
    counts: dict[int, int] = {}
    year, left, room = start.year, months, 13 - start.month  # months left in the first year
    while left > 0:
        counts[year] = min(left, room)
        year, left, room = year + 1, left - counts[year], 12
    return counts
