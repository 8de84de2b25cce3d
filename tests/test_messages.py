"""Exact messages, columns and limits: what a refusal says, and where it points.

These pin down what the mutation run (docs/testing.md) found loosely tested: the whole text
of each message of the condition language and of money, the column each points at (after
other text, so that 0 can't pass by chance), each limit on both sides, and the engine's
handling of rules the bundled ones don't exercise (no amount case applies, an instalment
dated from the rule's own start).
"""

from __future__ import annotations

from datetime import date
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from typing import Any

import pytest

from incentives.errors import ExprError, MoneyError
from incentives.load.facts import load_base_schema
from incentives.model.conditions import (
    BOOL,
    MAX_DEPTH,
    MAX_NODES,
    MAX_SOURCE_CHARS,
    NUMBER,
    Env,
    compile_expression,
)
from incentives.model.conditions import Context as Facts
from incentives.model.money import MAX_DIGITS, format_rate, parse_amount, split

D = Decimal
ENV = Env(load_base_schema(), frozenset({"lending_rate"}),
          {"SHORT": ("nursing",), "FLAG": True, "KIND": "nursing", "FIVE": D(5),
           "BAD": {"not": "usable"}})
KINDS = ("general, tcm, integrated, ethnic, specialty, rehabilitation, nursing, geriatric, "
         "hospice, psychiatric, children, clinic, outpatient, elderly_care_medical")
LEAD = "newly_built and "  # puts the culprit at a column other than 0


def refusal(source: str, expect: Any = BOOL) -> ExprError:
    with pytest.raises(ExprError) as caught:
        compile_expression(source, ENV, expect)
    return caught.value


def ev(source: str, expect: Any = BOOL, **facts: Any) -> Any:
    return compile_expression(source, ENV, expect).evaluate(Facts(facts))


# (source after LEAD, the text the column points at, the whole message)
MESSAGES = [
    ("_x", "_x", "names may not start with '_'"),
    ("5000x > 1", "5000x", "'5000x' is not a number; write e.g. 5000万, 1.2% or 0.5"),
    ("1.5j > 1", "1.5j", "'1.5j' is not a number; write e.g. 5000万, 1.2% or 0.5"),
    ("9" * 40 + " > 1", "9" * 40, f"number {'9' * 30}… has more than {MAX_DIGITS} digits"),
    ("name == '" + "x" * 201 + "'", "'x", "text literal is longer than 200 characters"),
    ("... == name", "...", "the literal ... is not allowed"),
    ("b'x' == name", "b'x'", "the literal b'x' is not allowed"),
    ("zzzz", "zzzz", "unknown name 'zzzz'"),
    ("newly_bilt", "newly_bilt", "unknown name 'newly_bilt'; did you mean 'newly_built'?"),
    ("BAD", "BAD", "constant has an unusable value"),
    ("kind in [kind]", "[kind]", "a list may hold only literal values"),
    ("kind in ['general', 1]", "['general'", "a list must hold values of one type"),
    ("fixed_asset_investment", "fixed_asset_investment",
     "expected a condition (true or false), got a number"),
    ("-newly_built > 1", "-newly_built", "only a number can be negated"),
    ("(1 if newly_built else 2) > 1", "1 if", "conditional expressions (a if b else c): not "
     "allowed in a rule expression; write each case as one of the rule's amount cases "
     "(amount = [{ when, value }])"),
    ("kind in ('tcm', 'ethnic')", "('tcm'", "tuples (a, b): not allowed in a rule expression; "
     "use a list [a, b]"),
    ("fixed_asset_investment % 2 > 1", "fixed_asset_investment %",
     "the remainder (%): not allowed in a rule expression"),
    ("kind + 1 > 2", "kind +", "arithmetic needs numbers, not kind value and number"),
    ("fixed_asset_investment / payroll_total > 1", "payroll_total",
     "divide only by a non-zero number literal"),
    ("open(1)", "open", "only the functions date, floor, known, max, min may be called"),
    ("min(1, 2, key=3) > 1", "min(", "keyword arguments are not allowed"),
    ("min(1) > 1", "min(", "min() takes two or more numbers"),
    ("opened_on > date()", "date()", "date() takes one text like '2018-08-06'"),
    ("opened_on > date('2018-08-06', 'x')", "date('2018-08-06', 'x')",
     "date() takes one text like '2018-08-06'"),
    ("opened_on > date('2018-02-30')", "'2018-02-30'", "'2018-02-30' is not a date (YYYY-MM-DD)"),
    ("opened_on > date('1799-12-31')", "'1799-12-31'",
     "'1799-12-31' is not from 1800-01-01 to 2199-12-31"),
    ("kind in 'nursing'", "'nursing'", "'in' needs a list on its right, not a str"),
    ("kind in ['spa']", "['spa']", f"'spa' is not a kind; one of {KINDS}"),
    ("kind in [1, 2]", "[1, 2]", f"1 is not a kind; one of {KINDS}"),
    ("fixed_asset_investment in ['a']", "['a']", "cannot look for a number in a list of str"),
    ("kind in []", "[]", "cannot look for a kind value in a list of str"),
    ("fixed_asset_investment in SHORT", "SHORT", "cannot look for a number in a list of str"),
    ("opened_on == grade", "grade", "cannot compare a date with a grade value"),
    ("grade == kind", "kind", "cannot compare a grade value with a kind value"),
    ("kind >= 'general'", "'general'", "kind values have no order; use == or in"),
    ("newly_built < for_profit", "for_profit", "'<' compares numbers, dates or grades, not a bool"),
    ("grade == '四级'", "'四级'", "'四级' is not a grade; one of ungraded, 1C, 1B, 1A, 2C, 2B, "
                                "2A, 3C, 3B, 3A"),
    ("not " * MAX_DEPTH + "newly_built", "not newly_built",
     f"expression is nested more than {MAX_DEPTH} deep"),
]


@pytest.mark.parametrize(("tail", "culprit", "message"), MESSAGES,
                         ids=[m[2][:40] for m in MESSAGES])
def test_each_refusal_says_what_and_points_where(tail: str, culprit: str, message: str) -> None:
    source = LEAD + tail
    error = refusal(source)
    assert error.message == message
    assert str(error) == message
    assert error.column == source.index(culprit, len(LEAD)), error.column


@pytest.mark.parametrize(("source", "expect", "message"), [
    ("", BOOL, "expression is empty"),
    ("  \t ", BOOL, "expression is empty"),
    ("fixed_asset_investment", BOOL, "this expression gives a number, but a bool is needed"),
    ("newly_built", NUMBER, "this expression gives a bool, but a number is needed"),
    ("x" * (MAX_SOURCE_CHARS + 1), BOOL, f"expression is longer than {MAX_SOURCE_CHARS} "
                                         "characters"),
    ("newly_built in [" + ", ".join(["True"] * (MAX_NODES - 6)) + "]", BOOL,
     f"expression has more than {MAX_NODES} parts"),
    ("newly_built \ud800", BOOL, "cannot be read: 'utf-8' codec can't encode character "
                                 "'\\ud800' in position 12: surrogates not allowed"),
])
def test_refusals_of_the_whole_expression_point_at_its_start(source: str, expect: Any,
                                                             message: str) -> None:
    error = refusal(source, expect)
    assert (error.message, error.column) == (message, 0)


def test_each_limit_is_inclusive() -> None:
    longest = "newly_built" + " " * (MAX_SOURCE_CHARS - len("newly_built"))
    assert len(longest) == MAX_SOURCE_CHARS and ev(longest, newly_built=True) is True
    parts = "newly_built in [" + ", ".join(["True"] * (MAX_NODES - 7)) + "]"  # 300 parts
    assert ev(parts, newly_built=True) is True
    deepest = "not " * (MAX_DEPTH - 2) + "newly_built"  # the name's Load is 32 deep
    assert ev(deepest, newly_built=True) is True
    assert ev("fixed_asset_investment < " + "9" * MAX_DIGITS,
              fixed_asset_investment=D(1)) is True
    assert ev("name == '" + "x" * 200 + "'", name="x" * 200) is True
    assert ev("opened_on >= date('1800-01-01')", opened_on=date(1800, 1, 1)) is True
    assert ev("opened_on <= date('2199-12-31')", opened_on=date(2199, 12, 31)) is True


def test_newlines_and_tabs_are_spaces() -> None:
    expression = compile_expression("sponsor == 'social'\nand\tnewly_built\r", ENV)
    leaves = expression.trace(Facts({"sponsor": "social", "newly_built": True})).leaves()
    assert [leaf.text for leaf in leaves] == ["sponsor == 'social'", "newly_built"]
    assert refusal("newly_built and\nfoo").column == len("newly_built and\n")


def test_trace_texts_after_leading_spaces() -> None:
    expression = compile_expression("   grade == '三级甲等' and fixed_asset_investment >= 1亿", ENV)
    step = expression.trace(Facts({"grade": "3A", "fixed_asset_investment": D(1)}))
    assert [leaf.text for leaf in step.leaves()] == ["grade == '三级甲等'",
                                                     "fixed_asset_investment >= 1亿"]


# --- what evaluates to what -------------------------------------------------------------------


def test_literals_and_constants_keep_their_values() -> None:
    assert ev("newly_built == True", newly_built=True) is True
    assert ev("newly_built == False", newly_built=True) is False
    assert ev("FLAG and newly_built", newly_built=True) is True
    assert ev("kind == KIND", kind="nursing") is True
    assert ev("FIVE + 1", NUMBER) == 6
    assert ev("kind in ['general']", kind="general") is True
    assert ev("+fixed_asset_investment", NUMBER, fixed_asset_investment=D(7)) == 7
    assert ev("-fixed_asset_investment + 1", NUMBER) is None


@pytest.mark.parametrize(("source", "grade", "expected"), [
    ("'2C' < grade", "2B", True), ("'2C' < grade", "2C", False),
    ("'2C' <= grade", "2C", True), ("'2C' <= grade", "1A", False),
    ("'2C' > grade", "1A", True), ("'2C' > grade", "2C", False),
    ("'2C' >= grade", "2C", True), ("'2C' >= grade", "2B", False),
])
def test_a_grade_written_first_compares_the_right_way(source: str, grade: str,
                                                      expected: bool) -> None:
    assert ev(source, grade=grade) is expected


def test_chained_comparisons_all_hold() -> None:
    source = "1万 < fixed_asset_investment <= 5万"
    assert ev(source, fixed_asset_investment=D(50_000)) is True
    assert ev(source, fixed_asset_investment=D(60_000)) is False
    assert ev(source, fixed_asset_investment=D(5)) is False
    leaves = compile_expression(source, ENV).trace(Facts({})).leaves()
    assert [leaf.text for leaf in leaves] == ["1万 < fixed_asset_investment",
                                              "fixed_asset_investment <= 5万"]


def test_working_names_each_step() -> None:
    expression = compile_expression("-fixed_asset_investment + max(1, lending_rate) * 2",
                                    ENV, NUMBER)
    steps = expression.working(Facts({"fixed_asset_investment": D(10)},
                                     {"lending_rate": D(3)}))
    assert [(s.op, s.value) for s in steps] == [("neg", -10), ("max", 3), ("×", 6), ("+", -4)]
    assert [o.kind for o in steps[1].operands] == ["literal", "param"]
    assert [o.kind for o in steps[3].operands] == ["calc", "calc"]
    assert [o.kind for o in steps[0].operands] == ["fact"]


# --- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "message"), [
    (True, "true/false is not a number"),
    (D("NaN"), "not a finite number"),
    (D("1" * (MAX_DIGITS + 1)), f"more than {MAX_DIGITS} digits"),
    (D("1E+25"), f"more than {MAX_DIGITS} digits"),
    (10**MAX_DIGITS, f"more than {MAX_DIGITS} digits"),
    (1.5, "not a number"),
    ("八千万", "not a number; write e.g. 8000万, 1.2亿, 1.2% or 50000000"),
    ("1" * MAX_DIGITS + ".5", f"more than {MAX_DIGITS} digits"),
])
def test_money_refusals_say_why(value: Any, message: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_amount(value)
    assert str(caught.value) == message


def test_money_limits_are_inclusive() -> None:
    assert parse_amount(D("1" * MAX_DIGITS)) == D("1" * MAX_DIGITS)
    assert parse_amount(D("1E+24")) == D("1E+24")
    assert parse_amount(10**MAX_DIGITS - 1) == 10**MAX_DIGITS - 1


@pytest.mark.parametrize(("whole", "shares", "message"), [
    (D(1), [], "split needs at least one share"),
    (D(-1), [D(1)], "-1 can't be split: a split takes a whole and shares that are not negative"),
    (D(1), [D(1), D(-1)], "1 can't be split: a split takes a whole and shares that are not "
                          "negative"),
    (D(1), [D(0), D(0)], "shares must not all be zero"),
])
def test_split_refusals_say_why(whole: Decimal, shares: list[Decimal], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        split(whole, shares)
    assert str(caught.value) == message


def largest_remainder(whole: Decimal, shares: list[Decimal]) -> list[Decimal]:
    """The split worked out with fractions, in no Decimal context at all."""
    fen = int(Fraction(whole) * 100)
    exact = [Fraction(fen) * Fraction(s) / sum(map(Fraction, shares)) for s in shares]
    parts = [int(x) for x in exact]
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:fen - sum(parts)]:
        parts[i] += 1
    return [D(f"{p // 100}.{p % 100:02d}") for p in parts]


@pytest.mark.parametrize(("whole", "shares"), [
    (D("12345678.91"), [D(1), D(1)]),
    (D("99999999.99"), [D("1.234567"), D(1)]),
    (D("1234567890123456789012345678.91"), [D(4), D(6)]),
])
def test_split_is_exact_whatever_the_callers_precision(whole: Decimal,
                                                       shares: list[Decimal]) -> None:
    with localcontext(Context(prec=6)):
        parts = split(whole, shares)
    assert parts == largest_remainder(whole, shares)
    assert sum(map(Fraction, parts)) == Fraction(whole)


def test_format_rate_ignores_the_callers_decimal_context() -> None:
    with localcontext(Context(prec=6)):
        assert format_rate(D("12.3456789")) == "1234.5679%"
        assert format_rate(D("1234.5678912")) == "123456.7891%"


def test_format_rate_of_the_largest_rate_a_parameter_may_take() -> None:
    largest = parse_amount("9" * MAX_DIGITS + "亿")  # 10^32, a --param value that is allowed
    assert format_rate(largest) == "9" * MAX_DIGITS + "0" * 10 + ".00%"


@pytest.mark.parametrize(("rate", "text"), [
    ("0.0012345", "0.1235%"),   # more than four places: rounded half up, not half even
    ("0.0012355", "0.1236%"),
    ("0.000435", "0.0435%"),
    ("0.00001", "0.001%"),
])
def test_format_rate_rounds_to_four_places_half_up(rate: str, text: str) -> None:
    assert format_rate(D(rate)) == text
