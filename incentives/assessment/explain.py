"""Why a rule gives what it gives: the condition tree, the parameters, the amount step by step.

`explain(assessment, book, rule_id)` takes the engine's result for one rule and lays out
how it was reached: each node of the condition with the profile's values and its outcome;
every parameter with its value, date and source; which amount case applied and the
arithmetic of its value (base × rate = amount, exact Decimals); the split among payers and
instalments with their due dates; the period; the quote and the notes; and, for a rule
that does not apply, what would change that. The engine's figures are the ones shown.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from incentives.assessment.reach import Reach, reach_for
from incentives.errors import UnknownRule
from incentives.load.rulebook import RuleBook
from incentives.model.conditions import Calc, Context, Step
from incentives.model.params import ParamUse, resolve
from incentives.model.result import NOT_ELIGIBLE, Assessment, Check, Payment, Result
from incentives.model.rule import Offset, Rule, Text


@dataclass
class CaseWorking:
    """One amount case: its condition (traced; None for the default) and, if used, its sum."""

    label: Text | None
    when: Step | None
    chosen: bool
    reached: bool
    steps: list[Calc] = field(default_factory=list)
    value: Decimal | None = None


@dataclass
class DueWorking:
    """One instalment: its share, the date it counts from, its due date, who pays what."""

    share: Decimal
    timing: str
    label: Text
    base_fact: str | None
    base: date | None
    offset: str
    due: date | None
    amount: Decimal
    payers: tuple[Payment, ...]
    until: date | None = None  # a calendar month's window: its last day


@dataclass
class ComponentWorking:
    """One part of the benefit: whether it applies and, with an amount, its sum."""

    label: Text
    when: Step | None
    applies: bool | None
    steps: list[Calc]
    amount: Decimal | None


@dataclass
class DateWorking:
    """A period or an earliest date: the date fact it runs from and the offset."""

    base_fact: str | None
    base: date | None
    offset: str
    start: date | None
    end: date | None


@dataclass
class Explanation:
    """Everything `incentives explain` shows for one rule and one profile."""

    result: Result
    as_of: date
    in_force: Check | None
    condition: Step | None
    parameters: list[ParamUse]
    parameters_used: bool
    cases: list[CaseWorking] = field(default_factory=list)
    shares: str = ""
    instalments: list[DueWorking] = field(default_factory=list)
    components: list[ComponentWorking] = field(default_factory=list)
    dates: DateWorking | None = None
    reach: Reach | None = None
    also: list[Explanation] = field(default_factory=list)
    institution: str = ""
    dated: list[Check] = field(default_factory=list)  # in force on the date; period not ended

    @property
    def rule(self) -> Rule:
        return self.result.rule


def names_rule(rule: Rule, name: str) -> bool:
    """Whether `name` is the rule's id or its provision code (`zz-2` as well as `ZZ-2`)."""
    code = rule.provision.casefold()
    return name == rule.id or (bool(code) and name.casefold() == code)


def find_result(assessment: Assessment, rule_id: str, book: RuleBook) -> Result:
    """The result for `rule_id`, or for a provision code as reports print it (`ZZ-2`), also
    one shown under another rule; UnknownRule if none."""
    for result in assessment.results:
        for candidate in (result, *result.also):
            if names_rule(candidate.rule, rule_id):
                return candidate
    assessed = [c.rule.id for r in assessment.results for c in (r, *r.also)]
    close = difflib.get_close_matches(rule_id, assessed, n=5, cutoff=0.5)
    elsewhere = book.rule(rule_id)
    if elsewhere is not None:
        message = (f"rule {rule_id!r} belongs to {elsewhere.city!r}, not to this profile's city "
                   f"{assessment.city.id!r}")
        zh = (f"规则 {rule_id!r} 属于 {elsewhere.city!r}，不属于本档案所在城市 "
              f"{assessment.city.id!r}")
    else:
        message, zh = f"no rule {rule_id!r}", f"没有规则 {rule_id!r}"
    # none close: the provision codes the report prints (ZZ-1 …), fewer than the ids
    codes = sorted({c.rule.provision for r in assessment.results for c in (r, *r.also)
                    if c.rule.provision}, key=_code_order)
    raise UnknownRule(rule_id, message, close or codes or sorted(assessed), zh)


def _code_order(code: str) -> tuple[str, int]:
    """ZZ-2 before ZZ-10."""
    prefix, _, number = code.rpartition("-")
    return (prefix, int(number)) if number.isdigit() else (code, 0)


def explain(assessment: Assessment, book: RuleBook, rule_id: str,
            overrides: dict[str, Decimal] | None = None) -> Explanation:
    """Lay out how the engine reached its result for one rule of an assessment."""
    result = find_result(assessment, rule_id, book)
    explanation = _explain(result, assessment, book, overrides or {})
    if result.status == NOT_ELIGIBLE:
        explanation.reach = reach_for(result, assessment.profile, book, assessment.as_of,
                                      overrides)
    explanation.also = [_explain(other, assessment, book, overrides or {})
                        for other in result.also]
    return explanation


def _explain(result: Result, assessment: Assessment, book: RuleBook,
             overrides: dict[str, Decimal]) -> Explanation:
    rule, profile = result.rule, assessment.profile
    params = result.parameters or list(
        resolve(book.param_tables(profile.city), rule.benefit_params, assessment.as_of,
                overrides).values())
    ctx = Context(profile.facts, {use.name: use.value for use in params},
                  rule.dates_on(assessment.as_of))
    dated = [c for c in result.checks  # in force; not ended (not a condition reading as_of)
             if c.expr == rule.in_force_text and c.values.keys() == {"as_of"}]
    condition = result.trace  # not evaluated when not in force: traced here for information
    if condition is None and rule.when is not None:
        condition = rule.when.trace(ctx)
    explanation = Explanation(result, assessment.as_of, dated[0] if dated else None,
                              condition, params, bool(params) and result.status != NOT_ELIGIBLE,
                              institution=profile.name, dated=dated)
    in_force = bool(dated) and dated[0].outcome is True
    if not in_force or (result.trace is not None and result.trace.outcome is not True):
        return explanation  # the condition does not hold: nothing was worked out
    explanation.cases = _cases(rule, ctx)
    if result.payers:
        explanation.shares = ":".join(_plain(share) for _, share in rule.payers)
    for instalment, due in zip(rule.schedule, result.schedule, strict=False):
        base_fact, base = _base(rule, instalment.due, profile.facts)
        moved = offset_text(instalment.due)
        if instalment.month is not None:  # the month's window, from a date fact or as_of
            moved = f"→ month {instalment.month}"
            if instalment.due.start is None:
                base_fact, base = "as_of", assessment.as_of
        explanation.instalments.append(DueWorking(
            instalment.share, instalment.timing, instalment.label, base_fact, base,
            moved, due.due, due.amount, due.payers, due.until))
    for component, outcome in zip(rule.components, result.components, strict=False):
        when = component.when.trace(ctx) if component.when is not None else None
        steps = component.amount.working(ctx) if component.amount and outcome.applies else []
        explanation.components.append(
            ComponentWorking(component.label, when, outcome.applies, steps, outcome.amount))
    offset = rule.period if rule.period is not None else rule.date
    if offset is not None and result.period is not None:
        base_fact, base = _base(rule, offset, profile.facts)
        explanation.dates = DateWorking(base_fact, base, offset_text(offset), *result.period)
    return explanation


def _cases(rule: Rule, ctx: Context) -> list[CaseWorking]:
    """Each amount case in order; the first whose condition holds is the one used."""
    cases, settled = [], False
    for case in rule.amount:
        if settled:
            cases.append(CaseWorking(case.label, None, False, False))
            continue
        when = case.when.trace(ctx) if case.when is not None else None
        holds = True if when is None else when.outcome
        working = CaseWorking(case.label, when, holds is True, True)
        if holds is True:
            working.value = case.value.evaluate(ctx)
            working.steps = case.value.working(ctx) if working.value is not None else []
        cases.append(working)
        settled = holds is not False  # unknown settles it too: the amount is then unknown
    return cases


def _base(rule: Rule, offset: Offset, facts: Mapping[str, object]
          ) -> tuple[str | None, date | None]:
    if offset.start is None:
        return None, rule.effective_from
    value = facts.get(offset.start)
    return offset.start, value if isinstance(value, date) else None


def offset_text(offset: Offset) -> str:
    """`+ 2 years`, `+ 1 year 6 months`, or '' for no offset."""
    parts = [f"{n} {unit}{'s' if n != 1 else ''}"
             for n, unit in ((offset.years, "year"), (offset.months, "month"),
                             (offset.days, "day")) if n]
    return "+ " + " ".join(parts) if parts else ""


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
