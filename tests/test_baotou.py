"""Golden cases for Baotou (包府办发〔2018〕151号) and the national layer beneath both cities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from incentives.model.profile import parse_profile

from .conftest import BOOK, assess_raw, result_of

BAOTOU = {"city": "包头市", "district": "昆都仑区", "sponsor": "社会办"}
FOR_PROFIT = {**BAOTOU, "for_profit": True, "licence_registered_on": "2024-03-15"}
NON_PROFIT = {**BAOTOU, "for_profit": False}


def statuses(raw: dict[str, object], as_of: date = date(2026, 11, 22)) -> dict[str, str]:
    return {r.rule.id: r.status for r in assess_raw(raw, as_of).results}


def test_traditional_district_names_are_accepted() -> None:
    result = result_of({**BAOTOU, "district": "昆都崙區"}, "baotou.land-supply")
    assert result.status == "eligible"


# --- BT-1 / NAT-2 VAT, BT-2 / NAT-3 income tax --------------------------------------------------


def test_bt1_vat_exemption_cites_the_national_rule_too() -> None:
    r = result_of(BAOTOU, "baotou.medical-services-vat-exemption")
    assert r.rule.id == "baotou.medical-services-vat-exemption"
    assert r.status == "eligible" and r.period == (date(2018, 12, 27), None)
    assert [o.rule.id for o in r.also] == ["national.medical-services-vat-exemption"]


def test_bt2_income_tax_support_never_exempts_medical_income() -> None:
    r = result_of(NON_PROFIT, "baotou.non-profit-income-tax")
    assert r.status == "eligible"
    assert "medical-service income is taxed" in r.rule.title.en
    assert any("taxed as usual" in n.en for n in r.notes)


def test_nothing_says_a_non_profits_medical_income_is_untaxed() -> None:
    # every rule about non-profit income tax says medical-service income is taxed
    for rule in BOOK.all_rules():
        if "income-tax" in rule.id:
            said = " ".join([rule.title.en, *(n.text.en for n in rule.notes),
                             *(c.label.en for c in rule.components)])
            assert "taxed" in said, rule.id
            assert not any("medical" in c.label.en for c in rule.components), rule.id


# --- BT-3 / BT-4 property and land-use tax: the differences from Zhengzhou ----------------------


def test_bt3_non_profit_exemption_has_no_end() -> None:
    r = result_of(NON_PROFIT, "baotou.non-profit-property-tax-exemption", date(2040, 1, 1))
    assert r.status == "eligible" and r.period == (date(2018, 12, 27), None)
    assert r.rule.id == "baotou.non-profit-property-tax-exemption"


def test_bt4_for_profit_needs_no_reinvestment_unlike_zhengzhou_and_the_national_rule() -> None:
    raw = {**FOR_PROFIT, "income_reinvested": False}
    baotou = result_of(raw, "baotou.for-profit-property-tax-exemption", date(2025, 1, 1))
    # 3 years from 2024-03-15: the last exempt day is 2027-03-14
    assert baotou.status == "eligible"
    assert baotou.period == (date(2024, 3, 15), date(2027, 3, 14))
    assert [(o.rule.id, o.status) for o in baotou.also] == [
        ("national.for-profit-property-tax-exemption", "not_eligible")]
    notes = " ".join(n.en for n in baotou.notes)
    assert "leaves out the condition" in notes and "national rule would not exempt" in notes
    zhengzhou = {**raw, "city": "郑州市", "district": "金水区"}
    assert result_of(zhengzhou, "zhengzhou.for-profit-property-tax-exemption",
                     date(2025, 1, 1)).status == "not_eligible"


def test_bt4_window_ends_like_zhengzhous() -> None:
    rule = "baotou.for-profit-property-tax-exemption"
    assert result_of(FOR_PROFIT, rule, date(2027, 3, 14)).status == "eligible"
    after = result_of(FOR_PROFIT, rule, date(2027, 3, 15))
    assert (after.status, after.past) == ("eligible", True)


def test_zhengzhou_non_profit_gets_the_national_property_exemption() -> None:
    # 郑政办 has no non-profit property-tax sentence; 财税〔2000〕42号 gives it anyway
    raw = {"city": "郑州", "district": "金水区", "sponsor": "社会办", "for_profit": False}
    r = result_of(raw, "national.non-profit-property-tax-exemption")
    assert r.status == "eligible" and r.also == []
    assert r.rule.document == "财税〔2000〕42号"


# --- BT-5 … BT-8 -----------------------------------------------------------------------------


def test_bt5_insurance_designation_has_no_waiting_year() -> None:
    r = result_of(BAOTOU, "baotou.medical-insurance-equal-treatment")
    assert r.status == "eligible" and r.period is None


def test_bt6_approvals_follow_grade_and_profit() -> None:
    r = result_of({**FOR_PROFIT, "grade": "3A"}, "baotou.simplified-approval")
    applying = " ".join(c.label.zh for c in r.components if c.applies)
    assert "先照后证" in applying and "两证合一" not in applying


@pytest.mark.parametrize(("facts", "status"), [
    ({"medical_elderly_care": True}, "eligible"),       # a fact Baotou's folder declares
    ({"kind": "elderly_care_medical"}, "eligible"),
    ({"medical_elderly_care": False, "kind": "general"}, "not_eligible"),
    ({"kind": "general"}, "needs_info"),
])
def test_bt7_integrated_care(facts: dict[str, object], status: str) -> None:
    assert result_of({**BAOTOU, **facts}, "baotou.medical-elderly-care").status == status


def test_bt8_land_lists_the_options() -> None:
    r = result_of(BAOTOU, "baotou.land-supply")
    assert r.status == "eligible" and len(r.components) == 4


def test_baotou_pays_no_grade_or_investment_award() -> None:
    raw = {**BAOTOU, "grade": "3A", "newly_built": True, "fixed_asset_investment": "1亿"}
    assessment = assess_raw(raw)
    assert assessment.cash_totals()[0] == 0
    assert not any(r.rule.kind == "cash" for r in assessment.results)


def test_every_rule_applies_from_its_document_date() -> None:
    before = statuses({**NON_PROFIT, "kind": "elderly_care_medical"}, date(2018, 12, 26))
    assert all(status == "not_eligible" for rule, status in before.items()
               if rule.startswith("baotou."))


# --- NAT-4 财税〔2009〕27号: supplementary pension and medical insurance -------------------------


def test_nat4_annuity_deduction_applies_in_baotou_too() -> None:
    # 财税〔2009〕27号: each of the two, up to 5% of payroll. Payroll 8,000,000:
    # 8,000,000 × 5% = 400,000.00 for each; the cap in all 800,000.00.
    r = result_of({**FOR_PROFIT, "payroll_total": "800万"}, "national.annuity-insurance-deduction")
    assert r.status == "eligible" and r.rule.city == "national"
    assert [c.amount for c in r.components] == [Decimal("400000.00"), Decimal("400000.00")]
    assert r.amount == Decimal("800000.00")
    assert r.rule.document == "财税〔2009〕27号"


def test_nat4_is_not_for_a_non_profit() -> None:
    r = result_of({**NON_PROFIT, "payroll_total": "800万"}, "national.annuity-insurance-deduction")
    assert r.status == "not_eligible"


def test_zhengzhou_shows_the_deduction_once_citing_nat4() -> None:
    zhengzhou = {"city": "郑州", "district": "金水区", "sponsor": "社会办", "for_profit": True,
                 "payroll_total": "800万"}
    results = assess_raw(zhengzhou).results
    deductions = [r for r in results if r.rule.topic == "annuity-deduction"]
    assert [r.rule.id for r in deductions] == ["zhengzhou.annuity-insurance-deduction"]
    assert [o.rule.id for o in deductions[0].also] == ["national.annuity-insurance-deduction"]
    assert deductions[0].amount == Decimal("800000.00")


def test_compare_finds_the_deduction_in_both_cities() -> None:
    from incentives.assessment.compare import compare

    profile = {**FOR_PROFIT, "payroll_total": "800万"}
    comparison = compare(parse_profile(profile, BOOK.schema, BOOK.cities), BOOK,
                         date(2026, 11, 22))
    row = next(r for r in comparison.rows if r.topic == "annuity-deduction")
    assert sorted(row.eligible_in()) == ["baotou", "zhengzhou"]
    assert all(row not in only for only in comparison.only_in().values())


@pytest.mark.parametrize("topic", ["insurance-designation", "land", "annuity-deduction"])
def test_compare_says_only_here_only_for_a_topic_no_other_city_covers(topic: str) -> None:
    """A specialty hospital: Baotou's equal treatment (BT-5) applies, Zhengzhou's ZZ-9 does
    not (not a kind it lists), yet insurance designation is a topic of both cities; long
    leases are in both (ZZ-12 and BT-8); the annuity deduction is national (NAT-4)."""
    from incentives.assessment.compare import compare

    raw = {**FOR_PROFIT, "kind": "specialty", "grade": "2A", "opened_on": "2024-01-01",
           "payroll_total": "800万"}
    comparison = compare(parse_profile(raw, BOOK.schema, BOOK.cities), BOOK, date(2026, 11, 22))
    [row] = [r for r in comparison.rows if r.topic == topic]
    assert sorted(row.covered_in()) == ["baotou", "zhengzhou"]
    assert "baotou" in row.eligible_in()
    assert all(row not in only for only in comparison.only_in().values())
    if topic == "insurance-designation":
        assert row.results["zhengzhou"].status == "not_eligible"  # type: ignore[union-attr]
    if topic == "land":
        quote = row.results["zhengzhou"].rule.quote  # type: ignore[union-attr]
        assert "包括私人诊所在内的各类医疗机构用地" in quote
        assert "长期租赁、先租后让、租让结合" in quote
