"""Running rule authors' cases (`load.cases`): each case's profile assessed on its date,
and every stated expectation compared with what the rule gives.

A failure names the case, the rule and the key, with what was expected and what came out;
a profile or override that can't be used is a failure of the case too (with its reason),
never a crash. Amounts compare as exact Decimals: "1038000", "1,038,000.00" and "103.8万"
are the same expectation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from incentives.assessment.engine import assess
from incentives.errors import InputError, MoneyError
from incentives.load.cases import Case
from incentives.load.profile_file import read_profile_file
from incentives.load.rulebook import RuleBook
from incentives.model.money import parse_amount
from incentives.model.profile import parse_profile
from incentives.model.result import Assessment, Result


@dataclass
class Mismatch:
    """One expectation a case states that the rule does not meet."""

    rule: str
    key: str
    expected: Any
    got: Any


@dataclass
class Outcome:
    """A case and what went wrong with it (nothing: it passed)."""

    case: Case
    mismatches: list[Mismatch] = field(default_factory=list)
    unusable: list[str] = field(default_factory=list)  # the profile or an override
    assessment: Assessment | None = None
    overrides: dict[str, Decimal] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.mismatches and not self.unusable


def run_case(case: Case, book: RuleBook) -> Outcome:
    outcome = Outcome(case)
    try:
        raw = (read_profile_file(case.profile) if isinstance(case.profile, Path)
               else case.profile)
        profile = parse_profile(raw, book.schema, book.cities, "profile")
    except InputError as error:
        outcome.unusable = [str(p) for p in error.problems]
        return outcome
    overrides = _overrides(case.params, book, outcome.unusable)
    if outcome.unusable:
        return outcome
    outcome.assessment = assess(profile, book, case.as_of, overrides)
    outcome.overrides = overrides
    results: dict[str, Result] = {}
    for result in outcome.assessment.results:
        for shown in (result, *result.also):
            results[shown.rule.id] = shown
    for rule_id, stated in case.expect.items():
        found = results.get(rule_id)
        if found is None:
            outcome.mismatches.append(Mismatch(rule_id, "rule", "assessed", "not assessed "
                                               "for this profile's city on this date"))
            continue
        for key, expected in stated.items():
            got = _actual(found, key)
            if not _agrees(key, expected, got):
                outcome.mismatches.append(Mismatch(rule_id, key, expected, got))
    return outcome


def _overrides(params: dict[str, str], book: RuleBook, problems: list[str]
               ) -> dict[str, Decimal]:
    """The case's parameter overrides as numbers; a problem for each that can't be one."""
    overrides = {}
    for name, text in params.items():
        if name not in book.param_names():
            problems.append(f"params: {name}: no such parameter; one of "
                            + ", ".join(sorted(book.param_names())))
            continue
        try:
            overrides[name] = parse_amount(text)
        except MoneyError as error:
            problems.append(f"params: {name}: {text!r}: {error}")
    return overrides


def _actual(result: Result, key: str) -> Any:
    """What the result says for an expectation's key, in the shape a case writes it."""
    if key == "status":
        return result.status
    if key == "amount":
        return "unstated" if result.open is not None else result.amount
    if key == "range":
        return [result.range.least.amount, result.range.most.amount] if result.range else None
    if key == "payers":
        return {p.payer: p.amount for p in result.payers}
    if key == "schedule":
        return [{"due": d.due, "amount": d.amount} for d in result.schedule]
    if key == "period":
        return ({"start": result.period[0], "end": result.period[1] or "open"}
                if result.period else None)
    if key == "missing":
        return sorted(result.missing)
    return result.past  # "past"


def _agrees(key: str, expected: Any, got: Any) -> bool:
    if key in ("amount", "range", "payers", "schedule", "period"):
        return _same(expected, got)
    if key == "missing":
        return isinstance(expected, list) and sorted(map(str, expected)) == got
    return bool(expected == got)


def _same(expected: Any, got: Any) -> bool:
    """Equal, with amounts compared as exact numbers and a schedule entry's or a table's
    keys compared only where the case states them."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(k in got and _same(v, got[k])
                                              for k, v in expected.items())
    if isinstance(expected, list):
        return (isinstance(got, list) and len(expected) == len(got)
                and all(_same(e, g) for e, g in zip(expected, got, strict=True)))
    if isinstance(got, Decimal):
        return _amount(expected) == got
    if isinstance(got, date) and isinstance(expected, date):
        return expected == got
    return bool(expected == got)


def _amount(text: Any) -> Decimal | None:
    try:
        return parse_amount(str(text).replace(",", "")) if not isinstance(text, bool) else None
    except MoneyError:
        return None
