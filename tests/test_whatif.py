"""`incentives whatif`: golden outputs for the examples, the JSON, the library's diff.

`--set` values are read like a profile file's (Chinese names, 万/亿, blanks for unknown);
every changed rule is listed with before, after and difference, and the totals too.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from incentives import load_profile, load_rulebook
from incentives.assessment.whatif import whatif
from incentives.cli import cli
from incentives.model.result import NOT_ELIGIBLE

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REHAB = EXAMPLES / "new-rehabilitation-hospital.toml"
GENERAL = EXAMPLES / "3a-general-hospital.toml"
AS_OF = "2026-11-22"
BOOK = load_rulebook()
D = Decimal


def run(profile: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["whatif", str(profile), *args, "--as-of", AS_OF,
                                      "--lang", "en"])
    assert "Traceback" not in result.output
    return result


def row(output: str, rule_id: str) -> str:
    [line] = [line for line in output.splitlines() if f" {rule_id} " in line]
    return line


def cells(output: str, rule_id: str) -> list[str]:
    """A table row's cells, with the lines a narrow cell wraps onto joined up."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if f" {rule_id} " in line)
    parts = [[cell.strip()] for cell in lines[start].split("│")]
    for line in lines[start + 1:]:
        columns = line.split("│")
        if len(columns) != len(parts) or columns[0].strip():
            break
        for part, cell in zip(parts, columns, strict=True):
            part.append(cell.strip())
    return [" ".join(p for p in part if p) for part in parts]


# --- golden outputs ------------------------------------------------------------------------


def test_attaining_3a_adds_the_grade_award() -> None:
    result = run(REHAB, "--set", "grade=三级甲等")
    assert result.exit_code == 0, result.output
    out = result.stdout
    # reaching 3A is taken to happen on the as-of date, so the award counts as new and is dated
    assert ("What if:\n  Hospital grade [grade] = 3A (was ungraded)\n"
            "  Date the grade was awarded [grade_attained_on] = 2026-11-22 (was unknown)\n") in out
    assert "郑州康宁康复医院 · as of 2026-11-22" in out
    assert cells(out, "ZZ-1") == [
        "ZZ-1 Grade award", "✗ not eligible", "✓ eligible · 10,000,000.00",
        "+10,000,000.00"]
    assert "ZZ-1 Grade award: to complete it" not in out
    # ungraded says nothing of the level (级别), so 两证合一 (二级及以下) is not claimed before;
    # 三级甲等 is 三级, which gains the simpler approval
    approval = row(out, "ZZ-11")
    assert "✓ eligible · 1 item" in approval and "✓ eligible · 2 items" in approval
    assert ("ZZ-11 Easier market entry and simplified approvals: + simpler establishment "
            "approval for level-3 hospitals") in out
    assert "二级及以下医疗机构设置审批与执业登记" not in out
    assert "11 other provisions unchanged." in out
    totals = out[out.index("Cash totals"):].splitlines()
    assert [line.split() for line in totals if "│" in line] == [
        ["郑州市财政", "│", "519,000.00", "│", "4,519,000.00", "│", "+4,000,000.00"],
        ["二七区财政", "│", "519,000.00", "│", "6,519,000.00", "│", "+6,000,000.00"],
        ["total", "│", "1,038,000.00", "│", "11,038,000.00", "│", "+10,000,000.00"],
    ]


def test_one_fen_short_of_the_threshold_loses_the_investment_reward() -> None:
    result = run(REHAB, "--set", "fixed_asset_investment=49999999.99")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert ("  Fixed-asset investment excluding land [fixed_asset_investment] = 49,999,999.99 元"
            " (was 8,650万元)") in out
    reward = row(out, "ZZ-2")
    assert "✓ eligible · 1,038,000.00" in reward
    assert "✗ not eligible" in reward
    assert reward.rstrip().endswith("−1,038,000.00")
    assert "12 other provisions unchanged." in out
    assert "total      │ 1,038,000.00 │  0.00 │ −1,038,000.00" in out


def test_chinese_names_and_several_changes() -> None:
    result = run(REHAB, "--set", "for_profit=非营利性", "--set", "kind=综合医院")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "For-profit rather than non-profit [for_profit] = non-profit (was for-profit)" in out
    assert "Type of institution [kind] = general hospital (was rehabilitation hospital)" in out
    assert cells(out, "ZZ-2") == [  # 1.2% of 8650万 → 1%
        "ZZ-2 Investment reward", "✓ eligible · 1,038,000.00",
        "✓ eligible · 865,000.00", "−173,000.00"]
    assert cells(out, "ZZ-3") == [
        "ZZ-3 For-profit",
        "✓ eligible · 2025-04-10 – 2028-04-09", "✗ not eligible", "—"]
    deduction = row(out, "ZZ-8")
    assert deduction.rstrip().endswith("−2,400,000.00")


def test_a_blank_value_makes_a_fact_unknown() -> None:
    result = run(GENERAL, "--set", "grade=")
    assert result.exit_code == 0, result.output
    assert "Hospital grade [grade] = unknown (was 3A)" in result.stdout
    award = row(result.stdout, "ZZ-1")
    assert "? needs info" in award
    assert award.rstrip().endswith("unknown")


def test_setting_a_fact_to_its_own_value_changes_nothing() -> None:
    result = run(REHAB, "--set", "kind=rehabilitation")
    assert result.exit_code == 0, result.output
    assert "What if: no fact changes" in result.stdout
    assert "Nothing changes." in result.stdout
    assert "13 other provisions unchanged." in result.stdout


def test_moving_district_rederives_the_division_type() -> None:
    result = run(REHAB, "--set", "district=中牟县")
    assert result.exit_code == 0, result.output
    reward = row(result.stdout, "ZZ-2")
    assert "✗ not eligible" in reward


def test_a_new_grade_brings_its_own_level() -> None:
    # the example gives grade 3A (so level 3, filled in); setting 2A must not meet a level
    # 3 the profile never gave
    result = run(GENERAL, "--set", "grade=二级甲等")
    assert result.exit_code == 0, result.output
    assert "disagrees" not in result.output
    result = run(GENERAL, "--set", "hospital_level=二级")
    assert result.exit_code == 2
    assert "hospital_level = 2 (二级) disagrees with grade = 3A (三级甲等)" in result.output


# --- bad input -----------------------------------------------------------------------------


def test_every_bad_assignment_is_reported_with_exit_2() -> None:
    result = run(REHAB, "--set", "fixed_asset_investment=lots", "--set", "grade=四级",
                 "--set", "colour=blue", "--set", "district=巩义")
    assert result.exit_code == 2
    out = result.output
    assert "--set: fixed_asset_investment: 'lots': not a number" in out
    assert "--set: grade: '四级': not a known value" in out
    assert "--set: colour: unknown key 'colour'" in out
    assert "--set: district: '巩义' is not in 郑州市" in out


def test_an_assignment_without_equals_is_refused() -> None:
    result = run(REHAB, "--set", "grade")
    assert result.exit_code == 2
    assert "--set 'grade': write FACT=VALUE" in result.output


def test_set_is_required() -> None:
    assert run(REHAB).exit_code == 2


# --- JSON ----------------------------------------------------------------------------------


def test_json_lists_changes_rows_and_totals() -> None:
    result = run(REHAB, "--set", "grade=3A", "--set", "grade_attained_on=2026年1月10日",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["changes"] == [
        {"fact": "grade", "from": "ungraded", "to": "3A", "difference": None},
        {"fact": "grade_attained_on", "from": None, "to": "2026-01-10", "difference": None}]
    rows = {r["rule"]: r for r in data["results"]}
    award = rows["zhengzhou.grade-award"]
    assert award["before"]["status"] == "not_eligible"
    assert award["after"]["status"] == "eligible"
    assert award["after"]["schedule"] == [{"due": "2026-01-10", "amount": "10000000.00"}]
    assert award["difference"] == "10000000.00"
    assert data["unchanged"] == 11
    assert data["totals"]["before"]["cash"] == "1038000.00"
    assert data["totals"]["after"]["cash"] == "11038000.00"
    assert data["totals"]["difference"] == {
        "cash": "10000000.00", "by_payer": {"city": "4000000.00", "district": "6000000.00"}}


# --- the library ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(investment=st.integers(0, 200_000_000), cents=st.integers(0, 99),
       kind=st.sampled_from(["general", "rehabilitation", "tcm", "clinic"]))
def test_totals_before_plus_difference_is_after(investment: int, cents: int, kind: str) -> None:
    profile = load_profile(REHAB, BOOK)
    amount = D(investment) + D(cents) / 100
    w = whatif(profile, BOOK, date(2026, 11, 22),
               {"fixed_asset_investment": str(amount), "kind": kind})
    (before, after, difference), by_payer = w.totals()
    assert before + difference == after
    assert sum(v[2] for v in by_payer.values()) == difference
    rows = {r.result.rule.id: r for r in w.rows}
    reward = rows.get("zhengzhou.investment-reward")
    after_reward = next(r for r in w.after.results if r.rule.id == "zhengzhou.investment-reward")
    if amount < D(50_000_000):
        assert after_reward.status == NOT_ELIGIBLE
        assert reward is not None and reward.difference == D("-1038000.00")
    else:
        assert after_reward.status != NOT_ELIGIBLE  # a TCM hospital may need featured_services
    assert len(w.rows) + w.unchanged == len(w.before.results)
