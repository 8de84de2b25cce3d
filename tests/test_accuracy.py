"""Every bundled rule against its text: thresholds, dates, shares, monotony.

The expectations come from tests/accuracy.py, written from the policy documents; each test
is parametrised over the bundled rules, so a rule added without its entry there fails
`test_the_table_covers_every_bundled_rule`. (tests/test_zhengzhou.py and test_baotou.py
hold the worked golden cases; test_properties.py the Hypothesis properties of ZZ-1..3.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incentives.model.conditions import Compare, Const, Expression, FactRef, Node
from incentives.model.money import FEN, to_fen
from incentives.model.result import Result
from incentives.model.rule import Rule

from .accuracy import PROVISIONS, Provision, Threshold, anniversary, rule_result
from .conftest import BOOK

D = Decimal
AS_OF = date(2026, 11, 22)
GRADES = ["ungraded", "1C", "1B", "1A", "2C", "2B", "2A", "3C", "3B", "3A"]  # lowest first
LEVELS = ["1", "2", "3"]


def order_of(value: str) -> list[str]:
    return LEVELS if value in LEVELS else GRADES
RULES = {rule.id: rule for rule in BOOK.all_rules()}
FEW = settings(max_examples=40, deadline=None)


def provision(rule_id: str) -> Provision:
    return PROVISIONS[rule_id]


def ids(items: list[Any]) -> list[str]:
    return [str(item) for item in items]


def test_the_table_covers_every_bundled_rule() -> None:
    assert set(PROVISIONS) == set(RULES)
    for rule_id, rule in RULES.items():
        assert rule.provision == provision(rule_id).code, rule_id
    codes = {p.code for p in PROVISIONS.values()}
    assert codes == {f"ZZ-{n}" for n in range(1, 13)} | {f"BT-{n}" for n in range(1, 9)} | {
        "NAT-1", "NAT-2", "NAT-3", "NAT-4"}


def test_every_witness_applies() -> None:
    for rule_id, entry in PROVISIONS.items():
        assert rule_result(BOOK, entry.witness, rule_id, AS_OF).status == "eligible", rule_id


# --- thresholds ------------------------------------------------------------------------------


def _nodes(node: Node) -> Iterator[Node]:
    yield node
    for name in ("a", "b", "inner"):
        child = getattr(node, name, None)
        if isinstance(child, Node):
            yield from _nodes(child)
    for child in [*getattr(node, "args", []), *getattr(node, "items", [])]:
        yield from _nodes(child)


def _places(rule: Rule) -> Iterator[tuple[str, Expression]]:
    if rule.when is not None:
        yield "when", rule.when
    for case in rule.amount:
        if case.when is not None:
            yield "amount", case.when
    for component in rule.components:
        if component.when is not None:
            yield f"component: {component.when.source}", component.when
    for note in rule.notes:
        if note.when is not None:
            yield "note", note.when


def thresholds_in(rule: Rule) -> set[tuple[str, str, str, Any]]:
    """Every `fact OP fixed value` comparison (OP an order) anywhere in the rule."""
    found = set()
    for where, expression in _places(rule):
        for node in _nodes(expression.root):
            if (isinstance(node, Compare) and node.op in ("<", "<=", ">", ">=")
                    and isinstance(node.a, FactRef) and isinstance(node.b, Const)):
                found.add((where, node.a.name, node.op, node.b.value))
    if rule.event is not None:  # the event it rewards counts from the day it took effect
        found.add(("event", rule.event, ">=", rule.effective_from))
    return found


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_threshold_of_the_rule_is_one_its_text_sets(rule_id: str) -> None:
    expected = {(t.where, t.fact, t.op, t.value) for t in provision(rule_id).thresholds}
    assert thresholds_in(RULES[rule_id]) == expected


THRESHOLDS = [(rule_id, t) for rule_id, entry in sorted(PROVISIONS.items())
              for t in entry.thresholds]


def holds(op: str, value: Any, limit: Any) -> bool:
    if isinstance(limit, str):  # grades compare in the order of the text, lowest first
        order = order_of(limit)
        value, limit = order.index(value), order.index(limit)
    return {"<": value < limit, "<=": value <= limit, ">": value > limit,
            ">=": value >= limit}[op]


def one_step(a: Any, b: Any) -> bool:
    if isinstance(a, str):
        if b is None:  # the top of the order has nothing above it
            return True
        return abs(order_of(a).index(a) - order_of(a).index(b)) == 1
    return abs(a - b) in (FEN, timedelta(days=1))


def outcome(result: Result, rule: Rule, t: Threshold) -> bool:
    """Whether the thresholded part applied: the rule, the component, or the note."""
    if t.where in ("when", "event"):
        assert result.status in ("eligible", "not_eligible"), result.status
        return result.status == "eligible"
    if t.where == "note":
        [note] = [n for n in rule.notes if n.when is not None and t.fact in n.when.facts]
        return note.text in result.notes
    source = t.where.removeprefix("component: ")
    [index] = [i for i, c in enumerate(rule.components) if c.when and c.when.source == source]
    return bool(result.components[index].applies)


@pytest.mark.parametrize(("rule_id", "t"), THRESHOLDS, ids=[f"{r}:{t.fact}{t.op}"
                                                            for r, t in THRESHOLDS])
def test_threshold_at_one_step_below_and_one_step_above(rule_id: str, t: Threshold) -> None:
    assert one_step(t.below, t.value) and one_step(t.value, t.above)
    rule = RULES[rule_id]
    for value in (v for v in (t.below, t.value, t.above) if v is not None):
        raw = {**provision(rule_id).witness, t.fact: value}
        result = rule_result(BOOK, raw, rule_id, AS_OF)
        assert outcome(result, rule, t) is holds(t.op, value, t.value), (value, result.status)


@pytest.mark.parametrize(("surplus", "cap"), [
    (D("522000.00"), D("522000.00")),   # 1000万 × 1.2 × 4.35% = 522,000: the kink
    (D("521999.99"), D("521999.99")),   # a fen below: the surplus is the smaller
    (D("522000.01"), D("522000.00")),   # a fen above: the interest is
])
def test_sponsor_cap_is_the_smaller_of_the_two_to_the_fen(surplus: Decimal, cap: Decimal) -> None:
    rule_id = "zhengzhou.sponsor-annual-award-cap"
    raw = {**provision(rule_id).witness, "sponsor_contribution": "1000万",
           "annual_surplus": surplus}
    result = rule_result(BOOK, raw, rule_id, AS_OF, lending_rate=D("0.0435"))
    assert result.amount == cap


@pytest.mark.parametrize(("liquidation", "award"), [
    (D("90000000.00"), D("0.00")),     # 9000万 − 3000万 − 6000万 = 0: nothing remains
    (D("89999999.99"), D("0.00")),     # less than nothing remains: still 0, never negative
    (D("90000000.10"), D("0.01")),     # 0.10 remains: 10% is 0.01
    (D("90000000.05"), D("0.01")),     # 0.005 rounds half up
    (D("90000000.04"), D("0.00")),
])
def test_liquidation_award_is_never_negative(liquidation: Decimal, award: Decimal) -> None:
    rule_id = "zhengzhou.sponsor-liquidation-award-cap"
    raw = {**provision(rule_id).witness, "liquidation_assets": liquidation}
    assert rule_result(BOOK, raw, rule_id, AS_OF).amount == award


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_the_rule_is_in_force_from_the_day_its_text_says(rule_id: str) -> None:
    entry = provision(rule_id)
    assert RULES[rule_id].effective_from == entry.in_force
    assert RULES[rule_id].effective_to is None  # no text ends any of them
    before = rule_result(BOOK, entry.witness, rule_id, entry.in_force - timedelta(days=1))
    assert before.status == "not_eligible"
    assert before.checks[0].outcome is False and before.checks[0].decisive
    on_the_day = rule_result(BOOK, entry.witness, rule_id, entry.in_force)
    assert on_the_day.checks[0].outcome is True
    assert on_the_day.status == "eligible"


STARTS = [date(2024, 2, 29), date(2024, 3, 1), date(2025, 3, 1), date(2023, 3, 1),
          date(2024, 3, 15), date(2024, 12, 31), date(2021, 2, 28), date(2028, 2, 29)]
WINDOWS = sorted(r for r, p in PROVISIONS.items() if p.years and RULES[r].period is not None)
OPEN_ENDED = sorted(r for r in RULES if RULES[r].period is not None and r not in WINDOWS)


def test_the_windows_are_the_ones_the_texts_bound() -> None:
    assert WINDOWS == ["baotou.for-profit-property-tax-exemption",
                       "national.for-profit-property-tax-exemption",
                       "zhengzhou.for-profit-property-tax-exemption"]
    for rule_id in WINDOWS:
        period = RULES[rule_id].period
        assert period is not None and period.start == provision(rule_id).start
        assert (period.years, period.months, period.days) == (provision(rule_id).years, 0, 0)


@pytest.mark.parametrize("rule_id", WINDOWS)
@pytest.mark.parametrize("start", STARTS, ids=ids(STARTS))
def test_a_window_starts_and_ends_where_the_text_puts_it(rule_id: str, start: date) -> None:
    entry = provision(rule_id)
    last = anniversary(start, entry.years) - timedelta(days=1)  # that day included
    raw = {**entry.witness, entry.start: start}
    for as_of in (start, last):
        result = rule_result(BOOK, raw, rule_id, as_of)
        assert result.status == "eligible", as_of
        assert result.period == (start, last) and not result.past
    after = rule_result(BOOK, raw, rule_id, last + timedelta(days=1))
    assert after.status == "eligible" and after.past  # still the entitlement, now past
    assert after.period == (start, last)


@pytest.mark.parametrize("rule_id", OPEN_ENDED)
def test_an_open_ended_exemption_runs_from_its_text_on(rule_id: str) -> None:
    result = rule_result(BOOK, provision(rule_id).witness, rule_id, AS_OF)
    assert result.period == (provision(rule_id).in_force, None)


@pytest.mark.parametrize("start", STARTS, ids=ids(STARTS))
def test_the_insurance_designation_waits_one_full_year(start: date) -> None:
    rule_id = "zhengzhou.medical-insurance-designation"
    entry = provision(rule_id)
    result = rule_result(BOOK, {**entry.witness, entry.start: start}, rule_id, AS_OF)
    assert result.period == (anniversary(start, entry.years), None)


CASH = sorted(r for r in RULES if RULES[r].kind == "cash")


@pytest.mark.parametrize("rule_id", CASH)
@pytest.mark.parametrize("start", STARTS, ids=ids(STARTS))
def test_instalments_fall_due_where_the_text_puts_them(rule_id: str, start: date) -> None:
    entry = provision(rule_id)
    result = rule_result(BOOK, {**entry.witness, entry.start: start}, rule_id, AS_OF)
    assert [due.due for due in result.schedule] == [anniversary(start, years)
                                                     for _, years in entry.instalments]


# --- shares, instalments and components add up -----------------------------------------------


def test_the_cash_rules_are_the_ones_with_shares() -> None:
    assert sorted(r for r, p in PROVISIONS.items() if p.shares) == CASH


def investments() -> st.SearchStrategy[Decimal]:
    return st.integers(5_000_000_000, 10**13).map(lambda fen: D(fen).scaleb(-2))


@FEW
@given(rule_id=st.sampled_from(CASH), investment=investments(),
       grade=st.sampled_from(["3A", "2A"]),
       district=st.sampled_from(["金水区", "中牟县", "高新区"]))
def test_shares_and_instalments_add_up_to_the_fen(rule_id: str, investment: Decimal, grade: str,
                                                 district: str) -> None:
    entry = provision(rule_id)
    raw = {**entry.witness, "fixed_asset_investment": investment, "grade": grade,
           "district": district}
    result = rule_result(BOOK, raw, rule_id, AS_OF)
    amount = result.amount
    if result.status != "eligible":  # the investment reward is for districts only
        assert rule_id == "zhengzhou.investment-reward" and district != "金水区"
        return
    assert amount is not None and amount == to_fen(amount)
    total_share = sum(share for _, share in entry.shares)
    assert [(p.payer, p.share) for p in result.payers] == [
        (payer, share / total_share) for payer, share in entry.shares]
    assert sum(p.amount for p in result.payers) == amount
    for payer, (_, share) in zip(result.payers, entry.shares, strict=True):
        assert abs(payer.amount - amount * share / total_share) < FEN
    assert sum(due.amount for due in result.schedule) == amount
    for due, (share, _) in zip(result.schedule, entry.instalments, strict=True):
        assert sum(p.amount for p in due.payers) == due.amount
        assert abs(due.amount - amount * share) <= FEN * len(entry.shares)
        assert [p.share for p in due.payers] == [p.share for p in result.payers]
    for index, payer in enumerate(result.payers):
        assert sum(due.payers[index].amount for due in result.schedule) == payer.amount


@FEW
@given(payroll=st.integers(0, 10**13).map(lambda fen: D(fen).scaleb(-2)))
def test_each_deduction_item_is_five_percent_and_they_add_up(payroll: Decimal) -> None:
    rule_id = "zhengzhou.annuity-insurance-deduction"
    raw = {**provision(rule_id).witness, "payroll_total": payroll}
    result = rule_result(BOOK, raw, rule_id, AS_OF)
    assert [c.amount for c in result.components] == [to_fen(payroll * D("0.05"))] * 2
    assert result.amount == sum(c.amount for c in result.components if c.amount is not None)


# --- amounts never fall when a base grows ----------------------------------------------------

MONEY_TYPES = ("money", "number")


def _money_facts(rule: Rule) -> set[str]:
    expressions = [c.value for c in rule.amount] + [c.amount for c in rule.components
                                                    if c.amount is not None]
    expressions += [s.per_year for s in rule.savings]
    return {f for e in expressions for f in e.facts if BOOK.schema[f].type in MONEY_TYPES}


def test_every_base_an_amount_rests_on_has_a_direction() -> None:
    for rule_id, rule in RULES.items():
        assert _money_facts(rule) == set(provision(rule_id).rises_with), rule_id


BASES = [(rule_id, fact) for rule_id, entry in sorted(PROVISIONS.items())
         for fact in sorted(entry.rises_with)]


def worth(result: Result) -> Decimal:
    """What a result gives: its amount, or for an exemption the tax it spares a year."""
    if result.savings:
        return sum((s.per_year for s in result.savings if s.per_year is not None), D(0))
    return result.amount if result.status == "eligible" and result.amount is not None else D(0)


@settings(max_examples=120, deadline=None)
@given(base=st.sampled_from(BASES), a=st.integers(0, 10**12), b=st.integers(0, 10**12))
def test_an_amount_never_falls_when_its_base_grows(base: tuple[str, str], a: int, b: int
                                                   ) -> None:
    rule_id, fact = base
    low, high = sorted([D(a).scaleb(-2), D(b).scaleb(-2)])
    entry = provision(rule_id)
    results = [rule_result(BOOK, {**entry.witness, fact: value}, rule_id, AS_OF)
               for value in (low, high)]
    first, second = (worth(r) for r in results)
    assert first <= second if entry.rises_with[fact] > 0 else first >= second


@FEW
@given(a=st.integers(0, 10**6), b=st.integers(0, 10**6))
def test_the_sponsor_cap_never_falls_when_the_lending_rate_rises(a: int, b: int) -> None:
    rule_id = "zhengzhou.sponsor-annual-award-cap"
    low, high = sorted([D(a).scaleb(-6), D(b).scaleb(-6)])
    raw = {**provision(rule_id).witness, "annual_surplus": "1亿"}
    caps = [rule_result(BOOK, raw, rule_id, AS_OF, lending_rate=rate).amount
            for rate in (low, high)]
    assert caps[0] is not None and caps[1] is not None and caps[0] <= caps[1]
