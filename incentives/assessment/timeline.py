"""An assessment over time: every dated item on one timeline, and money by calendar year.

The timeline holds each instalment on its due date, each exemption window's first and last
day, each earliest date to apply; items before the as-of date are marked past. Cash is
totalled by payer and by the calendar year its instalment falls due (an instalment whose
date waits on a missing fact is counted as undated); estimated tax saved by year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from incentives.model.result import ELIGIBLE, Assessment, Payment, Result
from incentives.model.rule import Text

UNDATED = "undated"


@dataclass
class Event:
    """One dated item: what happens, on which day, for which rule, how much."""

    day: date
    what: str  # instalment | period_start | period_end | earliest_application
    rule: str
    label: Text
    amount: Decimal | None
    past: bool
    payers: tuple[Payment, ...] = ()


def timeline(assessment: Assessment) -> list[Event]:
    """Every dated item of the eligible results, in date order."""
    events: list[Event] = []
    for result in assessment.results:
        if result.status == ELIGIBLE:
            events.extend(_events(result, assessment.as_of))
    return sorted(events, key=lambda e: (e.day, e.rule, e.what))


def _events(result: Result, as_of: date) -> list[Event]:
    rule = result.rule
    events = [Event(due.due, "instalment", rule.id, due.label, due.amount,
                    (due.until or due.due) < as_of, due.payers)
              for due in result.schedule if due.due]
    if result.open is not None:  # its dates, with no amount
        events += [Event(due.due, "instalment", rule.id, due.label, None,
                         (due.until or due.due) < as_of)
                   for due in result.open.schedule if due.due]
    start, end = result.period or (None, None)
    if start and rule.kind == "eligibility_date":
        events.append(Event(start, "earliest_application", rule.id, rule.title, None,
                            start < as_of))
    elif start and rule.period and rule.period.start:  # a window that starts on a fact's date
        events.append(Event(start, "period_start", rule.id, rule.title, None, start < as_of))
    if end:
        events.append(Event(end, "period_end", rule.id, rule.title, None, end < as_of))
    return events


def cash_by_year(assessment: Assessment, most: bool = False
                 ) -> dict[int | str, dict[str, Decimal]]:
    """Eligible cash by calendar year of payment, then by payer: what is certain (a range
    at its least) or, with `most`, what is possible."""
    years: dict[int | str, dict[str, Decimal]] = {}
    for result in assessment.results:
        extent = result.end(most)
        if result.status != ELIGIBLE or result.rule.kind != "cash" or extent is None:
            continue
        for due in extent.dues(result.rule.title):
            year: int | str = due.due.year if due.due else UNDATED
            for part in due.payers:
                payers = years.setdefault(year, {})
                payers[part.payer] = payers.get(part.payer, Decimal("0.00")) + part.amount
    return dict(sorted(years.items(), key=lambda item: (isinstance(item[0], str), item[0])))


def savings_by_year(assessment: Assessment) -> dict[int, Decimal]:
    """Estimated tax spared by calendar year, over every eligible exemption window."""
    years: dict[int, Decimal] = {}
    for result in assessment.results:
        if result.status != ELIGIBLE:
            continue
        for estimate in result.savings:
            for year, amount in estimate.by_year.items():
                years[year] = years.get(year, Decimal("0.00")) + amount
    return dict(sorted(years.items()))
