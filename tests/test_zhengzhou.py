"""Golden cases for every Zhengzhou provision (郑政办〔2018〕71号), arithmetic written out.

The cases that are pure input → output live as data in rules/zhengzhou/tests/golden.toml
(run by tests/test_rule_cases.py and `incentives rules test`); these check more than that:
labels, checks, notes, rounding, ranges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from incentives.model.money import split

from .conftest import result_of

SOCIAL = {"city": "郑州市", "district": "金水区", "sponsor": "社会办"}


def new_build(investment: str, kind: str = "general", **extra: object) -> dict[str, object]:
    return {**SOCIAL, "newly_built": True, "fixed_asset_investment": investment, "kind": kind,
            "leading_level": False, "featured_services": False, "opened_on": "2025-04-28",
            **extra}


def amounts(result) -> list[tuple[str, D]]:  # type: ignore[no-untyped-def]
    return [(p.payer, p.amount) for p in result.payers]


# --- ZZ-1 grade award: 3A 1000万, 2A 500万, city : county-level = 4 : 6 -----------------------


def test_grade_award_3a_splits_4_to_6() -> None:
    r = result_of({**SOCIAL, "grade": "三级甲等", "grade_attained_on": "2025-06-18"},
                  "zhengzhou.grade-award")
    # 10,000,000 × 4/10 = 4,000,000 (city); × 6/10 = 6,000,000 (金水区)
    assert r.status == "eligible"
    assert r.amount == D("10000000.00")
    assert amounts(r) == [("city", D("4000000.00")), ("district", D("6000000.00"))]
    assert [p.label for p in r.payers] == ["郑州市财政", "金水区财政"]
    assert r.schedule[0].due == date(2025, 6, 18)


def test_a_grade_attained_before_the_policy_is_not_new_under_it() -> None:
    # 3A in 2012, six years before 郑政办〔2018〕71号 took effect (2018-08-06): not counted,
    # and nothing lands in a 2012 column; what it would give if earlier grades counted is
    # told beside it (10,000,000.00, due on the day of the grade)
    r = result_of({**SOCIAL, "grade": "3A", "grade_attained_on": "2012-05-01"},
                  "zhengzhou.grade-award")
    assert (r.status, r.amount, r.missing) == ("not_eligible", None, [])
    assert [c.outcome for c in r.checks if c.expr == r.rule.event_text] == [False]
    assert any("before the policy" in note.en for note in r.notes)
    assert r.if_counted is not None and r.if_counted.amount == D("10000000.00")
    assert r.if_counted.schedule[0].due == date(2012, 5, 1)


def test_an_opening_before_the_policy_gets_no_investment_reward() -> None:
    # opened 2015-03-01: its second half would be due no later than 2017-03-01, before
    # the policy existed; not counted as 新建 under it. 8000万 × 1% = 800,000.00 if it were.
    r = result_of(new_build("8000万", opened_on="2015-03-01"), "zhengzhou.investment-reward")
    assert r.status == "not_eligible" and r.schedule == []
    assert any("opened before the policy" in note.en for note in r.notes)
    assert r.if_counted is not None and r.if_counted.amount == D("800000.00")


def test_grade_award_open_questions_are_shown() -> None:
    r = result_of({**SOCIAL, "grade": "3A", "grade_attained_on": "2017-05-01"},
                  "zhengzhou.grade-award")
    notes = " ".join(n.en for n in r.notes)
    assert "second award" in notes and "before the policy" in notes


# --- ZZ-2 investment reward: ≥ 5000万 (inclusive), 1% or 1.2%, city : district = 1 : 1 -------


def test_investment_threshold_is_inclusive() -> None:
    r = result_of(new_build("5000万"), "zhengzhou.investment-reward")
    # 50,000,000 × 1% = 500,000; 1:1 → 250,000 each; 50% now, 50% within two years
    assert r.status == "eligible"
    assert r.amount == D("500000.00")
    assert amounts(r) == [("city", D("250000.00")), ("district", D("250000.00"))]
    assert [(d.due, d.amount) for d in r.schedule] == [
        (date(2025, 4, 28), D("250000.00")), (date(2027, 4, 28), D("250000.00"))]
    assert [d.timing for d in r.schedule] == ["on_or_after", "no_later_than"]


def test_one_fen_below_the_threshold_the_threshold_is_the_decisive_check() -> None:
    r = result_of(new_build("49999999.99"), "zhengzhou.investment-reward")
    assert r.status == "not_eligible"
    failed = [c for c in r.checks if c.decisive and c.outcome is False]
    assert [c.expr for c in failed] == ["fixed_asset_investment >= 5000万"]
    assert failed[0].values == {"fixed_asset_investment": D("49999999.99")}



def test_new_rehabilitation_example_arithmetic() -> None:
    r = result_of(new_build("8650万", "康复医院", district="二七区"), "zhengzhou.investment-reward")
    # 86,500,000 × 1.2% = 1,038,000; 1:1 → 519,000 each; instalments 519,000 + 519,000
    assert r.amount == D("1038000.00")
    assert amounts(r) == [("city", D("519000.00")), ("district", D("519000.00"))]
    assert r.payers[1].label == "二七区财政"


def test_investment_reward_that_does_not_split_evenly() -> None:
    r = result_of(new_build("50000001"), "zhengzhou.investment-reward")
    # 50,000,001 × 1% = 500,000.01; 1:1 → 250,000.005 each: the odd fen goes to the first
    # share (city) → 250,000.01 + 250,000.00. Each payer's part is then halved between the
    # instalments: city 125,000.01 + 125,000.00, district 125,000.00 + 125,000.00.
    assert r.amount == D("500000.01")
    assert amounts(r) == [("city", D("250000.01")), ("district", D("250000.00"))]
    assert [d.amount for d in r.schedule] == [D("250000.01"), D("250000.00")]
    assert sum(d.amount for d in r.schedule) == r.amount
    for due in r.schedule:
        assert sum(p.amount for p in due.payers) == due.amount


def test_four_to_six_split_of_an_uneven_amount() -> None:
    # 500,000.33 × 4/10 = 200,000.132 → 200,000.13; × 6/10 = 300,000.198 → 300,000.19;
    # the fen left over goes to the larger remainder (0.008 > 0.002): 300,000.20.
    assert split(D("500000.33"), [D(4), D(6)]) == [D("200000.13"), D("300000.20")]


def test_investment_rounds_half_up_once() -> None:
    r = result_of(new_build("50000050", "rehabilitation"), "zhengzhou.investment-reward")
    # 50,000,050 × 1.2% = 600,000.60 exactly; 50,000,055 × 1% = 500,000.55
    assert r.amount == D("600000.60")
    r = result_of(new_build("50000055.5"), "zhengzhou.investment-reward")
    # 50,000,055.5 × 1% = 500,000.555 → half-up → 500,000.56
    assert r.amount == D("500000.56")


@pytest.mark.parametrize("district", ["中牟县", "巩义市", "郑东新区", "高新区"])
def test_investment_reward_outside_districts_follows_the_letter_and_says_so(district: str) -> None:
    r = result_of(new_build("8000万", district=district), "zhengzhou.investment-reward")
    assert r.status == "not_eligible"
    assert any("names only districts" in n.en for n in r.notes)


def test_investment_reward_needs_new_build() -> None:
    raw = new_build("8000万")
    del raw["newly_built"]
    r = result_of(raw, "zhengzhou.investment-reward")
    assert r.status == "needs_info"
    assert r.missing == ["newly_built"]


def test_a_general_hospital_with_leading_level_unknown_gets_a_range() -> None:
    # 二七区, 1.2亿 invested, general, leading level not given: every condition holds and only
    # the rate is open. 120,000,000 × 1% = 1,200,000.00; × 1.2% = 1,440,000.00. Featured
    # services count only for TCM, integrated and ethnic hospitals, so they are not asked.
    raw = new_build("1.2亿", district="二七区")
    del raw["leading_level"], raw["featured_services"]
    r = result_of(raw, "zhengzhou.investment-reward")
    assert r.status == "eligible" and r.amount is None and r.range is not None
    assert (r.range.least.amount, r.range.most.amount) == (D("1200000.00"), D("1440000.00"))
    assert r.missing == ["leading_level"]
    (decider,) = r.range.deciders
    assert [(a.value, a.least, a.most) for a in decider.answers] == [
        (True, D("1440000.00"), D("1440000.00")), (False, D("1200000.00"), D("1200000.00"))]
    # each payer half of each end (1:1), each instalment half of that (50% + 50%)
    assert amounts(r.range.least) == [("city", D("600000.00")), ("district", D("600000.00"))]
    assert [d.amount for d in r.range.most.schedule] == [D("720000.00"), D("720000.00")]


def test_a_rehabilitation_hospital_is_exact_whatever_the_unknown_category_facts() -> None:
    # rehabilitation is a shortage type: 1.2% whatever leading_level and featured_services
    # are. 8650万 × 1.2% = 1,038,000.00, no range.
    raw = new_build("8650万", kind="rehabilitation")
    del raw["leading_level"], raw["featured_services"]
    r = result_of(raw, "zhengzhou.investment-reward")
    assert (r.status, r.amount, r.range, r.missing) == ("eligible", D("1038000.00"), None, [])


# --- ZZ-3 for-profit property and land-use tax: 3 years from licence registration -------------

FOR_PROFIT = {**SOCIAL, "for_profit": "营利性", "income_reinvested": True,
              "licence_registered_on": "2024-03-15"}


def test_exemption_window_last_day() -> None:
    rule = "zhengzhou.for-profit-property-tax-exemption"
    r = result_of(FOR_PROFIT, rule, date(2027, 3, 14))
    # 2024-03-15 + 3 years = 2027-03-15, the anniversary; the last exempt day is the day before
    assert r.status == "eligible"
    assert r.period == (date(2024, 3, 15), date(2027, 3, 14))
    after = result_of(FOR_PROFIT, rule, date(2027, 3, 15))
    assert (after.status, after.past) == ("eligible", True)  # still the entitlement, past


@pytest.mark.parametrize(("registered", "last_day"), [
    (date(2024, 2, 29), date(2027, 2, 28)),  # third anniversary taken as 2027-03-01
    (date(2025, 3, 1), date(2028, 2, 29)),   # the day before 2028-03-01, a leap day
    (date(2024, 1, 1), date(2026, 12, 31)),
])
def test_exemption_window_around_29_february(registered: date, last_day: date) -> None:
    raw = {**FOR_PROFIT, "licence_registered_on": registered.isoformat()}
    r = result_of(raw, "zhengzhou.for-profit-property-tax-exemption", date(2025, 6, 1))
    assert r.period == (registered, last_day)


def test_exemption_requires_reinvested_income() -> None:
    rule = "zhengzhou.for-profit-property-tax-exemption"
    assert result_of({**FOR_PROFIT, "income_reinvested": False}, rule).status == "not_eligible"
    raw = {k: v for k, v in FOR_PROFIT.items() if k != "income_reinvested"}
    r = result_of(raw, rule, date(2025, 1, 1))
    assert r.status == "needs_info" and r.missing == ["income_reinvested"]


def test_exemption_needs_the_registration_date() -> None:
    raw = {k: v for k, v in FOR_PROFIT.items() if k != "licence_registered_on"}
    r = result_of(raw, "zhengzhou.for-profit-property-tax-exemption")
    assert r.status == "needs_info" and r.missing == ["licence_registered_on"]


# --- ZZ-4 VAT, ZZ-5 non-profit income tax -------------------------------------------------------


def test_vat_exemption_is_open_ended_for_social_institutions() -> None:
    r = result_of(SOCIAL, "zhengzhou.medical-services-vat-exemption")
    assert r.status == "eligible" and r.period == (date(2018, 8, 6), None)
    # the city sentence restates the national rule: shown once, citing both
    assert [other.rule.id for other in r.also] == ["national.medical-services-vat-exemption"]


def test_vat_exemption_reaches_a_public_hospital_through_the_national_rule() -> None:
    # 郑政办 speaks of 社会办 institutions only; 财税〔2016〕36号 exempts every institution
    public = result_of({**SOCIAL, "sponsor": "public"}, "national.medical-services-vat-exemption")
    assert public.status == "eligible"
    assert [(o.rule.id, o.status) for o in public.also] == [
        ("zhengzhou.medical-services-vat-exemption", "not_eligible")]


def test_non_profit_income_tax_never_says_medical_income_is_exempt() -> None:
    r = result_of({**SOCIAL, "for_profit": "非营利性"}, "zhengzhou.non-profit-income-tax")
    assert r.status == "eligible"
    assert "medical-service income is taxed" in r.rule.title.en
    assert all("medical" not in c.label.en for c in r.components)
    assert result_of({**SOCIAL, "for_profit": True},
                     "zhengzhou.non-profit-income-tax").status == "not_eligible"


# --- ZZ-6 annual award to the sponsor of a non-profit: min(surplus, contribution × 1.2 × rate) --

NON_PROFIT = {**SOCIAL, "for_profit": False, "sponsor_contribution": "6000万",
              "annual_surplus": "950万"}
CAP = "zhengzhou.sponsor-annual-award-cap"


@pytest.mark.parametrize(("as_of", "rate", "cap"), [
    (date(2019, 8, 19), "4.35%", D("3132000.00")),   # 60,000,000 × 1.2 × 4.35% (benchmark)
    (date(2019, 8, 20), "4.25%", D("3060000.00")),   # 60,000,000 × 1.2 × 4.25% (first LPR)
    (date(2026, 11, 22), "3.00%", D("2160000.00")),  # 60,000,000 × 1.2 × 3.00% (LPR 2025-05-20)
])
def test_sponsor_cap_on_each_side_of_the_2019_reform(as_of: date, rate: str, cap: D) -> None:
    r = result_of(NON_PROFIT, CAP, as_of)
    assert r.status == "eligible"
    assert r.amount == cap
    [use] = r.parameters
    assert use.name == "lending_rate" and f"{use.value * 100:.2f}%" == rate
    reform_noted = any("benchmark" in note for note in use.notes)
    assert reform_noted == (as_of >= date(2019, 8, 20))


def test_sponsor_cap_is_limited_by_the_surplus() -> None:
    r = result_of({**NON_PROFIT, "annual_surplus": "100万"}, CAP)
    # min(1,000,000, 2,160,000) = 1,000,000
    assert r.amount == D("1000000.00")


def test_a_loss_making_non_profit_has_a_cap_of_nothing() -> None:
    """A loss is a negative surplus, a fact (it was refused: "must not be negative")."""
    raw = {**SOCIAL, "for_profit": False, "kind": "general", "sponsor_contribution": "1000万",
           "annual_surplus": "-50万"}
    r = result_of(raw, CAP, date(2026, 11, 22))
    # 10,000,000 × 1.2 × 3.00% = 360,000; min(−500,000, 360,000) = −500,000; max(0, …) = 0.00
    assert r.status == "eligible"
    assert r.amount == D("0.00")
    assert any("a loss" in note.en for note in r.notes)
    assert not any("a loss" in note.en for note in result_of(NON_PROFIT, CAP).notes)


def test_only_a_fact_declared_signed_may_be_negative() -> None:
    from incentives.errors import InputError

    with pytest.raises(InputError) as raised:
        result_of({**SOCIAL, "for_profit": False, "sponsor_contribution": "-1000万",
                   "annual_surplus": "-50万"}, CAP)
    [problem] = raised.value.problems
    assert "sponsor_contribution" in str(problem) and "must not be negative" in str(problem)


def test_sponsor_cap_override_is_reported() -> None:
    r = result_of(NON_PROFIT, CAP, lending_rate=D("0.0435"))
    assert r.amount == D("3132000.00")
    assert r.parameters[0].overridden


def test_sponsor_cap_rate_table_staleness_is_said() -> None:
    r = result_of(NON_PROFIT, CAP, date(2026, 11, 22))
    assert any("1 year, 6 months, 2 days" in note for note in r.parameters[0].notes)


def test_sponsor_cap_not_for_for_profit() -> None:
    assert result_of({**NON_PROFIT, "for_profit": True}, CAP).status == "not_eligible"


# --- ZZ-7 liquidation award: 10% of what remains ----------------------------------------------

LIQUIDATION = "zhengzhou.sponsor-liquidation-award-cap"


def test_liquidation_award_is_ten_percent_of_the_remainder() -> None:
    raw = {**NON_PROFIT, "liquidation_assets": "1亿", "donated_and_state_funds": "2000万",
           "sponsor_original_investment": "5000万"}
    # (100,000,000 − 20,000,000 − 50,000,000) × 10% = 3,000,000
    assert result_of(raw, LIQUIDATION).amount == D("3000000.00")


def test_liquidation_award_is_zero_when_nothing_remains() -> None:
    raw = {**NON_PROFIT, "liquidation_assets": "5000万", "donated_and_state_funds": "2000万",
           "sponsor_original_investment": "5000万"}
    assert result_of(raw, LIQUIDATION).amount == D("0.00")


def test_liquidation_award_names_the_facts_it_needs() -> None:
    r = result_of(NON_PROFIT, LIQUIDATION)
    assert r.status == "needs_info"
    assert r.missing == ["donated_and_state_funds", "liquidation_assets",
                         "sponsor_original_investment"]


# --- ZZ-8 annuity and supplementary insurance: each up to 5% of payroll --------------------------


def test_deduction_caps_each_item_at_five_percent_of_payroll() -> None:
    r = result_of({**SOCIAL, "for_profit": True, "payroll_total": "2400万"},
                  "zhengzhou.annuity-insurance-deduction")
    # 24,000,000 × 5% = 1,200,000 for each of the two items
    assert [c.amount for c in r.components] == [D("1200000.00"), D("1200000.00")]
    assert r.amount == D("2400000.00")
    non_profit = result_of({**SOCIAL, "for_profit": False, "payroll_total": "2400万"},
                           "zhengzhou.annuity-insurance-deduction")
    assert non_profit.status == "not_eligible"


# --- ZZ-9 medical insurance designation one year after opening ----------------------------------

DESIGNATION = "zhengzhou.medical-insurance-designation"


@pytest.mark.parametrize(("kind", "grade", "status"), [
    ("general", "2C", "eligible"),       # 二级以上(含二级)
    ("tcm", "3A", "eligible"),
    ("general", "1A", "not_eligible"),
    ("rehabilitation", "ungraded", "eligible"),  # shortage types need no grade
    ("hospice", None, "eligible"),
    ("specialty", "3A", "not_eligible"),
    ("general", None, "needs_info"),
])
def test_designation_who(kind: str, grade: str | None, status: str) -> None:
    raw = {**SOCIAL, "kind": kind, "opened_on": "2025-04-28"}
    if grade:
        raw["grade"] = grade
    assert result_of(raw, DESIGNATION).status == status


@pytest.mark.parametrize("grade", [None, "ungraded"])
def test_designation_for_a_new_level_2_hospital_not_yet_graded(grade: str | None) -> None:
    """二级以上 names the level (级别): a new 二级 general hospital that has not had its review
    (等级评审) is who the clause is for (it was needs_info, or not eligible as ungraded)."""
    raw = {**SOCIAL, "kind": "综合医院", "hospital_level": "二级", "opened_on": "2025-03-01"}
    if grade:
        raw["grade"] = grade
    r = result_of(raw, DESIGNATION)
    # 开展医疗服务满一年后: opened 2025-03-01, one full year ends 2026-02-28; from 2026-03-01
    assert r.status == "eligible"
    assert r.period == (date(2026, 3, 1), None)


@pytest.mark.parametrize(("level", "status"), [(1, "not_eligible"), (3, "eligible")])
def test_designation_level_as_a_number(level: int, status: str) -> None:
    raw = {**SOCIAL, "kind": "general", "hospital_level": level, "opened_on": "2025-03-01"}
    assert result_of(raw, DESIGNATION).status == status


def test_a_grade_gives_its_level() -> None:
    from .conftest import assess_raw

    profile = assess_raw({**SOCIAL, "kind": "general", "grade": "三级甲等"}).profile
    assert profile.facts["hospital_level"] == "3" and profile.implied == {"hospital_level"}


@pytest.mark.parametrize(("kind", "says"), [
    ("psychiatric", "psychiatric or children's hospitals"),
    ("children", "psychiatric or children's hospitals"),
    ("integrated", "counts as a TCM hospital"),
])
def test_designation_notes_the_kinds_its_list_may_cover(kind: str, says: str) -> None:
    # the list ends in 等: a note, not eligibility
    r = result_of({**SOCIAL, "kind": kind, "grade": "3A", "opened_on": "2025-03-01"},
                  DESIGNATION)
    assert r.status == "not_eligible"
    assert any(says in note.en for note in r.notes), r.notes
    general = result_of({**SOCIAL, "kind": "general", "grade": "3A"}, DESIGNATION)
    assert not any(says in note.en for note in general.notes)


def test_designation_earliest_date_is_first_anniversary_of_opening() -> None:
    r = result_of({**SOCIAL, "kind": "nursing", "opened_on": "2024-02-29"}, DESIGNATION)
    # 2024-02-29 has no anniversary in 2025: the year is complete at the end of 2025-02-28,
    # so the earliest day to apply is 2025-03-01
    assert r.period == (date(2025, 3, 1), None)


# --- ZZ-10 … ZZ-12 procedures --------------------------------------------------------------


def test_residential_utility_prices_for_elderly_care_medical() -> None:
    rule = "zhengzhou.residential-utility-prices"
    assert result_of({**SOCIAL, "kind": "养老机构内设医疗机构"}, rule).status == "eligible"
    assert result_of({**SOCIAL, "kind": "general"}, rule).status == "not_eligible"


def test_simplified_approval_components_follow_grade_and_kind() -> None:
    r = result_of({**SOCIAL, "kind": "clinic", "grade": "ungraded", "newly_built": True},
                  "zhengzhou.simplified-approval")
    applying = [c.label.zh for c in r.components if c.applies]
    assert any("个体诊所" in label for label in applying)
    assert any("两证合一" in label for label in applying)
    assert not any("三级医院" in label for label in applying)


@pytest.mark.parametrize(("raw", "combined", "simpler_3"), [
    ({"kind": "general", "hospital_level": "三级", "grade": "ungraded"}, False, True),
    ({"kind": "general", "hospital_level": 2}, True, False),
    ({"kind": "general", "grade": "3B"}, False, True),  # the level from the grade
    ({"kind": "outpatient"}, True, False),  # no level: below 二级
])
def test_simplified_approval_follows_the_level(raw: dict[str, object], combined: bool,
                                               simpler_3: bool) -> None:
    r = result_of({**SOCIAL, **raw}, "zhengzhou.simplified-approval")
    applying = [c.label.zh for c in r.components if c.applies]
    assert any("两证合一" in label for label in applying) is combined
    assert any("三级医院" in label for label in applying) is simpler_3


def test_land_supply_lists_the_options() -> None:
    # article (二十一) in full: medical land for every institution, private clinics included;
    # allocation; agreement transfer; instalments; existing allocated land; long leases
    r = result_of(SOCIAL, "zhengzhou.land-supply")
    assert r.status == "eligible" and len(r.components) == 6
    assert "私人诊所" in r.components[0].label.zh
    assert r.components[-1].label.zh == "支持长期租赁、先租后让、租让结合"


def test_nothing_applies_before_the_policy_took_effect() -> None:
    raw = {**SOCIAL, "grade": "3A", "for_profit": False}
    r = result_of(raw, "zhengzhou.grade-award", date(2018, 8, 5))
    assert r.status == "not_eligible"
    assert r.checks[0].decisive and r.checks[0].outcome is False


def test_a_tie_shows_the_reason_of_the_rule_in_force() -> None:
    """Before 2018-08-06 ZZ-8 is not yet in force and NAT-4 (from 2008) is; for a non-profit
    both are not eligible, and the reason shown is NAT-4's (not for-profit), not that
    Zhengzhou's text had yet to take effect."""
    raw = {**SOCIAL, "for_profit": False, "payroll_total": "800万"}
    r = result_of(raw, "zhengzhou.annuity-insurance-deduction", date(2017, 6, 1))
    assert r.rule.id == "national.annuity-insurance-deduction"
    assert [o.rule.id for o in r.also] == ["zhengzhou.annuity-insurance-deduction"]
    assert r.status == "not_eligible"
    assert [c.expr for c in r.checks if c.outcome is False] == ["for_profit"]
    # in force both, a tie leads with the city's, as before
    r = result_of(raw, "zhengzhou.annuity-insurance-deduction")
    assert r.rule.id == "zhengzhou.annuity-insurance-deduction"
