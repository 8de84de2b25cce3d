"""assess(profile, rulebook, as_of) -> Assessment: every rule of the city, decided and explained.

For each rule: is it in force on the as-of date; does its condition hold (true, false or
unknown, with the trace); and if so, what it gives: an amount split among payers and
instalments to the fen, a period, an earliest date, the parts that apply. A benefit whose
amount or dates need a fact the profile lacks is `needs_info`, naming those facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from incentives.assessment.savings import estimate_savings
from incentives.errors import InputError, MoneyError, Problem
from incentives.load.rulebook import RuleBook
from incentives.model.conditions import Context, Step
from incentives.model.facts import RESERVED_DATES, FactSchema
from incentives.model.money import split_by, to_fen
from incentives.model.params import ParamUse, resolve
from incentives.model.place import City, DocumentEnd
from incentives.model.profile import Profile
from incentives.model.result import (
    ELIGIBLE,
    NEEDS_INFO,
    NOT_ELIGIBLE,
    Assessment,
    Check,
    ComponentResult,
    Due,
    Extent,
    Note,
    OpenAmount,
    OpenDue,
    OpenShare,
    Payment,
    Ranged,
    Result,
)
from incentives.model.rule import Component, Instalment, Offset, Rule, Text
from incentives.model.rule import Note as RuleNote

if TYPE_CHECKING:
    from incentives.model.bounds import AmountRange

DERIVED_FROM = {"division_type": "district"}
_ZERO = Decimal("0.00")
PLANS_KEPT = 64  # (city, date, overrides) plans a book keeps; the oldest goes first
RULES_KEPT = 1024  # rules a plan keeps prepared (what-if and within reach reuse a few)


@dataclass
class Prepared:
    """What a rule's assessment on a date needs that depends only on the rule book: the
    parameters in force (overrides applied), the reserved dates, whether it is in force."""

    rule: Rule
    uses: list[ParamUse]
    params: dict[str, Decimal]
    dates: dict[str, date | None]
    in_force: Check
    ended: DocumentEnd | None
    counted: Rule | None = None  # the rule with its event counted whenever it happened
    # each note with its condition's compiled closure (None: a note that always holds)
    notes: list[tuple[RuleNote, Callable[[Context], Any] | None]] = field(
        default_factory=list)


class Plan:
    """One city's rules on one date with one set of overrides, worked out once and kept on
    the book (which never changes once loaded): which rules speak, in what order, and each
    rule's Prepared. Every assessment on that day reads it."""

    def __init__(self, book: RuleBook, city_id: str, as_of: date,
                 overrides: dict[str, Decimal]) -> None:
        self.city_id, self.as_of, self.overrides = city_id, as_of, overrides
        self.tables = book.param_tables(city_id)
        self.book = book
        self.rules: dict[int, Prepared] = {}
        self._pairs: list[tuple[Prepared, Prepared | None]] | None = None
        self._order: dict[int, tuple[Any, ...]] = {}
        self._ranks: dict[int, int] | None = None

    @property
    def pairs(self) -> list[tuple[Prepared, Prepared | None]]:
        """The rules that speak, each with the layer rule it restates (RuleBook.rules_for)."""
        if self._pairs is None:
            self._pairs = [(self.prepare(rule), None if restated is None
                            else self.prepare(restated))
                           for rule, restated in self.book.rules_for(self.city_id, self.as_of)]
        return self._pairs

    @property
    def ranks(self) -> dict[int, int]:
        """Each speaking rule's place in a report (`document_order`) as a number, by id:
        equal orders get equal numbers, so a stable sort by it is the sort by the order."""
        if self._ranks is None:
            rules = {id(p.rule): p.rule for pair in self.pairs for p in pair if p is not None}
            keys = {key: self.order(rule) for key, rule in rules.items()}
            places = {order: index for index, order in enumerate(sorted(set(map(
                _hashable, keys.values()))))}
            self._ranks = {key: places[_hashable(order)] for key, order in keys.items()}
        return self._ranks

    def prepare(self, rule: Rule) -> Prepared:
        found = self.rules.get(id(rule))
        if found is not None and found.rule is rule:
            return found
        uses = resolve(self.tables, rule.param_names, self.as_of, self.overrides)
        in_force = rule.in_force_on(self.as_of)
        found = Prepared(rule, list(uses.values()),
                         {name: use.value for name, use in uses.items()},
                         rule.dates_on(self.as_of),
                         Check(rule.in_force_text, {"as_of": self.as_of}, in_force, not in_force),
                         None if in_force else rule.ended_by_document(self.as_of),
                         notes=[(note, None if note.when is None else note.when.evaluator)
                                for note in rule.notes])
        if len(self.rules) >= RULES_KEPT:
            self.rules.clear()
        self.rules[id(rule)] = found  # it holds the rule, so the id is not reused meanwhile
        return found

    def order(self, rule: Rule) -> tuple[Any, ...]:
        key = self._order.get(id(rule))
        if key is None:
            key = self._order[id(rule)] = document_order(rule, self.city_id)
        return key

    def counted(self, prepared: Prepared) -> Prepared:
        """The rule as if its event counted whenever it happened (`if_counted`)."""
        if prepared.counted is None:
            prepared.counted = replace(prepared.rule, event=None)
        return self.prepare(prepared.counted)


def plan_for(book: RuleBook, city_id: str, as_of: date,
             overrides: dict[str, Decimal] | None) -> Plan:
    """The book's plan for a city on a date: made once, then kept (at most PLANS_KEPT)."""
    overrides = overrides or {}
    # repr keeps 4.35% and 4.350% apart: the value used is shown as it was written
    key = (city_id, as_of, tuple(sorted((k, repr(v)) for k, v in overrides.items()))
           if overrides else ())
    plans = book.derived
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= PLANS_KEPT:
            del plans[next(iter(plans))]
        plan = plans[key] = Plan(book, city_id, as_of, dict(overrides))
    assert isinstance(plan, Plan)
    return plan


def assess(
    profile: Profile, book: RuleBook, as_of: date, overrides: dict[str, Decimal] | None = None
) -> Assessment:
    """Assess every rule of the profile's city on `as_of`, parameters overridden as given."""
    city = book.cities[profile.city]
    plan = plan_for(book, city.id, as_of, overrides)
    results = []
    for prepared, restated in plan.pairs:
        result = _assess(prepared, profile, city, book, plan)
        if restated is not None:
            other = _assess(restated, profile, city, book, plan)
            result = _shown_once(result, other, as_of)
        results.append(result)
    ranks = plan.ranks
    results.sort(key=lambda r: ranks[id(r.rule)])
    return Assessment(as_of, city, profile, results)


def _hashable(order: tuple[Any, ...]) -> tuple[Any, ...]:
    """`document_order` with its list of numbers as a tuple: a key of a dict, ordered the
    same."""
    return tuple(tuple(part) if isinstance(part, list) else part for part in order)


_RANK = {ELIGIBLE: 2, NEEDS_INFO: 1, NOT_ELIGIBLE: 0}


def _shown_once(city_result: Result, layer_result: Result, as_of: date) -> Result:
    """A city rule and the national rule it restates, as one result citing both: the
    better of the two for the institution leads; on a tie the one in force (its reason is
    the one that holds), else the city's."""
    if _lead_rank(layer_result, as_of) > _lead_rank(city_result, as_of):
        primary, other = layer_result, city_result
    else:
        primary, other = city_result, layer_result
    primary.also.append(other)
    return primary


def _lead_rank(result: Result, as_of: date) -> tuple[int, bool]:
    return _RANK[result.status], result.rule.in_force_on(as_of)


def document_order(rule: Rule, city_id: str) -> tuple[Any, ...]:
    """Where a result stands in a report: the city's own provisions first, in their order."""
    numbers = [int(n) for n in re.findall(r"\d+", rule.provision)]
    return (rule.city != city_id, rule.provision.rstrip("0123456789-"), numbers, rule.id)


def assess_rule(
    rule: Rule, profile: Profile, city: City, book: RuleBook, as_of: date,
    overrides: dict[str, Decimal],
) -> Result:
    """One rule's result for the profile: what `assess` works out for each rule, and what
    within reach re-assesses with a fact changed."""
    plan = plan_for(book, city.id, as_of, overrides)
    return _assess(plan.prepare(rule), profile, city, book, plan)


def _assess(prepared: Prepared, profile: Profile, city: City, book: RuleBook,
            plan: Plan) -> Result:
    rule = prepared.rule
    ctx = Context(profile.facts, prepared.params, prepared.dates)
    # every field up to `parameters` given in order: keywords cost more, once per rule
    result = Result(rule, ELIGIBLE, [prepared.in_force], None, None, [], [], None, [], [],
                    list(prepared.uses))
    earlier = False  # the rewarded event came before the rule
    if prepared.in_force.outcome:
        when = rule.when
        if when is not None:
            trace, leaves = when.trace_leaves(ctx)
            result.trace = trace
            result.checks += [Check(leaf.text, leaf.values, leaf.outcome, leaf.decisive)
                              for leaf in leaves]
            if trace.outcome is not True:
                result.status = NOT_ELIGIBLE if trace.outcome is False else NEEDS_INFO
                result.missing = _missing_in_trace(leaves, profile)
        if rule.event is not None:
            earlier = _event_before_the_rule(rule, profile, result)
        status = result.status
        if status != NOT_ELIGIBLE and rule.period is not None:
            _window(rule, profile, result)
        if status == ELIGIBLE:
            try:
                _work_out_benefit(rule, profile, city, book.schema, ctx, result)
            except MoneyError as error:  # an amount too large, a negative one to split
                raise InputError([Problem(f"{rule.file}:{rule.line}", f"rule {rule.id!r}: "
                                          f"{error}; check the amounts in the profile and any "
                                          "--param")]) from None
            status = result.status
    else:
        status = result.status = NOT_ELIGIBLE
        result.ended = prepared.ended
    if status == NOT_ELIGIBLE:
        result.parameters = []  # nothing was worked out with them
    if prepared.notes:
        result.notes, result.open_notes = _notes(prepared.notes, ctx, status)
    if status == ELIGIBLE:
        result.past = _past(result, plan.as_of)
    if earlier:
        result.if_counted = _assess(plan.counted(prepared), profile, city, book, plan)
    return result


def events_from_now(rules: list[Rule], facts: dict[str, Any], changed: set[str],
                    as_of: date) -> dict[str, date]:
    """A change asked about (`what if we reach 2A`) happens from the as-of date on: the
    unknown date of the event a rule rewards, for each rule whose condition reads a
    changed fact, is taken as that day."""
    found: dict[str, date] = {}
    for rule in rules:
        reads = rule.when.facts if rule.when is not None else frozenset()
        if rule.event and facts.get(rule.event) is None and reads & changed:
            found[rule.event] = as_of
    return found


def _event_before_the_rule(rule: Rule, profile: Profile, result: Result) -> bool:
    """The event a rule rewards counts only on or after the rule took effect (the text
    being silent on earlier ones): before it, not eligible (and True is returned); not
    known, needs information."""
    assert rule.event is not None
    day = profile.facts.get(rule.event)
    new = day >= rule.effective_from if isinstance(day, date) else None
    result.checks.append(Check(rule.event_text, {rule.event: day}, new,
                               new is False or (new is None and result.status != NOT_ELIGIBLE)))
    if new is False:
        result.status, result.missing = NOT_ELIGIBLE, []  # whatever the unknown facts
    elif new is None and result.status != NOT_ELIGIBLE:
        result.status = NEEDS_INFO
        result.missing = sorted({*result.missing, rule.event})
    return new is False


def _past(result: Result, as_of: date) -> bool:
    """Whether every dated item of an eligible result lies before the as-of date: each
    instalment paid out, the window ended. Still an entitlement, told as past. (Only an
    eligible result is asked.)"""
    schedule = result.open.schedule if result.open is not None else result.end_schedule(False)
    dues = [due.until or due.due for due in schedule]
    if dues:
        return all(due is not None and due < as_of for due in dues)
    end = result.period[1] if result.period else None
    return result.rule.kind != "eligibility_date" and end is not None and end < as_of


def _notes(notes: list[tuple[RuleNote, Callable[[Context], Any] | None]], ctx: Context,
           status: str) -> tuple[list[Text], list[Note]]:
    """The notes that bear on this result, and apart from them the notes whose condition
    is unknown (told as what may apply, with the facts that decide it, never as a fact).
    For a rule that doesn't apply only notes whose condition is known to hold are kept (an
    open question that may be why it doesn't apply)."""
    shown: list[Text] = []
    open_notes: list[Note] = []
    for note, when in notes:
        holds = True if when is None else when(ctx)
        if holds is True and (status != NOT_ELIGIBLE or note.when is not None):
            shown.append(note.text)
        elif holds is None and status != NOT_ELIGIBLE and note.when is not None:
            facts = sorted(n for n in note.when.facts if ctx.facts.get(n) is None)
            open_notes.append(Note(note.text, [DERIVED_FROM.get(n, n) for n in facts]))
    return shown, open_notes


def _missing(names: frozenset[str] | set[str], profile: Profile) -> list[str]:
    if not names:
        return []
    facts = {DERIVED_FROM.get(name, name) for name in names}
    return sorted(f for f in facts if f not in profile.facts and f not in RESERVED_DATES)


def _missing_in_trace(leaves: list[Step], profile: Profile) -> list[str]:
    unknown = {name for leaf in leaves if leaf.decisive and leaf.outcome is None
               for name, value in leaf.values.items() if value is None}
    return _missing(unknown, profile)


def _work_out_benefit(
    rule: Rule, profile: Profile, city: City, schema: FactSchema, ctx: Context, result: Result
) -> None:
    missing: set[str] = set()
    found: AmountRange | None = None
    if rule.amount:
        result.amount, result.basis = _amount(rule, ctx, missing)
        if result.amount is None:
            found = _bounded(rule, ctx, schema, result, missing)
    if rule.components:
        # most parts are a procedure with neither condition nor amount: applying, as is
        result.components = [ComponentResult(c.label, True, None)
                             if c.when is None and c.amount is None
                             else _component(c, ctx, missing) for c in rule.components]
        if rule.kind == "deduction" and not rule.amount:
            applying = [c.amount for c in result.components if c.applies is not False]
            known = [amount for amount in applying if amount is not None]
            result.amount = sum(known, _ZERO) if len(known) == len(applying) else None
    if rule.period is not None:
        result.period = _period(rule, rule.period, profile, missing)
    if rule.date is not None:
        start = _start(rule, rule.date, profile, missing)
        result.period = (rule.date.point(start) if start else None, None)
    essential = bool(missing)  # a fact the amount or the dates need
    district = profile.facts.get("district")
    as_of = ctx.dates["as_of"]
    assert as_of is not None
    if rule.unstated is not None:
        result.open = _open_amount(rule, rule.unstated, city, profile, district, missing,
                                   as_of)
    if result.amount is not None and rule.payers:
        result.payers = _split_payers(rule, city, result.amount, district)
        result.schedule = _schedule(rule, profile, result.payers, missing, as_of)
    if found is not None:
        least, most = (_extent(rule, city, profile, amount, district, missing, as_of)
                       for amount in (found.least, found.most))
        result.range = Ranged(least, most, found.deciders)
        missing |= {decider.fact for decider in found.deciders}
    result.missing = _missing(missing, profile)
    if essential:
        result.status = NEEDS_INFO
        result.open = None  # eligible to it only once the facts are in
    elif rule.savings:
        result.savings = estimate_savings(rule, ctx, result.period[0] if result.period else None)


def _bounded(rule: Rule, ctx: Context, schema: FactSchema, result: Result,
             missing: set[str]) -> AmountRange | None:
    """An amount the unknown facts leave open but bounded: exact if every answer gives the
    same, else its range; the facts that can't change it are no longer asked for."""
    from incentives.model.bounds import amount_range, case_facts  # only when an amount is open

    found = amount_range(rule.amount, ctx, schema)
    if found is None:
        return None
    missing -= {name for case in rule.amount for name in case_facts(case)}
    if found.least == found.most:
        result.amount = found.least
        return None
    return found


def _extent(rule: Rule, city: City, profile: Profile, amount: Decimal, district: Any,
            missing: set[str], as_of: date) -> Extent:
    payers = _split_payers(rule, city, amount, district) if rule.payers else []
    dues = _schedule(rule, profile, payers, missing, as_of) if payers else []
    return Extent(amount, payers, dues)


def _window(rule: Rule, profile: Profile, result: Result) -> None:
    """A bounded period (an exemption window) whose start is known: its first and last day,
    set whatever else is known. One that ended before the as-of date is told as past."""
    if rule.period is None or not rule.period.bounded:
        return
    start = profile.facts.get(rule.period.start) if rule.period.start else rule.effective_from
    if isinstance(start, date):
        result.period = (start, rule.period.last_day(start))


def _amount(rule: Rule, ctx: Context, missing: set[str]) -> tuple[Decimal | None, Text | None]:
    for case in rule.amount:
        applies = True if case.when is None else case.when.evaluate(ctx)
        if applies is None:
            missing.update(n for n in case.when.facts if ctx.facts.get(n) is None)  # type: ignore[union-attr]
            return None, None
        if applies:
            value = case.value.evaluate(ctx)
            if value is None:
                missing.update(n for n in case.value.facts if ctx.facts.get(n) is None)
                return None, case.label
            return to_fen(value), case.label
    return _ZERO, None


def _component(component: Component, ctx: Context, missing: set[str]) -> ComponentResult:
    applies = True if component.when is None else component.when.evaluate(ctx)
    amount = None
    if applies is None and component.amount is not None and component.when is not None:
        # an item that may or may not count makes the total unknown, not smaller
        missing.update(n for n in component.when.facts if ctx.facts.get(n) is None)
    if applies and component.amount is not None:
        amount = component.amount.evaluate(ctx)
        if amount is None:
            missing.update(n for n in component.amount.facts if ctx.facts.get(n) is None)
        else:
            amount = to_fen(amount)
    return ComponentResult(component.label, applies, amount)


def _start(rule: Rule, offset: Offset, profile: Profile, missing: set[str]) -> date | None:
    if offset.start is None:
        return rule.effective_from
    start = profile.facts.get(offset.start)
    if start is None:
        missing.add(offset.start)
        return None
    assert isinstance(start, date)
    return start


def _period(rule: Rule, offset: Offset, profile: Profile, missing: set[str]
            ) -> tuple[date | None, date | None]:
    start = _start(rule, offset, profile, missing)
    if start is None:
        return (None, None)
    return (start, offset.last_day(start) if offset.bounded else None)


def _split_payers(rule: Rule, city: City, amount: Decimal, district: Any) -> list[Payment]:
    weights, fractions = rule.payer_weights
    parts = _split(amount, weights)
    return [Payment(payer, city.payer_label(payer, district), part, fraction)
            for (payer, _), part, fraction in zip(rule.payers, parts, fractions, strict=True)]


SPLITS_KEPT = 4096  # (amount, a rule's weights) whose split is kept
_splits: dict[tuple[Decimal, int], tuple[list[int], list[Decimal]]] = {}


def _split(amount: Decimal, weights: list[int]) -> list[Decimal]:
    """`split_by`, kept for the amounts institutions share (a grade's award, a payer's
    part of it) and a rule's own weights (a list the rule holds, so its id is not reused
    while it is kept here)."""
    found = _splits.get((amount, id(weights)))
    if found is None or found[0] is not weights:
        if len(_splits) >= SPLITS_KEPT:
            _splits.clear()
        found = _splits[amount, id(weights)] = (weights, split_by(amount, weights))
    return found[1]


def _open_amount(rule: Rule, text: Text, city: City, profile: Profile, district: Any,
                 missing: set[str], as_of: date) -> OpenAmount:
    """Cash of an amount the text leaves open: each payer's share, each instalment's date."""
    whole = sum((share for _, share in rule.payers), Decimal(0))
    payers = [OpenShare(payer, city.payer_label(payer, district), share / whole)
              for payer, share in rule.payers]
    schedule = [OpenDue(*_due_date(rule, instalment, profile, missing, as_of),
                        instalment.timing, instalment.label, instalment.share)
                for instalment in rule.schedule]
    return OpenAmount(text, payers, schedule)


def _due_date(rule: Rule, instalment: Instalment, profile: Profile, missing: set[str],
              as_of: date) -> tuple[date | None, date | None]:
    """When an instalment falls due (None while the fact it counts from is missing), and
    the last day of its window where it is a calendar month."""
    if instalment.month is not None:  # the month, counted from a date fact or the as-of date
        anchor = _start(rule, instalment.due, profile, missing) if instalment.due.start \
            else as_of
        return instalment.window(anchor) if anchor else (None, None)
    start = _start(rule, instalment.due, profile, missing)
    return (instalment.due.point(start) if start else None), None


def _schedule(rule: Rule, profile: Profile, payers: list[Payment], missing: set[str],
              as_of: date) -> list[Due]:
    """Each payer's part split across the instalments, so rows and columns both add up."""
    if not rule.schedule:
        return []
    weights = rule.instalment_weights
    columns = [_split(payment.amount, weights) for payment in payers]
    dues = []
    for index, instalment in enumerate(rule.schedule):
        parts = tuple(Payment(p.payer, p.label, column[index], p.share)
                      for p, column in zip(payers, columns, strict=True))
        due, until = _due_date(rule, instalment, profile, missing, as_of)
        dues.append(Due(due, instalment.timing, sum([p.amount for p in parts], _ZERO),
                        instalment.label, parts, until))
    return dues
