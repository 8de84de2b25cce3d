"""`incentives explain`: golden outputs for the examples, the JSON, and the library's working.

The golden lines are the ones a reader checks against the policy: the condition tree with
the profile's values, base × rate = amount, the split by shares, each instalment and its
due date, the parameters with their dates and sources.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from incentives import assess, load_profile, load_rulebook
from incentives.assessment.explain import explain
from incentives.cli import cli
from incentives.errors import UnknownRule
from incentives.model.money import to_fen
from incentives.model.result import NOT_ELIGIBLE

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REHAB = EXAMPLES / "new-rehabilitation-hospital.toml"
GENERAL = EXAMPLES / "3a-general-hospital.toml"
SURPLUS = EXAMPLES / "non-profit-with-surplus.toml"
AS_OF = "2026-11-22"
BOOK = load_rulebook()
D = Decimal


def run(*args: object) -> Result:
    result = CliRunner().invoke(cli, ["explain", *(str(a) for a in args), "--as-of", AS_OF,
                                      "--lang", "en"])
    assert "Traceback" not in result.output
    return result


def lines(*args: object) -> list[str]:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return [line.strip() for line in result.stdout.splitlines()]


# --- golden outputs ------------------------------------------------------------------------


def test_investment_reward_of_the_rehabilitation_hospital() -> None:
    out = lines(REHAB, "zhengzhou.investment-reward")
    for line in [
        "✓ eligible",
        "✓ in force on the as-of date (2018-08-06 … open)",
        "✓ all of these (and) → true",
        "├── ✓ socially_run (run by social forces) → true",
        "│   └── ✓ sponsor == 'social' → true  (sponsor = social)",
        "├── ✓ newly_built → true  (newly_built = yes)",
        "├── ✓ division_type == 'district' → true  (division_type = district)",
        "└── ✓ fixed_asset_investment >= 5000万 → true  (fixed_asset_investment = 8,650万元)",
        "none: this rule uses no dated parameter",
        "because kind in SHORTAGE_KINDS (kind = rehabilitation)",
        "fixed_asset_investment * 1.2%: 86,500,000 × 1.2% = 1,038,000.00",
        "case 2 — 1% of the investment: not reached (an earlier case applies)",
        "amount = 1,038,000.00 元",
        "1,038,000.00 split 1:1: 郑州市财政 50% 519,000.00 / 二七区财政 50% 519,000.00",
        "郑政办〔2018〕71号 （十九）第二段:",
        "• The reward is earmarked for medical equipment and service facilities.",
    ]:
        assert line in out, line
    text = "\n".join(out)
    assert "50% on or after 2025-04-28 (opened_on 2025-04-28): 519,000.00 (郑州市财政" in text
    assert ("50% no later than 2027-04-28 (opened_on 2025-04-28 + 2 years): 519,000.00 "
            "(郑州市财政") in text
    assert text.count("259,500.00") == 4  # each instalment split 1:1 again
    assert "“各区新建社会办医疗机构固定资产投资(不含土地费用,下同)" in text
    # the sections come in the order the issue lists them
    order = ["Condition", "Parameters", "Amount", "Split", "Instalments", "Quote", "Notes"]
    assert [out.index(title) for title in order] == sorted(out.index(title) for title in order)


def test_sponsor_cap_shows_the_parameter_and_every_arithmetic_step() -> None:
    out = lines(SURPLUS, "zhengzhou.sponsor-annual-award-cap")
    text = "\n".join(out)
    assert ("lending_rate = 3.00%, in force from 2025-05-20 — source:\n"
            "全国银行间同业拆借中心：2025年5月20日贷款市场报价利率（LPR）公告") in text
    for line in [
        "sponsor_contribution * 1.2: 60,000,000 × 1.2 = 72,000,000.00",
        "sponsor_contribution * 1.2 * lending_rate: 72,000,000 × 3.00% = 2,160,000.00",
        "min(annual_surplus, sponsor_contribution * 1.2 * lending_rate): min(9,500,000, "
        "2,160,000) = 2,160,000.00",
        "amount = 2,160,000.00 元",
        "└── ✓ not for_profit → true  (for_profit = no)",
    ]:
        assert line in out, line


def test_a_parameter_override_is_shown_as_such() -> None:
    result = CliRunner().invoke(cli, ["explain", str(SURPLUS), "zhengzhou.sponsor-annual-award-cap",
                                      "--as-of", AS_OF, "--param", "lending_rate=4.35%"])
    assert result.exit_code == 0, result.output
    assert "lending_rate = 4.35% (overridden with --param)" in result.stdout
    assert "72,000,000 × 4.35% = 3,132,000.00" in result.stdout


def test_grade_award_split_4_6_and_its_one_instalment() -> None:
    out = lines(GENERAL, "zhengzhou.grade-award")
    assert "case 1: ✓ grade == '3A' — 3A: 10,000,000 yuan — used" in out
    assert ("10,000,000.00 split 4:6: 郑州市财政 40% 4,000,000.00 / 金水区财政 60% 6,000,000.00"
            in out)
    text = "\n".join(out)
    assert "100% on or after 2025-06-18 (grade_attained_on 2025-06-18): 10,000,000.00" in text


def test_a_deduction_works_out_each_component_and_the_total() -> None:
    out = lines(GENERAL, "zhengzhou.annuity-insurance-deduction")
    # twice under ZZ-8, and twice under NAT-4 (财税〔2009〕27号), which ZZ-8 restates
    assert out.count("payroll_total * 5%: 120,000,000 × 5% = 6,000,000.00") == 4
    assert "total: 6,000,000.00 + 6,000,000.00 = 12,000,000.00 元" in out


def test_an_exemption_period_and_an_earliest_date() -> None:
    out = lines(REHAB, "zhengzhou.for-profit-property-tax-exemption")
    assert ("2025-04-10 – 2028-04-09 (last day included); from licence_registered_on 2025-04-10 "
            "+ 3 years") in out
    assert "Also cites national.for-profit-property-tax-exemption" in out
    out = lines(REHAB, "zhengzhou.medical-insurance-designation")
    assert "may apply from 2026-04-28 (opened_on 2025-04-28 + 1 year)" in out
    assert "├── ✗ all of these (and) → false" in "\n".join(out)


def test_a_rule_that_does_not_apply_shows_the_decisive_condition_and_what_would_change_it() -> None:
    out = lines(REHAB, "zhengzhou.grade-award")
    assert "✗ not eligible" in out
    assert ("└── ✗ grade in ['三级甲等', '二级甲等'] → false  (grade = ungraded)  ← decisive"
            in out)
    assert ("with Hospital grade 2A (now ungraded), this pays 500万元 (2A: 5,000,000 yuan)"
            in out)
    assert "Amount" not in out


def test_a_rule_needing_information_names_the_facts_that_settle_it() -> None:
    out = lines(SURPLUS, "zhengzhou.sponsor-liquidation-award-cap")
    assert "? needs information" in out
    assert ("amount unknown: give donated_and_state_funds, liquidation_assets, "
            "sponsor_original_investment") in out
    assert "To settle it, give" in out


def test_a_rule_cited_under_another_can_be_explained_on_its_own() -> None:
    out = lines(REHAB, "national.for-profit-property-tax-exemption")
    assert "财税〔2000〕42号 二、（一）:" in out


def test_an_ended_exemption_is_told_as_past_with_its_period(tmp_path: Path) -> None:
    profile = tmp_path / "old.toml"
    profile.write_text('city = "郑州"\nfor_profit = true\nincome_reinvested = true\n'
                       "licence_registered_on = 2020-03-01\n", encoding="utf-8")
    out = lines(profile, "zhengzhou.for-profit-property-tax-exemption")
    assert "✓ eligible · past" in out
    assert ("2020-03-01 – 2023-02-28 (last day included); from licence_registered_on "
            "2020-03-01 + 3 years") in out
    result = CliRunner().invoke(cli, ["explain", str(profile),
                                      "zhengzhou.for-profit-property-tax-exemption",
                                      "--as-of", "2017-11-22", "--lang", "en"])
    assert "✗ in force on the as-of date (2018-08-06 … open)" in result.stdout
    assert "not in force on this date: the condition is shown for information" in result.stdout
    assert "└── ✓ income_reinvested → true  (income_reinvested = yes)" in result.stdout


# --- bad input -----------------------------------------------------------------------------


def test_an_unknown_rule_id_exits_2_with_close_matches() -> None:
    result = run(REHAB, "zhengzhou.investment-rewards")
    assert result.exit_code == 2
    assert "no rule 'zhengzhou.investment-rewards'" in result.output
    assert "did you mean 'zhengzhou.investment-reward'" in result.output


def test_a_rule_of_another_city_exits_2() -> None:
    other = next(r.id for r in BOOK.rules.get("baotou", []))
    result = run(REHAB, other)
    assert result.exit_code == 2
    assert "belongs to 'baotou'" in result.output


def test_a_bad_profile_exits_2() -> None:
    result = run(ROOT / "tests" / "fixtures" / "profiles" / "bad-grade.toml",
                 "zhengzhou.grade-award")
    assert result.exit_code == 2
    assert "grade" in result.output


# --- JSON ----------------------------------------------------------------------------------


def test_json_of_the_investment_reward() -> None:
    result = run(REHAB, "zhengzhou.investment-reward", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "eligible"
    assert data["condition"]["op"] == "and"
    assert [c["values"] for c in data["condition"]["children"]][-1] == {
        "fixed_asset_investment": "86500000"}
    chosen = [case for case in data["amount"]["cases"] if case["chosen"]]
    assert len(chosen) == 1
    assert chosen[0]["steps"] == [{
        "expr": "fixed_asset_investment * 1.2%", "op": "×", "value": "1038000",
        "operands": [{"expr": "fixed_asset_investment", "value": "86500000", "kind": "fact"},
                     {"expr": "1.2%", "value": "0.012", "kind": "literal"}]}]
    assert data["amount"]["value"] == "1038000.00"
    assert data["split"]["shares"] == "1:1"
    assert [p["amount"] for p in data["split"]["payers"]] == ["519000.00", "519000.00"]
    assert [(d["due"], d["amount"], d["from"], d["offset"]) for d in data["schedule"]] == [
        ("2025-04-28", "519000.00", "opened_on", ""),
        ("2027-04-28", "519000.00", "opened_on", "+ 2 years")]
    assert data["citation"]["article"] == "（十九）第二段"
    assert data["notes"][0]["en"].startswith("The reward is earmarked")
    assert data["within_reach"] == []


def test_json_of_a_parameter_and_of_within_reach() -> None:
    data = json.loads(run(SURPLUS, "zhengzhou.sponsor-annual-award-cap", "--format", "json").stdout)
    [param] = data["parameters"]
    assert (param["name"], param["value"], param["from"], param["used"]) == (
        "lending_rate", "0.03", "2025-05-20", True)
    assert "LPR" in param["source"]
    checked = CliRunner().invoke(cli, ["check", str(SURPLUS), "--format", "json", "--as-of", AS_OF])
    [same] = [p for p in json.loads(checked.stdout)["parameters"] if p["name"] == "lending_rate"]
    assert same["value"] == param["value"]  # one encoding: check and explain say the same
    data = json.loads(run(REHAB, "zhengzhou.grade-award", "--format", "json").stdout)
    assert [o["amount"] for o in data["within_reach"]] == ["5000000.00", "10000000.00"]


# --- the library: the working agrees with the engine for every rule and example -------------


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.stem)
def test_the_working_adds_up_to_the_engines_figures(example: Path) -> None:
    assessment = assess(load_profile(example, BOOK), BOOK, date(2026, 11, 22))
    for result in assessment.results:
        for rule_result in (result, *result.also):
            e = explain(assessment, BOOK, rule_result.rule.id)
            assert e.result is rule_result
            chosen = [case for case in e.cases if case.chosen]
            if rule_result.amount is not None and rule_result.rule.amount:
                assert len(chosen) == 1
                assert to_fen(chosen[0].value) == rule_result.amount  # type: ignore[arg-type]
                if chosen[0].steps:
                    assert chosen[0].steps[-1].value == chosen[0].value
            for instalment in e.instalments:
                assert sum(p.amount for p in instalment.payers) == instalment.amount
            if e.instalments:
                assert sum(i.amount for i in e.instalments) == rule_result.amount
            if rule_result.status == NOT_ELIGIBLE:
                assert e.cases == [] and e.instalments == []
                assert e.reach is not None


def test_the_library_raises_unknown_rule_with_suggestions() -> None:
    assessment = assess(load_profile(REHAB, BOOK), BOOK, date(2026, 11, 22))
    with pytest.raises(UnknownRule) as raised:
        explain(assessment, BOOK, "zhengzhou.grade_award")
    assert raised.value.close[0] == "zhengzhou.grade-award"
