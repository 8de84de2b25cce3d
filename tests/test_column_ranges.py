"""`columnar.ranges.amount_ranges` against `bounds.amount_range`, row by row, on amounts of
every form the columns work out: negation, min and max, signed facts, products with
infinite ends and with zero, cases whose conditions read unknown yes/no, listed and
number facts, and the forms that have no range (a number read twice, a condition that
narrows its own value, an unbounded end)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incentives import parse_profile
from incentives.batch.columnar import ranges
from incentives.batch.columnar.engine import FactBits
from incentives.batch.columnar.frame import facts_of
from incentives.batch.columnar.ranges import RangePlan, amount_ranges
from incentives.batch.columnar.vector import Frame
from incentives.model.bounds import amount_range
from incentives.model.conditions import NUMBER, Context, Env, compile_expression
from incentives.model.money import to_fen
from incentives.model.rule import AmountCase

from .conftest import BOOK

PARAMS = {"lending_rate": Decimal("0.0435")}
ENV = Env(BOOK.schema, frozenset(PARAMS))
KIND = BOOK.schema["kind"].values
# each a list of (when, value); None: no condition
AMOUNTS: list[list[tuple[str | None, str]]] = [
    [(None, "max(0, min(annual_surplus, sponsor_contribution * 1.2 * lending_rate))")],
    [(f"leading_level or kind == '{KIND[1]}'", "fixed_asset_investment * 1.2%"),
     (None, "fixed_asset_investment * 1%")],
    [(None, "-min(sponsor_contribution, 100) + 50")],
    [("annual_surplus > 0", "annual_surplus * 10%"), (None, "5")],
    [(None, "min(sponsor_contribution, sponsor_contribution * 2)")],
    [(None, "max(annual_surplus, -100) - min(payroll_total, 200)")],
    [("annual_surplus > 100", "300"), (None, "sponsor_contribution * 0")],
    [(None, "min(annual_surplus - 5, 10) * (0 - 2)")],
    [("for_profit", "min(payroll_total, 10) * -1"), (f"kind == '{KIND[2]}'", "7"),
     ("leading_level", "max(0, min(annual_surplus, 3))")],
    [(None, "annual_surplus * 20%")],
    [("sponsor_contribution > 50", "min(sponsor_contribution, 100)"), (None, "5")],
    [(None, "min(sponsor_contribution, 100) - min(sponsor_contribution, 50)")],
    [("leading_level and for_profit", "min(payroll_total * 3, 1000)"),
     ("payroll_total > 50", "40"), (None, "max(-annual_surplus, 1) * 0.5")],
]


def cases_of(amount: list[tuple[str | None, str]]) -> list[AmountCase]:
    return [AmountCase(None if when is None else compile_expression(when, ENV),
                       compile_expression(value, ENV, NUMBER)) for when, value in amount]


small = st.integers(-3000, 3000).map(lambda fen: Decimal(fen).scaleb(-2))
unsigned = st.integers(0, 3000).map(lambda fen: Decimal(fen).scaleb(-2))
profiles = st.lists(st.fixed_dictionaries({"city": st.just("zhengzhou")}, optional={
    "annual_surplus": small, "sponsor_contribution": unsigned, "payroll_total": unsigned,
    "fixed_asset_investment": unsigned, "kind": st.sampled_from(KIND[:4]),
    "leading_level": st.booleans(), "for_profit": st.booleans()}), min_size=1, max_size=30)
BITS = FactBits(list(BOOK.schema.facts))


@pytest.mark.parametrize("amount", AMOUNTS, ids=[" | ".join(v for _, v in a) for a in AMOUNTS])
@settings(max_examples=60, deadline=None)
@given(raws=profiles)
def test_each_row_gets_the_row_engines_range(amount: list[tuple[str | None, str]],
                                             raws: list[dict[str, Any]]) -> None:
    assert_row_engines_ranges(cases_of(amount), raws)


@pytest.mark.parametrize("amount", AMOUNTS, ids=[" | ".join(v for _, v in a) for a in AMOUNTS])
@settings(max_examples=30, deadline=None)
@given(raws=profiles, stacked=st.integers(1, 40))
def test_repeated_rows_and_combinations_in_several_frames_get_the_same_ranges(
        amount: list[tuple[str | None, str]], raws: list[dict[str, Any]], stacked: int) -> None:
    """Rows that agree on every fact are worked out once and taken back to each; the
    combinations are worked out a few at a time (`_STACKED` rows × combinations a frame)."""
    with mock.patch.object(ranges, "_STACKED", stacked):
        assert_row_engines_ranges(cases_of(amount), raws * 3 + raws[:1])


def assert_row_engines_ranges(cases: list[AmountCase], raws: list[dict[str, Any]]) -> None:
    items = [parse_profile(raw, BOOK.schema, BOOK.cities) for raw in raws]
    facts = facts_of(items, BOOK.schema, BOOK.cities)
    frame = Frame(facts.size, facts.columns, PARAMS, np.zeros(facts.size, dtype=bool))
    found = amount_ranges(RangePlan(cases, PARAMS, BOOK.schema), frame, BITS.bit)
    assert not found.refer.any()
    for row, item in enumerate(items):
        expected = amount_range(cases, Context(item.facts, PARAMS), BOOK.schema)
        if expected is None:
            assert not found.bounded[row], row
            continue
        assert found.bounded[row], row
        assert (to_fen(Decimal(int(found.least[row])).scaleb(-2)),
                to_fen(Decimal(int(found.most[row])).scaleb(-2))) == (
                    expected.least, expected.most), row
        if expected.least != expected.most:
            assert BITS.decode(int(found.deciders[row])) == sorted(
                {d.fact for d in expected.deciders}), row


def test_every_form_above_is_worked_out_over_columns() -> None:
    for amount in AMOUNTS:
        assert RangePlan(cases_of(amount), PARAMS, BOOK.schema).supported


MANY = [(f"grade == '3A' and kind == '{KIND[0]}' and for_profit and featured_services and "
         "leading_level and newly_built and income_reinvested", "min(payroll_total, 10)"),
        (None, "3")]  # grade 10 × kind 14 × 2**5 = 4,480 combinations with all unknown


def test_past_4096_combinations_a_row_has_no_range_and_rows_of_fewer_get_theirs_together(
        ) -> None:
    """Rows are taken together by the facts they don't know: two rows of 448 and 320
    combinations (4,480 between them) each get their range in the same block."""
    cases = cases_of(MANY)
    raws: list[dict[str, Any]] = [
        {"city": "zhengzhou", "payroll_total": Decimal(5)},  # 4,480: no range
        {"city": "zhengzhou", "payroll_total": Decimal(5), "grade": "3A"},  # 448
        {"city": "zhengzhou", "payroll_total": Decimal(5), "kind": KIND[0]}]  # 320
    items = [parse_profile(raw, BOOK.schema, BOOK.cities) for raw in raws]
    expected = [amount_range(cases, Context(item.facts, PARAMS), BOOK.schema)
                for item in items]
    assert expected[0] is None and expected[1] is not None and expected[2] is not None
    plan = RangePlan(cases, PARAMS, BOOK.schema)

    def found_for(rows: list[int]) -> Any:
        facts = facts_of([items[i] for i in rows], BOOK.schema, BOOK.cities)
        frame = Frame(facts.size, facts.columns, PARAMS, np.zeros(facts.size, dtype=bool))
        return amount_ranges(plan, frame, BITS.bit)

    together = found_for([0, 1, 2])  # 448 and 320 combinations, 4,480 between them
    assert together.refer.tolist() == [False, False, False]
    assert together.bounded.tolist() == [False, True, True]
    for index in (1, 2):
        wanted = expected[index]
        assert wanted is not None
        assert (Decimal(int(together.least[index])) / 100,
                Decimal(int(together.most[index])) / 100) == (wanted.least, wanted.most)
        assert BITS.decode(int(together.deciders[index])) == sorted(
            d.fact for d in wanted.deciders)
    alone = found_for([0, 1])
    assert alone.refer.tolist() == [False, False]
    assert alone.bounded.tolist() == [False, True]
    assert expected[1] is not None
    assert (int(alone.least[1]), int(alone.most[1])) == (300, 500)  # 3.00 to 5.00
    assert (expected[1].least, expected[1].most) == (Decimal("3.00"), Decimal("5.00"))
    assert BITS.decode(int(alone.deciders[1])) == sorted(d.fact for d in expected[1].deciders)
