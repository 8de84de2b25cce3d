"""The engine and parameters on paths the bundled rules seldom take.

Found by the mutation run (docs/testing.md): the order results come in, which notes and
missing facts a result that does not apply lists, the last day a version is in force,
and rules with no start date of their own, no period, or parts whose condition is only
partly known. Each case is a small rule folder written here, or a bundled rule.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from incentives import assess, load_rulebook, parse_profile
from incentives.errors import InputError
from incentives.load.facts import load_base_schema
from incentives.model.conditions import Context, Env, compile_expression
from incentives.model.params import ParamTable, ParamValue, resolve
from incentives.model.profile import Profile
from incentives.model.result import Result

from .conftest import BOOK, result_of

D = Decimal
AS_OF = date(2026, 11, 22)
ZZ = {"city": "郑州", "sponsor": "社会办"}

# --- the bundled rules -------------------------------------------------------------------------


def test_results_come_in_the_documents_order_city_first() -> None:
    profile = parse_profile(ZZ, BOOK.schema, BOOK.cities)
    provisions = [r.rule.provision for r in assess(profile, BOOK, AS_OF).results]
    assert provisions == [f"ZZ-{n}" for n in range(1, 13)] + ["NAT-1"]


def test_a_result_that_does_not_apply_lists_only_notes_known_to_bear_on_it() -> None:
    reward = "zhengzhou.investment-reward"
    below = {**ZZ, "district": "金水区", "newly_built": True, "kind": "general",
             "fixed_asset_investment": "4000万"}
    assert result_of(below, reward).notes == []  # not the notes every eligible result shows
    county = result_of({**below, "district": "中牟县"}, reward)
    assert [n.en[:24] for n in county.notes] == ["The text names only dist"]
    public = result_of({**ZZ, "sponsor": "公立", "kind": "general"}, reward)
    assert public.status == "not_eligible"
    assert public.notes == []  # division unknown: the districts note may not bear on it


def test_a_result_that_does_not_apply_needs_no_facts() -> None:
    public = result_of({**ZZ, "sponsor": "公立"}, "zhengzhou.investment-reward")
    assert public.status == "not_eligible" and public.missing == []


def test_a_missing_division_is_asked_for_as_the_district() -> None:
    raw = {**ZZ, "newly_built": True, "fixed_asset_investment": "6000万"}
    # (and the opening date: an opening before the policy would not count as new)
    assert result_of(raw, "zhengzhou.investment-reward").missing == ["district", "opened_on"]


def test_an_ended_window_is_still_the_entitlement_told_as_past() -> None:
    raw = {**ZZ, "for_profit": True, "income_reinvested": True,
           "licence_registered_on": "2020-01-01"}
    result = result_of(raw, "zhengzhou.for-profit-property-tax-exemption")
    assert (result.status, result.past) == ("eligible", True)
    assert result.period == (date(2020, 1, 1), date(2022, 12, 31))


def test_a_parameter_override_is_reported_as_such() -> None:
    table = ParamTable("rate", "利率", "rate", "rate", [ParamValue(date(2020, 1, 1), D(1), "s")])
    use = resolve({"rate": table}, frozenset({"rate"}), AS_OF, {"rate": D(2)})["rate"]
    assert (use.value, use.start, use.source, use.overridden) == (
        D(2), None, "set by the user (--param)", True)


def test_parameter_notes_only_when_there_is_something_to_say() -> None:
    values = [ParamValue(date(2020, 1, 1), D(1), "s"), ParamValue(date(2021, 1, 1), D(2), "t")]
    quiet = ParamTable("rate", "", "", "rate", values)
    assert quiet.value_on(date(2022, 1, 1)).notes == ()  # type: ignore[union-attr]
    moving = ParamTable("rate", "", "", "rate", values, check_age=True)
    assert moving.value_on(date(2020, 6, 1)).notes == ()  # type: ignore[union-attr]
    [note] = moving.value_on(date(2021, 1, 1)).notes  # type: ignore[union-attr]
    assert note == ("rate: the newest value in the table is from 2021-01-01, 0 days before "
                    "the as-of date; a newer one may exist (set it with --param)")


def test_a_trace_shows_the_parameters_it_read() -> None:
    env = Env(load_base_schema(), frozenset({"lending_rate"}))
    step = compile_expression("lending_rate > 1% and newly_built", env).trace(
        Context({"newly_built": True}, {"lending_rate": D("0.03")}))
    assert step.text == "lending_rate > 1% and newly_built"
    assert step.leaves()[0].values == {"lending_rate": D("0.03")}


def test_a_negated_group_is_traced_as_such() -> None:
    env = Env(load_base_schema())
    step = compile_expression("not (newly_built or for_profit)", env).trace(
        Context({"newly_built": True}))
    assert (step.text, step.outcome, step.op) == ("not (newly_built or for_profit)", False, "not")
    [group] = step.children
    assert (group.op, group.outcome) == ("or", True)
    assert [(leaf.text, leaf.decisive) for leaf in step.leaves()] == [
        ("newly_built", True), ("for_profit", False)]


def test_each_part_of_a_negated_group_that_settles_it_is_decisive() -> None:
    env = Env(load_base_schema())
    step = compile_expression("not (newly_built or for_profit)", env).trace(
        Context({"newly_built": False, "for_profit": False}))
    assert step.outcome is True
    assert [leaf.decisive for leaf in step.leaves()] == [True, True]


def test_a_version_is_in_force_on_its_last_day() -> None:
    book = load_rulebook([Path(__file__).parent / "cities"], bundled=True)
    raw = {"city": "湖滨", "district": "东湖区", "sponsor": "social", "beds": 120}
    profile = parse_profile(raw, book.schema, book.cities)
    for result in assess(profile, book, date(2025, 12, 31)).results:
        if result.rule.id == "lakeside.bed-subsidy":
            assert result.rule.effective_to == date(2025, 12, 31)
            assert result.checks[0].outcome is True


# --- rules written here ------------------------------------------------------------------------

CITY = """[city]
id = "edge"
zh = "边缘市"
aliases = ["边缘"]

[[documents]]
id = "DOC-1"

[divisions]
district = ["东区"]
"""
HEAD = """
[[rule]]
id = "edge.{name}"
document = "DOC-1"
article = "一"
quote = "引文"
title = "{name}"
effective_from = 2020-01-01
"""
RULES = {
    "nothing-applies": 'kind = "deduction"\ncomponents = [{ label = "a", when = "newly_built", '
                       'amount = "payroll_total * 5%" }]',
    "partly-known": 'kind = "deduction"\ncomponents = [{ label = "a", when = "newly_built or '
                    'for_profit", amount = "payroll_total * 5%" }]',
    "unknown-part": 'kind = "deduction"\ncomponents = [{ label = "a", when = "newly_built and '
                    'leading_level", amount = "payroll_total * 5%" }]',
    "a-year-after-the-rule": 'kind = "eligibility_date"\ndate = { years = 1 }',
    "a-procedure": 'kind = "procedure"\ncomponents = [{ label = "a", when = "newly_built" }]',
    "no-period": 'kind = "tax_exemption"\nsavings = [{ label = "s", per_year = "land_area" }]',
    "a-year-from-the-rule": 'kind = "tax_exemption"\nperiod = { years = 1 }',
    "too-big": 'kind = "cash"\namount = "payroll_total * 1亿 * 1亿"\n'
               'payers = [{ payer = "city", share = 1 }]',
    "no-case-applies": 'kind = "cash"\namount = [{ when = "newly_built", value = "100" }]\n'
                       'payers = [{ payer = "city", share = 1 }]',
    "paid-from-the-rules-start": 'kind = "cash"\namount = "100"\n'
                                 'payers = [{ payer = "city", share = 1 }]\n'
                                 'schedule = [{ share = "50%" }, '
                                 '{ share = "50%", years = 1, timing = "no_later_than" }]',
}


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("edge")
    (folder / "city.toml").write_text(CITY, encoding="utf-8")
    text = "".join(HEAD.format(name=name) + body + "\n" for name, body in RULES.items())
    (folder / "rules.toml").write_text(text, encoding="utf-8")
    book = load_rulebook([folder])

    def results(**facts: Any) -> dict[str, Result]:
        profile = Profile("edge", {"city": "edge", **facts})
        return {r.rule.id.removeprefix("edge."): r for r in assess(profile, book, AS_OF).results}
    return results


def test_no_part_applying_deducts_nothing(edge: Any) -> None:
    result = edge(newly_built=False, payroll_total=D(100))["nothing-applies"]
    assert result.status == "eligible"
    assert result.amount == D("0.00") and str(result.amount) == "0.00"


def test_a_procedure_has_no_amount_even_when_no_part_applies(edge: Any) -> None:
    result = edge(newly_built=False)["a-procedure"]
    assert (result.status, result.amount) == ("eligible", None)
    assert [c.applies for c in result.components] == [False]


def test_a_part_whose_condition_holds_needs_nothing_more(edge: Any) -> None:
    result = edge(newly_built=True, payroll_total=D(100))["partly-known"]
    assert (result.status, result.amount, result.missing) == ("eligible", D("5.00"), [])


def test_a_part_that_may_or_may_not_count_makes_the_total_unknown(edge: Any) -> None:
    result = edge(newly_built=True, payroll_total=D(100))["unknown-part"]
    assert (result.status, result.amount, result.missing) == ("needs_info", None,
                                                              ["leading_level"])


def test_dates_without_a_fact_run_from_the_rules_own_start(edge: Any) -> None:
    results = edge()
    assert results["a-year-after-the-rule"].period == (date(2021, 1, 1), None)
    ended = results["a-year-from-the-rule"]
    assert ended.status == "eligible" and ended.past and ended.period == (date(2020, 1, 1),
                                                                          date(2020, 12, 31))


def test_an_exemption_without_a_period_still_says_what_it_spares(edge: Any) -> None:
    [saving] = edge(land_area=D(10))["no-period"].savings
    assert (saving.per_year, saving.by_year) == (D("10.00"), {})


def test_an_amount_too_long_names_the_rule_and_what_to_check(edge: Any) -> None:
    with pytest.raises(InputError) as caught:
        edge(payroll_total=D(10**24))
    [problem] = caught.value.problems
    text = "".join(HEAD.format(name=name) + body + "\n" for name, body in RULES.items())
    header = text.index('id = "edge.too-big"')
    assert problem.where.endswith(f"rules.toml:{text.count(chr(10), 0, header)}")
    assert problem.message == ("rule 'edge.too-big': 1.000E+40 yuan has too many digits to "
                               "work out to the fen; check the amounts in the profile and any "
                               "--param")


def test_the_fen_limit_is_exact() -> None:
    from incentives.errors import MoneyError
    from incentives.model.money import to_fen

    assert to_fen(D("9" * 37 + ".995")) == D("1" + "0" * 37 + ".00")  # 40 digits: the most
    with pytest.raises(MoneyError):
        to_fen(D("1E+37"))


def test_no_amount_case_applying_gives_zero(edge: Any) -> None:
    result = edge(newly_built=False)["no-case-applies"]
    assert result.status == "eligible"
    assert result.amount == D("0.00") and str(result.amount) == "0.00"


def test_an_instalment_without_a_start_dates_from_the_rule(edge: Any) -> None:
    result = edge(newly_built=False)["paid-from-the-rules-start"]
    assert [(due.due, due.amount) for due in result.schedule] == [
        (date(2020, 1, 1), D("50.00")), (date(2021, 1, 1), D("50.00"))]
