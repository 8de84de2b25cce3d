"""incentives.model.conditions: the expression language, three-valued logic, trace, guards."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incentives.errors import ExprError
from incentives.load.facts import load_base_schema
from incentives.model.conditions import BOOL, NUMBER, Context, Env, Expression, compile_expression

D = Decimal
ENV = Env(load_base_schema(), frozenset({"lending_rate"}), {"SHORT": ("rehabilitation", "nursing")})
UNKNOWN = None


def compile_(source: str, expect: Any = BOOL) -> Expression:
    return compile_expression(source, ENV, expect)


def ev(source: str, expect: Any = BOOL, params: dict[str, Decimal] | None = None,
       **facts: Any) -> Any:
    """Evaluate with the given facts known; every other fact is unknown."""
    return compile_(source, expect).evaluate(Context(facts=facts, params=params or {}))


def known(**facts: Any) -> dict[str, Any]:
    """Drop the facts given as None: a missing key is how a profile says 'unknown'."""
    return {name: value for name, value in facts.items() if value is not None}


# --- three-valued logic ----------------------------------------------------------------------

TRUTH = [True, False, UNKNOWN]


def kleene_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def kleene_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def kleene_not(a: bool | None) -> bool | None:
    return None if a is None else not a


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (False, UNKNOWN, False),
        (UNKNOWN, False, False),
        (True, UNKNOWN, UNKNOWN),
        (UNKNOWN, True, UNKNOWN),
        (UNKNOWN, UNKNOWN, UNKNOWN),
        (True, True, True),
        (True, False, False),
        (False, False, False),
    ],
)
def test_and_is_kleene(a: bool | None, b: bool | None, expected: bool | None) -> None:
    assert ev("newly_built and for_profit", **known(newly_built=a, for_profit=b)) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (False, UNKNOWN, UNKNOWN),
        (UNKNOWN, False, UNKNOWN),
        (True, UNKNOWN, True),
        (UNKNOWN, True, True),
        (UNKNOWN, UNKNOWN, UNKNOWN),
        (False, False, False),
        (True, False, True),
    ],
)
def test_or_is_kleene(a: bool | None, b: bool | None, expected: bool | None) -> None:
    assert ev("newly_built or for_profit", **known(newly_built=a, for_profit=b)) is expected


@pytest.mark.parametrize(("a", "expected"), [(True, False), (False, True), (UNKNOWN, UNKNOWN)])
def test_not_is_kleene(a: bool | None, expected: bool | None) -> None:
    assert ev("not newly_built", **known(newly_built=a)) is expected


def test_a_missing_fact_is_unknown_not_false() -> None:
    assert ev("newly_built") is None
    assert ev("not newly_built") is None
    assert ev("fixed_asset_investment >= 5000万") is None
    assert ev("kind in SHORT") is None
    assert ev("grade >= '二级丙等'") is None
    assert ev("opened_on < date('2018-08-06')") is None
    assert ev("fixed_asset_investment * 1%", NUMBER) is None
    assert ev("min(annual_surplus, 100)", NUMBER, annual_surplus=None) is None
    assert ev("lending_rate > 1%") is None  # a parameter not in force is unknown too


def test_false_settles_and_even_with_unknowns_around() -> None:
    src = "newly_built and fixed_asset_investment >= 5000万 and kind in SHORT"
    assert ev(src, kind="general") is False
    assert ev(src, newly_built=True, kind="nursing") is None
    assert ev(src, newly_built=True, kind="nursing", fixed_asset_investment=D("5E+7")) is True


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(TRUTH), st.sampled_from(TRUTH), st.sampled_from(TRUTH))
def test_compound_expressions_follow_kleene(a: Any, b: Any, c: Any) -> None:
    facts = known(newly_built=a, for_profit=b, leading_level=c)
    cases = {
        "newly_built and for_profit or not leading_level":
            kleene_or(kleene_and(a, b), kleene_not(c)),
        "newly_built and (for_profit or leading_level)": kleene_and(a, kleene_or(b, c)),
        "not (newly_built or for_profit) and leading_level":
            kleene_and(kleene_not(kleene_or(a, b)), c),
        "not not newly_built": a,
        "newly_built == for_profit": None if a is None or b is None else a == b,
    }
    for source, expected in cases.items():
        assert ev(source, **facts) is expected, source


# --- literals, enums, grades, dates ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        ("grade == '三级甲等'", {"grade": "3A"}, True),
        ("grade == '三级甲等'", {"grade": "2A"}, False),
        ("'三级甲等' == grade", {"grade": "3A"}, True),
        ("grade == '3A'", {"grade": "3A"}, True),
        ("grade != '三级甲等'", {"grade": "3A"}, False),
        ("sponsor == '社会办'", {"sponsor": "social"}, True),
        ("sponsor == '民营'", {"sponsor": "social"}, True),
        ("sponsor == '社会办'", {"sponsor": "public"}, False),
        ("sponsor == '公立'", {"sponsor": "public"}, True),
        ("kind == '康复医院'", {"kind": "rehabilitation"}, True),
        ("kind in ['康复医院', 'nursing']", {"kind": "rehabilitation"}, True),
        ("kind in ['康复医院', 'nursing']", {"kind": "nursing"}, True),
        ("kind in ['康复医院', 'nursing']", {"kind": "general"}, False),
        ("kind not in ['康复医院', 'nursing']", {"kind": "general"}, True),
        ("kind in SHORT", {"kind": "nursing"}, True),
        ("kind in SHORT", {"kind": "geriatric"}, False),
        ("kind not in SHORT", {"kind": "geriatric"}, True),
        ("grade in ['三级甲等', '二级甲等']", {"grade": "2A"}, True),
        ("grade in ['三级甲等', '二级甲等']", {"grade": "2B"}, False),
        ("division_type == '区'", {"division_type": "district"}, True),
    ],
)
def test_enum_literals_in_chinese(source: str, facts: dict[str, Any], expected: bool) -> None:
    assert ev(source, **facts) is expected


@pytest.mark.parametrize(
    ("grade", "expected"),
    [("2C", True), ("2B", True), ("2A", True), ("3C", True), ("3A", True),
     ("1A", False), ("1C", False), ("ungraded", False)],
)
def test_grades_compare_in_order(grade: str, expected: bool) -> None:
    assert ev("grade >= '二级丙等'", grade=grade) is expected
    assert ev("'二级丙等' <= grade", grade=grade) is expected
    assert ev("grade < '2C'", grade=grade) is (not expected)
    assert ev("'二级丙等' > grade", grade=grade) is (not expected)


def test_grade_order_is_total_and_lowest_first() -> None:
    grades = load_base_schema()["grade"].values
    assert grades[0] == "ungraded" and grades[-1] == "3A"
    for i, low in enumerate(grades):
        for high in grades[i + 1:]:
            assert ev(f"grade < '{high}'", grade=low) is True
            assert ev(f"grade > '{low}'", grade=high) is True
            assert ev(f"grade <= '{low}'", grade=high) is False


@pytest.mark.parametrize(
    ("investment", "expected"),
    [(D("50000000"), True), (D("49999999.99"), False), (D("50000000.01"), True),
     (D("5E+7"), True), (D(0), False)],
)
def test_wan_threshold_is_exact(investment: Decimal, expected: bool) -> None:
    assert ev("fixed_asset_investment >= 5000万", fixed_asset_investment=investment) is expected


def test_rate_literals_are_exact_decimals() -> None:
    value = ev("fixed_asset_investment * 1.2%", NUMBER, fixed_asset_investment=D("83333333"))
    assert type(value) is Decimal
    assert value == D("999999.996")
    assert f"{value:f}" == "999999.996"
    assert ev("1.2亿 + 0.1", NUMBER) == D("120000000.1")
    assert ev("0.1 + 0.2", NUMBER) == D("0.3")  # no float anywhere
    assert ev("fixed_asset_investment / 8", NUMBER, fixed_asset_investment=D(1)) == D("0.125")
    assert ev("-fixed_asset_investment + 1万", NUMBER, fixed_asset_investment=D(1)) == D(9999)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**14))
def test_multiplying_by_a_percentage_is_exact(fen: int) -> None:
    amount = D(fen).scaleb(-2)
    value = ev("fixed_asset_investment * 1.2%", NUMBER, fixed_asset_investment=amount)
    assert value == amount * D("0.012")
    assert type(value) is Decimal


def test_min_and_max() -> None:
    src = "min(annual_surplus, sponsor_contribution * 1.2 * lending_rate)"
    rate = {"lending_rate": D("0.0435")}
    # 1000万 x 1.2 x 4.35% = 522,000
    assert ev(src, NUMBER, rate, annual_surplus=D(300_000), sponsor_contribution=D(10**7)) == \
        D(300_000)
    assert ev(src, NUMBER, rate, annual_surplus=D(10**6), sponsor_contribution=D(10**7)) == \
        D(522_000)
    assert ev(src, NUMBER, annual_surplus=D(10**6), sponsor_contribution=D(10**7)) is None
    assert ev("max(0, liquidation_assets - donated_and_state_funds)", NUMBER,
              liquidation_assets=D(5), donated_and_state_funds=D(7)) == 0
    assert ev("max(1, 2, 3万, 4)", NUMBER) == D(30_000)
    assert ev("min(1, 2, 3万, 4)", NUMBER) == D(1)


def test_in_with_a_constant_list() -> None:
    assert ev("kind in SHORT", kind="rehabilitation") is True
    assert ev("kind in ['tcm', 'integrated']", kind="tcm") is True
    assert ev("district in ['金水区', '二七区']", district="金水区") is True
    assert ev("district in ['金水区', '二七区']", district="中牟县") is False
    assert ev("fixed_asset_investment in [1, 2, 3]", fixed_asset_investment=D(2)) is True


@pytest.mark.parametrize(
    ("opened", "expected"),
    [(date(2018, 8, 6), True), (date(2018, 8, 5), False), (date(2030, 1, 1), True)],
)
def test_dates(opened: date, expected: bool) -> None:
    assert ev("opened_on >= date('2018-08-06')", opened_on=opened) is expected
    assert ev("date('2018-08-06') <= opened_on", opened_on=opened) is expected
    assert ev("opened_on < licence_registered_on", opened_on=opened,
              licence_registered_on=date(2018, 8, 6)) is (opened < date(2018, 8, 6))


def test_compiled_expression_reports_what_it_reads() -> None:
    expr = compile_("min(annual_surplus, sponsor_contribution * lending_rate)", NUMBER)
    assert expr.facts == {"annual_surplus", "sponsor_contribution"}
    assert expr.params == {"lending_rate"}
    assert expr.type.kind == "number"


# --- the trace -------------------------------------------------------------------------------


def test_trace_of_a_false_and_marks_the_false_leaves() -> None:
    expr = compile_("newly_built and fixed_asset_investment >= 5000万")
    step = expr.trace(Context(facts={"newly_built": False}))
    assert step.outcome is False
    leaves = step.leaves()
    assert [leaf.text for leaf in leaves] == ["newly_built", "fixed_asset_investment >= 5000万"]
    assert [leaf.outcome for leaf in leaves] == [False, None]
    assert leaves[0].values == {"newly_built": False}
    assert leaves[1].values == {"fixed_asset_investment": None}
    assert [leaf.decisive for leaf in leaves] == [True, False]


def test_trace_of_a_true_and_marks_every_leaf() -> None:
    expr = compile_("sponsor == '社会办' and fixed_asset_investment >= 5000万")
    facts = {"sponsor": "social", "fixed_asset_investment": D(60_000_000)}
    step = expr.trace(Context(facts=facts))
    assert step.outcome is True
    leaves = step.leaves()
    assert [leaf.text for leaf in leaves] == ["sponsor == '社会办'",
                                              "fixed_asset_investment >= 5000万"]
    assert leaves[0].values == {"sponsor": "social"}
    assert leaves[1].values == {"fixed_asset_investment": D(60_000_000)}
    assert all(leaf.decisive for leaf in leaves)


def test_trace_of_an_unknown_and_marks_the_unknown_leaves() -> None:
    expr = compile_("newly_built and fixed_asset_investment >= 5000万")
    step = expr.trace(Context(facts={"newly_built": True}))
    assert step.outcome is None
    leaves = step.leaves()
    assert [leaf.decisive for leaf in leaves] == [False, True]
    assert leaves[1].values == {"fixed_asset_investment": None}


def test_trace_of_or() -> None:
    expr = compile_("leading_level or kind in SHORT")
    true_step = expr.trace(Context(facts={"leading_level": False, "kind": "nursing"}))
    assert true_step.outcome is True
    assert [leaf.decisive for leaf in true_step.leaves()] == [False, True]
    false_step = expr.trace(Context(facts={"leading_level": False, "kind": "general"}))
    assert false_step.outcome is False
    assert [leaf.decisive for leaf in false_step.leaves()] == [True, True]
    assert false_step.leaves()[1].text == "kind in SHORT"
    assert false_step.leaves()[1].values == {"kind": "general"}


def test_trace_of_nested_conditions() -> None:
    expr = compile_("sponsor == '社会办' and (kind in SHORT or leading_level)")
    step = expr.trace(Context(facts={"sponsor": "public", "kind": "nursing"}))
    assert step.outcome is False
    by_text = {leaf.text: leaf for leaf in step.leaves()}
    assert set(by_text) == {"sponsor == '社会办'", "kind in SHORT", "leading_level"}
    assert by_text["sponsor == '社会办'"].decisive is True
    assert by_text["kind in SHORT"].decisive is False  # true, but the and was settled elsewhere
    assert by_text["leading_level"].values == {"leading_level": None}


def test_trace_keeps_chinese_and_literals_as_written() -> None:
    src = "grade in ['三级甲等', '二级甲等'] and fixed_asset_investment * 1.2% >= 100万"
    step = compile_(src).trace(Context(facts={"grade": "3A",
                                              "fixed_asset_investment": D(10**8)}))
    texts = [leaf.text for leaf in step.leaves()]
    assert texts == ["grade in ['三级甲等', '二级甲等']", "fixed_asset_investment * 1.2% >= 100万"]
    assert step.outcome is True


def test_trace_of_not() -> None:
    step = compile_("sponsor == 'social' and not for_profit").trace(
        Context(facts={"sponsor": "social", "for_profit": True}))
    assert step.outcome is False
    leaves = step.leaves()
    assert leaves[1].text == "not for_profit"
    assert leaves[1].outcome is False
    assert leaves[1].values == {"for_profit": True}
    assert leaves[1].decisive is True and leaves[0].decisive is False


def test_trace_agrees_with_evaluate() -> None:
    expr = compile_("(newly_built or for_profit) and not leading_level")
    for a in TRUTH:
        for b in TRUTH:
            for c in TRUTH:
                ctx = Context(facts=known(newly_built=a, for_profit=b, leading_level=c))
                assert expr.trace(ctx).outcome is expr.evaluate(ctx)


# --- rejected at compile time ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expect", "message"),
    [
        ("fixed_asset_investmnt >= 5000万", BOOL, "did you mean 'fixed_asset_investment'"),
        ("newly_bilt", BOOL, "did you mean 'newly_built'"),
        ("lending_rat > 1%", BOOL, "did you mean 'lending_rate'"),
        ("kind in SHORTT", BOOL, "did you mean 'SHORT'"),
        ("zzzz", BOOL, "unknown name 'zzzz'"),
        ("grade == '四级'", BOOL, "'四级' is not a grade"),
        ("sponsor == 'charity'", BOOL, "is not a sponsor"),
        ("kind in ['康复医院', 'spa']", BOOL, "'spa' is not a kind"),
        ("newly_built > 3", BOOL, "cannot compare"),
        ("newly_built == 'yes'", BOOL, "cannot compare"),
        ("grade == kind", BOOL, "cannot compare"),
        ("opened_on > 5000万", BOOL, "cannot compare"),
        ("kind + 1", NUMBER, "arithmetic needs numbers"),
        ("newly_built * 2", NUMBER, "arithmetic needs numbers"),
        ("kind >= 'general'", BOOL, "no order"),
        ("newly_built < for_profit", BOOL, "compares numbers, dates or grades"),
        ("fixed_asset_investment in SHORT", BOOL, "cannot look for"),
        ("kind in 'nursing'", BOOL, "needs a list"),
        ("fixed_asset_investment * 1%", BOOL, "a bool is needed"),
        ("fixed_asset_investment", BOOL, "a bool is needed"),
        ("newly_built", NUMBER, "a number is needed"),
        ("fixed_asset_investment >= 5000万", NUMBER, "a number is needed"),
        ("fixed_asset_investment and newly_built", BOOL, "expected a condition"),
        ("not fixed_asset_investment", BOOL, "expected a condition"),
        ("fixed_asset_investment / 0", NUMBER, "non-zero"),
        ("fixed_asset_investment / payroll_total", NUMBER, "non-zero"),
        ("min(1)", NUMBER, "two or more numbers"),
        ("max(1, newly_built)", NUMBER, "two or more numbers"),
        ("opened_on > date('2018-02-30')", BOOL, "is not a date"),
        ("opened_on > date(2018)", BOOL, "date() takes one text"),
        ("kind in ['general', 1]", BOOL, "one type"),
        ("kind in [kind]", BOOL, "only literal values"),
        ("", BOOL, "empty"),
        ("   ", BOOL, "empty"),
        ("newly_built and", BOOL, "syntax error"),
        ("'x' * 3", NUMBER, "arithmetic needs numbers"),
        ("-newly_built", NUMBER, "negated"),
    ],
)
def test_rejected_with_a_helpful_message(source: str, expect: Any, message: str) -> None:
    with pytest.raises(ExprError) as caught:
        compile_(source, expect)
    assert message in caught.value.message
    assert str(caught.value) == caught.value.message


HOSTILE = [
    ("().__class__", ""),
    ("x.__class__", ""),
    ("newly_built.real", "attribute"),
    ("name.upper", "attribute"),
    ("__import__('os')", "_"),
    ("__builtins__", "_"),
    ("_n0", "_"),
    ("open('x')", "only the functions"),
    ("eval('1')", "only the functions"),
    ("exec('1')", "only the functions"),
    ("globals()", "only the functions"),
    ("getattr(name, 'upper')", "only the functions"),
    ("min(1, 2, key=abs)", "keyword"),
    ("lambda: 1", "lambda"),
    ("(lambda: 1)()", ""),
    ("[x for x in [1, 2]]", "comprehension"),
    ("{x for x in [1, 2]}", "comprehension"),
    ("(x for x in [1, 2])", "comprehension"),
    ("(x := 1)", ":="),
    ("min(*[1, 2])", "starred"),
    ("*newly_built", ""),
    ("2 ** 10", "not allowed"),
    ("fixed_asset_investment ** 2 > 1", "not allowed"),
    ("fixed_asset_investment // land_area > 1", "floor division (//) only by a non-zero"),
    ("fixed_asset_investment % 2 > 1", "not allowed"),
    ("name[0] == 'x'", "subscripts"),
    ("name[0:1] == 'x'", "subscripts"),
    ("{'a': 1}", "dictionaries"),
    ("{1, 2}", "sets"),
    ("f'{name}' == 'x'", "f-strings"),
    ("newly_built if for_profit else leading_level", "conditional"),
    ("b'x' == name", "not allowed"),
    ("fixed_asset_investment > 1.5j", ""),
    ("fixed_asset_investment > .5", "not allowed"),
    ("~fixed_asset_investment > 1", "negated"),
    ("newly_built; newly_built", "syntax error"),
    ("import os", "syntax error"),
    ("1" * 30, "digits"),
    ("fixed_asset_investment > " + "9" * 25, "digits"),
    ("'" + "a" * 201 + "' == name", "longer than 200"),
    ("'" + "a" * 1_000_000 + "' == name", "longer than 2000"),
    ("(" * 1000 + "1" + ")" * 1000, ""),
    ("not " * 1000 + "newly_built", ""),
    ("not " * 100 + "newly_built", "nested"),
    ("-" * 500 + "1", "nested"),
    ("[" * 100 + "]" * 100, "nested"),
    ("(" * 300 + "newly_built" + ")" * 300, ""),
    ("min(" + ", ".join(["1"] * 301) + ") > 1", "parts"),
    (" + ".join(["1"] * 200) + " > 1", ""),
    ("newly_built and " * 200 + "newly_built", "longer than 2000"),
    ("newly_built or " + " " * 2000 + "newly_built", "longer than 2000"),
]


@pytest.mark.parametrize(("source", "message"), HOSTILE,
                         ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_constructs_are_refused(source: str, message: str) -> None:
    for expect in (BOOL, NUMBER):
        with pytest.raises(ExprError) as caught:
            compile_(source, expect)
        assert caught.value.message
        assert message in caught.value.message
        assert 0 <= caught.value.column <= len(source)


def _side_effect_sources(path: Path) -> list[str]:
    p = str(path)
    return [
        f"open('{p}', 'w')",
        f"open('{p}', 'w') and newly_built",
        f"newly_built or open('{p}', 'w')",
        f"min(open('{p}', 'w'), 1)",
        f"date(open('{p}', 'w'))",
        f"__import__('os').system('touch {p}')",
        f"__import__('pathlib').Path('{p}').touch()",
        f"(lambda: open('{p}', 'w'))()",
        f"[open('{p}', 'w') for x in [1]]",
        f"(x := open('{p}', 'w'))",
        f"eval(\"open('{p}', 'w')\")",
        f"exec(\"open('{p}', 'w')\")",
        f"f'{{open(\"{p}\", \"w\")}}' == name",
        f"newly_built if open('{p}', 'w') else for_profit",
        f"().__class__.__base__.__subclasses__()[0]('{p}')",
        f"{{open('{p}', 'w'): 1}}",
        f"name[open('{p}', 'w')]",
        f"open('{p}', 'w') ** 2",
    ]


@pytest.mark.parametrize("index", range(len(_side_effect_sources(Path("x")))))
def test_compiling_executes_nothing(tmp_path: Path, index: int) -> None:
    target = tmp_path / f"pwned-{uuid.uuid4().hex}"
    source = _side_effect_sources(target)[index]
    with pytest.raises(ExprError):
        compile_(source)
    with pytest.raises(ExprError):
        compile_(source, NUMBER)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


# --- where the error is ----------------------------------------------------------------------


def test_column_points_at_the_unknown_name() -> None:
    with pytest.raises(ExprError) as caught:
        compile_("newly_built and foo")
    assert caught.value.column == 16


@pytest.mark.parametrize(
    "prefix",
    [
        "newly_built",
        "grade == '三级甲等'",
        "fixed_asset_investment >= 5000万",
        "sponsor == '社会办' and 1.2亿 < fixed_asset_investment",
        "kind in ['康复医院', '护理院'] and fixed_asset_investment * 1.2% >= 1亿",
        "  grade == '三级甲等'",
        "(grade == '二级甲等' or 5000万 <= 1亿)",
    ],
)
@pytest.mark.parametrize(
    ("tail", "culprit"),
    [
        (" and foo", "foo"),
        (" and 5000万 > foo", "foo"),
        (" and grade == '四级'", "'四级'"),
        (" and newly_built > 3", "3"),
        (" and kind + 1 > 2", "kind"),
        (" and x.y", "x.y"),
        (" and )", ")"),
        (" and _x", "_x"),
    ],
)
def test_column_is_right_after_chinese_and_literals(prefix: str, tail: str,
                                                    culprit: str) -> None:
    source = prefix + tail
    with pytest.raises(ExprError) as caught:
        compile_(source)
    assert caught.value.column == source.rindex(culprit), caught.value.message


def test_column_of_an_enum_value() -> None:
    with pytest.raises(ExprError) as caught:
        compile_("grade == '四级'")
    assert caught.value.column == 9


def test_messages_never_show_internal_placeholders() -> None:
    # Numbers become internal names while compiling; an error must not show them.
    for source in ("fixed_asset_investment > 1e10", "fixed_asset_investment > 0x10",
                   "fixed_asset_investment > 5000万万"):
        with pytest.raises(ExprError) as caught:
            compile_(source)
        assert "_n0" not in caught.value.message, caught.value.message
