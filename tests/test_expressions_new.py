"""The condition language's `known(fact)`, floor division (`//`, `floor()`) and the reserved
dates (`as_of`, `effective_from`, `effective_to`): values, refusals, and the same answers
from the row and the columnar engines on a rule folder written as data."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from incentives import assess, load_rulebook, parse_profile
from incentives.batch.columnar.vector import Column, Cond, Frame, Num, Other, evaluate
from incentives.errors import ExprError, InputError, RuleFileError
from incentives.load.facts import load_base_schema
from incentives.model.conditions import (
    BOOL,
    NUMBER,
    Context,
    Env,
    Expression,
    compile_expression,
    floor_divide,
    rule_dates,
)

from .test_batch_columnar import same_on_both, write_dicts
from .test_hostile import CITY

D = Decimal
ENV = Env(load_base_schema(), frozenset({"lending_rate"}))
DATES = rule_dates(date(2026, 11, 22), date(2020, 1, 1), None)


def compile_(source: str, expect: Any = BOOL) -> Expression:
    return compile_expression(source, ENV, expect)


def ev(source: str, expect: Any = BOOL, dates: Any = DATES, **facts: Any) -> Any:
    return compile_(source, expect).evaluate(Context(facts, {}, dates))


def refusal(source: str, expect: Any = BOOL) -> str:
    with pytest.raises(ExprError) as caught:
        compile_(source, expect)
    return str(caught.value)


# --- known(fact) ------------------------------------------------------------------------------


def test_known_is_true_when_the_profile_gives_the_fact_and_false_when_not() -> None:
    assert ev("known(opened_on)", opened_on=date(2025, 4, 28)) is True
    assert ev("known(opened_on)") is False  # never unknown
    assert ev("not known(opened_on)") is True
    assert ev("known(newly_built)", newly_built=False) is True  # a false fact is known


def test_known_joins_three_valued_logic_as_a_plain_boolean() -> None:
    source = "not known(opened_on) or opened_on >= date('2020-01-01')"
    assert ev(source) is True
    assert ev(source, opened_on=date(2019, 1, 1)) is False
    assert ev("known(opened_on) and newly_built") is False  # false whatever newly_built is
    assert ev("known(opened_on) and newly_built", opened_on=date(2025, 1, 1)) is None


def test_known_is_a_leaf_of_the_trace_showing_the_facts_value() -> None:
    step = compile_("known(opened_on) and newly_built").trace(Context({"newly_built": True}))
    leaf = step.leaves()[0]
    assert (leaf.text, leaf.outcome, leaf.values, leaf.decisive) == (
        "known(opened_on)", False, {"opened_on": None}, True)
    assert compile_("known(opened_on)").facts == {"opened_on"}


@pytest.mark.parametrize(("source", "message"), [
    ("known(1)", "known() takes one fact name, e.g. known(opened_on)"),
    ("known('opened_on')", "known() takes one fact name"),
    ("known()", "known() takes one fact name"),
    ("known(opened_on, newly_built)", "known() takes one fact name"),
    ("known(nonexistent)", "known() takes a fact name; 'nonexistent' is not a fact"),
    ("known(opend_on)", "did you mean 'opened_on'"),
    ("known(lending_rate)", "'lending_rate' is not a fact"),
    ("known(as_of)", "'as_of' is not a fact"),
    ("known(city)", "every profile gives its city"),
    ("known(opened_on > 1)", "known() takes one fact name"),
])
def test_known_takes_a_fact_name_only(source: str, message: str) -> None:
    assert message in refusal(source)


# --- floor division -------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "floored"), [
    ("7", "2", 3), ("-7", "2", -4), ("7", "-2", -4), ("-7", "-2", 3), ("6", "2", 3),
    ("7.5", "0.5", 15), ("0.99", "1", 0), ("-0.01", "1", -1), ("350000000", "100000000", 3),
])
def test_floor_division_rounds_down_exactly(a: str, b: str, floored: int) -> None:
    assert floor_divide(D(a), D(b)) == floored
    if not b.startswith("-"):  # (a divisor is a literal, and a literal is not negative)
        assert ev(f"land_area // {b}", NUMBER, land_area=D(a)) == floored


@given(st.decimals(min_value=-10**20, max_value=10**20, places=4),
       st.decimals(min_value=D("0.0001"), max_value=10**9, places=4), st.booleans())
def test_floor_division_is_the_floor_of_the_exact_quotient(a: Decimal, b: Decimal,
                                                            negative: bool) -> None:
    b = -b if negative else b
    assert floor_divide(a, b) == math.floor(Fraction(a) / Fraction(b))


def test_floor_rounds_down_to_a_whole_number() -> None:
    assert ev("floor(land_area)", NUMBER, land_area=D("2.5")) == 2
    assert ev("floor(land_area)", NUMBER, land_area=D("-2.5")) == -3
    assert ev("floor(land_area * 1.5)", NUMBER, land_area=D("3")) == 4
    assert ev("floor(land_area)", NUMBER) is None  # unknown in, unknown out


def test_a_stepped_award_counts_whole_steps() -> None:
    # 20万, plus 10万 for each full 1亿 above the first, at most 50万
    source = "min(50万, 20万 + ((fixed_asset_investment - 1亿) // 1亿) * 10万)"
    award = {"1亿": "20万", "1.99亿": "20万", "2亿": "30万", "3.5亿": "40万", "9亿": "50万"}
    for investment, expected in award.items():
        value = ev(source, NUMBER, fixed_asset_investment=D(investment.replace("亿", "")) * 10**8)
        assert value == D(expected.replace("万", "")) * 10**4, investment
    assert ev(source, NUMBER) is None
    assert [c.op for c in compile_(source, NUMBER).working(Context(
        {"fixed_asset_investment": D(2 * 10**8)}))] == ["−", "//", "×", "+", "min"]


@pytest.mark.parametrize(("source", "message"), [
    ("'a' // 2 > 1", "floor division (//) needs numbers, not str and number"),
    ("opened_on // 2 > 1", "floor division (//) needs numbers, not date and number"),
    ("land_area // 0 > 1", "floor division (//) only by a non-zero number literal"),
    ("land_area // land_area > 1", "floor division (//) only by a non-zero number literal"),
    ("land_area // lending_rate > 1", "floor division (//) only by a non-zero number literal"),
    ("land_area % 2 > 1", "the remainder (%): not allowed in a rule expression"),
    ("floor('a') > 1", "floor() takes one number"),
    ("floor(1, 2) > 1", "floor() takes one number"),
    ("floor(opened_on) > 1", "floor() takes one number"),
])
def test_floor_division_refusals_name_it_plainly(source: str, message: str) -> None:
    text = refusal(source)
    assert message in text
    assert "FloorDiv" not in text


# --- the reserved dates ----------------------------------------------------------------------


def test_the_reserved_dates_are_the_assessment_date_and_the_rules_window() -> None:
    assert ev("as_of < date('2019-06-30')") is False
    assert ev("as_of < date('2019-06-30')", dates=rule_dates(date(2019, 1, 1),
                                                             date(2018, 1, 1), None)) is True
    assert ev("opened_on >= effective_from", opened_on=date(2020, 1, 1)) is True
    assert ev("opened_on >= effective_from", opened_on=date(2019, 12, 31)) is False
    assert ev("opened_on >= effective_from") is None  # the fact unknown
    # a rule with no end: a comparison with its end is unknown
    assert ev("as_of <= effective_to") is None
    assert ev("as_of <= effective_to or known(opened_on)") is None
    closed = rule_dates(date(2026, 11, 22), date(2020, 1, 1), date(2030, 12, 31))
    assert ev("as_of <= effective_to", dates=closed) is True


def test_the_reserved_dates_are_no_facts_or_parameters() -> None:
    expression = compile_("as_of > effective_from and opened_on <= effective_to")
    assert expression.facts == {"opened_on"} and expression.params == frozenset()
    leaf = expression.trace(Context({}, {}, DATES)).leaves()[0]
    assert leaf.values == {"as_of": date(2026, 11, 22), "effective_from": date(2020, 1, 1)}


@pytest.mark.parametrize(("source", "message"), [
    ("as_of > 5", "cannot compare a date with a number"),
    ("effective_to == 'x'", "cannot compare a date with a str"),
    ("as_of + 1 > 1", "arithmetic needs numbers, not date and number"),
    ("as_of", "this expression gives a date, but a bool is needed"),
    ("as_of and newly_built", "expected a condition (true or false), got a date"),
    ("as_f > date('2020-01-01')", "did you mean 'as_of'"),
])
def test_the_reserved_dates_are_typed_as_dates(source: str, message: str) -> None:
    assert message in refusal(source)


# --- rule folders -----------------------------------------------------------------------------

HEAD = """\
[[rule]]
id = "{id}"
document = "DOC-1"
article = "1"
quote = "q"
title = "t"
effective_from = 2020-01-01
kind = "cash"
payers = [{{ payer = "city", share = 1 }}]
"""
STEPPED = HEAD.format(id="hostile.stepped") + """\
# 20万 at 1亿, 10万 more for each full 1亿 above that, at most 50万:
# 2.5亿 → (2.5亿 − 1亿) // 1亿 = 1 step → 30万; 9亿 → 8 steps → 100万, capped at 50万
when = '''sponsor == 'social' and known(opened_on) and opened_on >= effective_from
  and fixed_asset_investment >= 1亿'''
amount = "min(50万, 20万 + ((fixed_asset_investment - 1亿) // 1亿) * 10万)"
"""
WINDOWED = HEAD.format(id="hostile.windowed") + """\
effective_to = 2030-12-31
when = "as_of < date('2027-01-01') and (not known(opened_on) or opened_on <= effective_to)"
amount = [
  { when = "newly_built", value = "floor(land_area * 1.5) * 1000" },
  { value = "floor(land_area) * 100 + fixed_asset_investment // 0.3" },
]
notes = [
  { when = "as_of <= effective_to", text = "within the window" },
  { when = "opened_on <= effective_to", text = "opened within the window" },
]
"""
OPEN_ENDED = HEAD.format(id="hostile.open-ended") + """\
when = "as_of <= effective_to or newly_built"
amount = "10万"
"""
PLACED = HEAD.format(id="hostile.placed") + """\
when = "known(division_type) and known(name) and not known(kind)"
amount = "1万"
"""


def folder_with(root: Path, rules: str, facts: str = "") -> Path:
    folder = root / "hostile"
    folder.mkdir(parents=True)
    (folder / "city.toml").write_text(CITY, encoding="utf-8")
    (folder / "rules.toml").write_text(rules, encoding="utf-8")
    if facts:
        (folder / "facts.toml").write_text(facts, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("when", "message"), [
    ("known(1)", "known() takes one fact name, e.g. known(opened_on)"),
    ("known(nonexistent)", "known() takes a fact name; 'nonexistent' is not a fact"),
    ("'a' // 2 > 1", "floor division (//) needs numbers, not str and number"),
    ("as_of > 5", "cannot compare a date with a number"),
])
def test_bad_uses_are_refused_at_load_with_file_line_and_caret(tmp_path: Path, when: str,
                                                               message: str) -> None:
    rules = HEAD.format(id="hostile.r") + f'amount = "1"\nwhen = "{when}"\n'
    folder = folder_with(tmp_path, rules)
    with pytest.raises(RuleFileError) as caught:
        load_rulebook([folder])
    [problem] = caught.value.problems
    assert (Path(problem.file), problem.line) == (folder / "rules.toml", 11)
    assert f"when: {message}" in problem.message
    assert "^" in problem.detail


def test_a_reserved_date_cannot_be_declared_as_a_fact(tmp_path: Path) -> None:
    facts = '[as_of]\ntype = "date"\nzh = "日期"\nen = "Date"\n'
    folder = folder_with(tmp_path, HEAD.format(id="hostile.r") + 'amount = "1"\n', facts)
    with pytest.raises(RuleFileError) as caught:
        load_rulebook([folder])
    assert any("fact 'as_of'" in p.message and "not a usable name" in p.message
               for p in caught.value.problems)


def test_a_profile_cannot_give_a_reserved_date(tmp_path: Path) -> None:
    book = load_rulebook([folder_with(tmp_path, STEPPED)], bundled=True)
    with pytest.raises(InputError) as caught:
        parse_profile({"city": "hostile", "as_of": "2020-01-01"}, book.schema, book.cities)
    assert "as_of" in str(caught.value)


def stepped_book(root: Path) -> Any:
    folder = folder_with(root, STEPPED + WINDOWED + OPEN_ENDED + PLACED)
    return load_rulebook([folder], bundled=True)


def test_a_stepped_award_written_as_data(tmp_path: Path) -> None:
    book = stepped_book(tmp_path)
    raw = {"city": "hostile", "district": "东区", "sponsor": "social",
           "opened_on": "2021-05-01", "fixed_asset_investment": "2.5亿"}
    results = {r.rule.id: r for r in assess(parse_profile(raw, book.schema, book.cities), book,
                                           date(2026, 11, 22)).results}
    assert results["hostile.stepped"].amount == D("300000.00")
    opened_early = {**raw, "opened_on": "2019-12-31"}
    results = {r.rule.id: r for r in assess(parse_profile(opened_early, book.schema, book.cities),
                                           book, date(2026, 11, 22)).results}
    assert results["hostile.stepped"].status == "not_eligible"
    assert results["hostile.open-ended"].status == "needs_info"  # effective_to: no end


ROWS = [
    {"fixed_asset_investment": investment, "opened_on": opened, "land_area": land,
     "newly_built": built}
    for investment in ("", "0.5亿", "1亿", "1.99亿", "2亿", "350000000.01", "9亿")
    for opened, land, built in (("", "", ""), ("2021-05-01", "333.3", "true"),
                                ("2019-12-31", "1001", "false"), ("2031-01-01", "", "false"))
]


@pytest.mark.parametrize("as_of", [date(2026, 11, 22), date(2027, 6, 1), date(2031, 6, 1)],
                         ids=str)
def test_both_engines_agree_on_the_new_forms(tmp_path: Path, as_of: date) -> None:
    book = stepped_book(tmp_path / "rules")
    rows = [{"name": f"医院{i}" if i % 3 else "", "city": "hostile",
             "district": "东区" if i % 2 else "", "sponsor": "social", **row}
            for i, row in enumerate(ROWS)]
    source = write_dicts(tmp_path / "rows.csv", rows)
    summary = same_on_both(source, tmp_path, book, as_of=as_of)
    assert summary.rejected == 0
    assert summary.columnar == summary.read  # every row worked out on columns


# --- the columnar engine, node by node --------------------------------------------------------

COLUMN_FORMS = [
    "annual_surplus // 0.3", "annual_surplus // 1亿", "floor(annual_surplus * 1.5)",
    "floor(annual_surplus)", "min(50万, 20万 + ((annual_surplus - 1亿) // 1亿) * 10万)",
    "known(annual_surplus)", "known(annual_surplus) and annual_surplus // 7 > 3",
    "as_of >= effective_from", "as_of <= effective_to",
    "not known(annual_surplus) or as_of < date('2027-01-01')",
]


def column_values(value: Num | Cond | Other, size: int) -> list[Any]:
    if isinstance(value, Cond):
        return [bool(v) if k else None for v, k in zip(value.value, value.known, strict=True)]
    assert isinstance(value, Num)
    ints = np.broadcast_to(np.asarray(value.ints, dtype=object), (size,))
    return [Decimal(int(i)).scaleb(-value.exp) if k else None
            for i, k in zip(ints, value.known, strict=True)]


@given(st.lists(st.one_of(st.none(), st.decimals(-10**22, 10**22, places=2)), min_size=1,
                max_size=12), st.sampled_from([None, date(2026, 12, 31)]))
def test_the_columnar_engine_works_the_new_forms_out_as_the_row_engine(
        values: list[Decimal | None], end: date | None) -> None:
    dates = rule_dates(date(2026, 11, 22), date(2020, 1, 1), end)
    known = np.array([v is not None for v in values])
    ints = np.array([int(v * 100) if v is not None else 0 for v in values], dtype=object)
    column = Column("number", ints, known, 2)
    frame = Frame(len(values), {"annual_surplus": column}, {}, None, dates)
    for source in COLUMN_FORMS:
        expect = BOOL if source.startswith(("known", "as_of", "not")) else NUMBER
        expression = compile_(source, expect)
        rows = [expression.evaluate(Context({} if v is None else {"annual_surplus": v}, {},
                                            dates)) for v in values]
        assert column_values(evaluate(expression.root, frame), len(values)) == rows, source


def test_explain_shows_the_floor_steps() -> None:
    from incentives.render.explain import calc_text

    expression = compile_("floor(land_area * 1.5) + land_area // 100", NUMBER)
    steps = expression.working(Context({"land_area": D("333")}))
    assert [calc_text(step).split(": ", 1)[1] for step in steps] == [
        "333 × 1.5 = 499.50", "floor(499.5) = 499.00", "333 // 100 = 3.00",
        "499 + 3 = 502.00"]


def test_explain_works_out_a_rule_whose_condition_reads_as_of(tmp_path: Path) -> None:
    from incentives.assessment.explain import explain

    book = stepped_book(tmp_path)
    raw = {"city": "hostile", "district": "东区", "land_area": "333", "newly_built": "true"}
    assessment = assess(parse_profile(raw, book.schema, book.cities), book, date(2026, 11, 22))
    explanation = explain(assessment, book, "hostile.windowed")
    assert explanation.in_force is not None and explanation.in_force.outcome is True
    assert [check.expr for check in explanation.dated] == [explanation.in_force.expr]
    assert explanation.condition is not None and explanation.condition.outcome is True
    assert explanation.result.amount == D("499000.00")  # floor(333 × 1.5) × 1000
    assert [text.en for text in explanation.result.notes] == ["within the window"]
    assert [note.depends_on for note in explanation.result.open_notes] == [["opened_on"]]
    assert [case.value for case in explanation.cases][:1] == [D("499000")]
