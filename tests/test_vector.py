"""The columnar engine (`vector`, `vengine`) against the reference engine, row by row.

Hypothesis draws lists of profiles; each is assessed by `assess` and, all at once, over
columns. Every expression of every bundled rule, every trace node, and every result
(status, amount, payers' parts, instalments, period, missing facts) must agree.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from incentives import assess, load_rulebook, parse_profile
from incentives.batch.columnar.engine import STATUS_NAMES, DateMap, FactBits, split_columns
from incentives.batch.columnar.frame import facts_of
from incentives.batch.columnar.plan import Plan, assess_city, fallback_rows
from incentives.batch.columnar.vector import Cond, Frame, Num, decimal_parts, evaluate
from incentives.batch.columnar.vector import to_fen as column_to_fen
from incentives.model import logic
from incentives.model.conditions import Context
from incentives.model.money import split, to_fen
from incentives.model.params import resolve
from incentives.model.profile import Profile
from incentives.model.result import ELIGIBLE, Result
from incentives.model.rule import Offset

from .test_properties import FACT_VALUES, ZHENGZHOU_VALUES, consistent
from .test_ranges import AS_OF as RANGE_DAY
from .test_ranges import OPEN, new_build

BOOK = load_rulebook()
FEW = settings(max_examples=40, deadline=None)
as_of_dates = st.dates(date(2017, 1, 1), date(2031, 12, 31))
baotou_districts = sorted(BOOK.cities["baotou"].divisions)
profiles = st.lists(st.one_of(
    st.fixed_dictionaries({"city": st.just("zhengzhou")}, optional=ZHENGZHOU_VALUES),
    st.fixed_dictionaries({"city": st.just("baotou")},
                          optional={**FACT_VALUES,
                                    "district": st.sampled_from(baotou_districts)}),
).map(consistent), min_size=1, max_size=25)


def parsed(raws: list[dict[str, Any]]) -> list[Profile]:
    return [parse_profile(raw, BOOK.schema, BOOK.cities) for raw in raws]


@given(st.integers(0, 10**20), st.lists(st.decimals("0", "100", places=2), min_size=1,
                                        max_size=5).filter(lambda s: sum(s) > 0))
def test_split_columns_is_money_split(fen: int, shares: list[Decimal]) -> None:
    whole = Decimal(fen).scaleb(-2)
    column = np.array([fen, fen // 3, 0], dtype=object)
    parts = split_columns(column, shares)
    assert [Decimal(int(p[0])).scaleb(-2) for p in parts] == split(whole, shares)
    assert [Decimal(int(p[1])).scaleb(-2) for p in parts] == split(
        Decimal(fen // 3).scaleb(-2), shares)
    assert sum(int(p[0]) for p in parts) == fen


@given(st.integers(-10**30, 10**30), st.integers(0, 12))
def test_to_fen_is_money_to_fen(coefficient: int, places: int) -> None:
    value = Decimal(coefficient).scaleb(-places)
    known = np.ones(2, dtype=bool)
    fen = column_to_fen(Num(np.array([coefficient, -coefficient], dtype=object), places, known))
    assert Decimal(int(fen[0])).scaleb(-2) == to_fen(value)
    assert Decimal(int(fen[1])).scaleb(-2) == to_fen(-value)


@given(st.lists(st.dates(date(1800, 1, 1), date(2199, 12, 31)), min_size=1, max_size=30),
       st.integers(0, 5), st.integers(0, 14), st.booleans())
def test_date_map_is_offset(days: list[date], years: int, months: int, last: bool) -> None:
    offset = Offset("opened_on", years, months)
    ordinals = np.array([d.toordinal() for d in days], dtype=np.int64)
    moved = DateMap(offset, last).apply(ordinals, np.ones(len(days), dtype=bool))
    expected = [(offset.last_day(d) if last else offset.point(d)).toordinal() for d in days]
    assert moved.tolist() == expected


def _frame(found: Any, city: str, as_of: date, rule: Any) -> tuple[Frame, dict[str, Any]]:
    params = {n: u.value for n, u in resolve(BOOK.param_tables(city), rule.param_names,
                                              as_of, {}).items()}
    return Frame(found.size, found.columns, params, np.zeros(found.size, dtype=bool)), params


@FEW
@given(profiles, as_of_dates)
def test_every_expression_agrees(raws: list[dict[str, Any]], as_of: date) -> None:
    items = parsed(raws)
    found = facts_of(items, BOOK.schema, BOOK.cities)
    rules = [r for city in BOOK.rules for r in BOOK.rules[city]]
    for rule in rules:
        frame, params = _frame(found, "zhengzhou" if rule.city == "national" else rule.city,
                               as_of, rule)
        for expression in rule.expressions:
            value = evaluate(expression.root, frame)
            for row, item in enumerate(items):
                expected = expression.evaluate(Context(item.facts, params))
                assert _row(value, row) == expected, (rule.id, expression.source, row)


def _row(value: Any, row: int) -> Any:
    if isinstance(value, Cond):
        return bool(value.value[row]) if value.known[row] else None
    assert isinstance(value, Num)
    if not value.known[row]:
        return None
    ints = value.ints if isinstance(value.ints, int) else int(value.ints[row])
    return Decimal(ints).scaleb(-value.exp)


@FEW
@given(profiles, as_of_dates)
def test_trace_kept_matches_the_reference_trace(raws: list[dict[str, Any]], as_of: date) -> None:
    items = [p for p in parsed(raws) if p.city == "zhengzhou"]
    if not items:
        return
    found = facts_of(items, BOOK.schema, BOOK.cities)
    assessed = assess_city(Plan(BOOK, as_of, {}), "zhengzhou", found,
                           np.arange(len(items)))
    for result in assessed.primary:
        rule = result.rule
        if rule.when is None or not result.trace:
            continue
        leaves = [(o, d) for node, o, d in result.trace if _leaf(node, result.trace)]
        for row, item in enumerate(items):
            params = {n: u.value for n, u in resolve(BOOK.param_tables("zhengzhou"),
                                                      rule.param_names, as_of, {}).items()}
            steps = rule.when.trace(Context(item.facts, params)).leaves()
            assert [(s.outcome, s.decisive) for s in steps] == [
                (bool(o.value[row]) if o.known[row] else None, bool(d[row]))
                for o, d in leaves], (rule.id, row)


def _leaf(node: Any, trace: list[Any]) -> bool:
    """A node the trace shows as one check (never a named condition, which holds checks)."""
    from incentives.batch.columnar.engine import is_leaf
    return is_leaf(node)


@FEW
@given(profiles, as_of_dates)
def test_results_agree(raws: list[dict[str, Any]], as_of: date) -> None:
    items = parsed(raws)
    found = facts_of(items, BOOK.schema, BOOK.cities)
    plan = Plan(BOOK, as_of, {})
    for code, city in enumerate(found.city_ids):
        rows = np.flatnonzero(found.city == code)
        if not len(rows):
            continue
        assessed = assess_city(plan, city, found, rows)
        referred = fallback_rows(assessed)
        for position, row in enumerate(rows.tolist()):
            if referred[position]:  # the batch runs the row engine for it (test_batch_columnar)
                continue
            expected = {r.rule.id: _reference(r) for r in
                        assess(items[row], BOOK, as_of).results}
            got = {}
            for slot in range(len(assessed.primary)):
                for result, shown in assessed.chosen(slot):
                    if shown[position]:
                        got[result.rule.id] = _columnar(result, position)
            assert got == expected, (city, row)


def _reference(result: Result) -> tuple[Any, ...]:
    period = result.period
    ranged = result.range
    ends = None if ranged is None else tuple(_reference_end(e) for e in (ranged.least,
                                                                         ranged.most))
    return (result.status, None if result.amount is None else to_fen(result.amount),
            tuple((p.payer, p.amount) for p in result.payers),
            tuple((d.due, d.amount, tuple(p.amount for p in d.payers))
                  for d in result.schedule),
            period, tuple(result.missing), ends)


def _reference_end(extent: Any) -> tuple[Any, ...]:
    return (extent.amount, tuple((p.payer, p.amount) for p in extent.payers),
            tuple((d.due, d.amount, tuple(p.amount for p in d.payers))
                  for d in extent.schedule))


def _columnar(result: Any, row: int) -> tuple[Any, ...]:
    def yuan(fen: Any) -> Decimal:
        return Decimal(int(fen)).scaleb(-2)

    def day(ordinal: Any, known: Any) -> date | None:
        return date.fromordinal(int(ordinal)) if known else None

    def parts_of(parts: Any, dues: Any, paid: bool) -> tuple[Any, Any]:
        payers = tuple((p, yuan(part[row])) for (p, _), part in zip(
            result.rule.payers, parts, strict=True)) if paid else ()
        return payers, tuple((day(d.due[row], d.due_known[row]), yuan(d.amount[row]),
                              tuple(yuan(part[row]) for part in d.parts))
                             for d in dues) if paid else ()

    known = result.amount_known is not None and result.amount_known[row]
    paid = bool(result.paid is not None and result.paid[row])
    payers, dues = parts_of(result.parts, result.dues, paid)
    ends = None
    if result.ranged is not None and result.ranged[row]:
        ends = tuple((yuan(end.amount[row]),
                      *parts_of(end.parts, end.dues, bool(result.rule.payers)))
                     for end in (result.least, result.most))
    period = None
    if result.period is not None and result.period[row]:
        period = (day(result.start[row], result.start_known[row]),
                  day(result.end[row], result.end_known[row]))
    bits = FactBits(list(BOOK.schema.facts))
    return (STATUS_NAMES[result.status[row]], yuan(result.amount[row]) if known else None,
            payers, dues, period, tuple(bits.decode(int(result.missing[row]))), ends)


def test_decimal_parts() -> None:
    assert decimal_parts(Decimal("1.20")) == (120, 2)
    assert decimal_parts(Decimal("8650E4")) == (86500000, 0)
    assert decimal_parts(Decimal("-0.05")) == (-5, 2)


def test_an_eligible_cash_result_is_counted() -> None:
    """A smoke check that the generated cases reach the interesting branch at all."""
    raw = {"city": "郑州", "district": "二七区", "sponsor": "社会办", "for_profit": "营利性",
           "kind": "康复医院", "newly_built": "是", "fixed_asset_investment": "8650万",
           "opened_on": "2025-04-28"}
    items = parsed([raw])
    found = facts_of(items, BOOK.schema, BOOK.cities)
    assessed = assess_city(Plan(BOOK, date(2026, 11, 22), {}), "zhengzhou", found,
                           np.arange(1))
    reward = next(r for r in assessed.primary if r.rule.id == "zhengzhou.investment-reward")
    assert STATUS_NAMES[reward.status[0]] == ELIGIBLE
    assert int(reward.amount[0]) == 103_800_000  # 8650万 × 1.2% = 1,038,000.00 yuan
    assert [int(p[0]) for p in reward.parts] == [51_900_000, 51_900_000]


# --- one three-valued table for both engines -----------------------------------------------


@given(st.lists(st.sampled_from([True, False, None]), min_size=1, max_size=4))
def test_and_or_not_follow_kleene_on_one_row_and_on_columns(outcomes: list[bool | None]) -> None:
    expected_and = False if False in outcomes else None if None in outcomes else True
    expected_or = True if True in outcomes else None if None in outcomes else False
    columns = [(np.array([o is True]), np.array([o is False])) for o in outcomes]
    for join, expected in ((logic.conjunction, expected_and), (logic.disjunction, expected_or)):
        assert logic.outcome(join([logic.truth(o) for o in outcomes])) == expected
        true, false = join(columns)
        assert logic.outcome((bool(true[0]), bool(false[0]))) == expected
    first = outcomes[0]
    assert logic.outcome(logic.negation(logic.truth(first))) == (None if first is None
                                                                 else not first)


# --- open amounts: the same ranges as the row engine ---------------------------------------

@FEW
@given(st.lists(st.tuples(new_build(), st.sets(st.sampled_from(OPEN))), min_size=1,
                max_size=25))
def test_open_amounts_get_the_row_engines_ranges_on_the_columnar_path(
        drawn: list[tuple[dict[str, Any], set[str]]]) -> None:
    """Zhengzhou new builds with any of the facts the investment reward's rate and the
    sponsor cap read left out: every row stays on the columnar path, with the row
    engine's amounts, ranges (least and most, split among payers and instalments) and
    missing facts."""
    items = parsed([{k: v for k, v in raw.items() if k not in left_out}
                    for raw, left_out in drawn])
    found = facts_of(items, BOOK.schema, BOOK.cities)
    assessed = assess_city(Plan(BOOK, RANGE_DAY, {}), "zhengzhou", found,
                           np.arange(len(items)))
    assert not fallback_rows(assessed).any()
    for position, item in enumerate(items):
        expected = {r.rule.id: _reference(r) for r in assess(item, BOOK, RANGE_DAY).results}
        got = {result.rule.id: _columnar(result, position)
               for slot in range(len(assessed.primary))
               for result, shown in assessed.chosen(slot) if shown[position]}
        assert got == expected, position


def test_a_range_is_worked_out_on_the_columnar_path() -> None:
    """The sponsor cap with the surplus unknown: 0 to contribution × 1.2 × rate, decided
    by the surplus; the investment reward with the kind unknown: 1% to 1.2%."""
    raw = {"city": "zhengzhou", "district": "二七区", "sponsor": "social", "for_profit": False,
           "newly_built": True, "fixed_asset_investment": Decimal("86500000"),
           "opened_on": date(2025, 4, 28), "leading_level": False,
           "featured_services": False, "sponsor_contribution": Decimal("10000000")}
    items = parsed([raw])
    assessed = assess_city(Plan(BOOK, RANGE_DAY, {}), "zhengzhou",
                           facts_of(items, BOOK.schema, BOOK.cities), np.arange(1))
    assert not fallback_rows(assessed).any()
    results = {r.rule.id: r for r in assessed.primary}
    cap, reward = results["zhengzhou.sponsor-annual-award-cap"], results[
        "zhengzhou.investment-reward"]
    for result in (cap, reward):
        assert result.ranged is not None and result.ranged[0]
    assert (int(reward.least.amount[0]), int(reward.most.amount[0])) == (86_500_000,
                                                                         103_800_000)
    assert int(cap.least.amount[0]) == 0 < int(cap.most.amount[0])
    bits = FactBits(list(BOOK.schema.facts))
    assert bits.decode(int(cap.missing[0])) == ["annual_surplus"]
    assert bits.decode(int(reward.missing[0])) == ["kind"]
    expected = {r.rule.id: _reference(r) for r in assess(items[0], BOOK, RANGE_DAY).results}
    assert _columnar(cap, 0) == expected[cap.rule.id]
    assert _columnar(reward, 0) == expected[reward.rule.id]
