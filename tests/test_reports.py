"""Money over time, what exemptions are worth, and the reports a consultant sends."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from incentives.assessment.savings import months_by_year
from incentives.assessment.timeline import cash_by_year, savings_by_year, timeline
from incentives.cli import cli
from incentives.render.words import default_lang

from .conftest import ROOT, assess_raw, result_of

REHAB = ROOT / "examples" / "new-rehabilitation-hospital.toml"
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
FOR_PROFIT = {"city": "郑州", "district": "金水区", "sponsor": "social", "for_profit": True,
              "income_reinvested": True, "licence_registered_on": "2024-03-15",
              "property_value": "1亿", "land_area": 20000}


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


# --- what an exemption is worth ---------------------------------------------------------------


def test_months_of_a_window_by_calendar_year() -> None:
    # 36 months from March 2024: 10 in 2024, 12 in 2025 and 2026, 2 in 2027
    assert months_by_year(date(2024, 3, 15), 36) == {2024: 10, 2025: 12, 2026: 12, 2027: 2}
    assert sum(months_by_year(date(2023, 12, 31), 25).values()) == 25


def test_exemption_value_per_year_and_over_the_window() -> None:
    r = result_of(FOR_PROFIT, "zhengzhou.for-profit-property-tax-exemption", date(2025, 1, 1))
    property_tax, land_tax = r.savings
    # 房产税: 100,000,000 × (1 − 30%) × 1.2% = 840,000 a year (30% is a stated assumption)
    assert property_tax.per_year == D("840000.00")
    # 10/12 of a year in 2024 = 700,000; 2/12 in 2027 = 140,000; total 36 months = 2,520,000
    assert property_tax.by_year == {2024: D("700000.00"), 2025: D("840000.00"),
                                    2026: D("840000.00"), 2027: D("140000.00")}
    assert property_tax.total == D("2520000.00")
    # 城镇土地使用税: 20,000 m² × 15.75 yuan = 315,000 a year
    assert land_tax.per_year == D("315000.00") and land_tax.total == D("945000.00")
    assumed = {use.name for use in r.parameters if use.assumed}
    assert assumed == {"property_tax_deduction_ratio", "land_use_tax_rate"}


def test_exemption_value_follows_an_overridden_local_rate() -> None:
    r = result_of(FOR_PROFIT, "zhengzhou.for-profit-property-tax-exemption", date(2025, 1, 1),
                  land_use_tax_rate=D("6"), property_tax_deduction_ratio=D("0.2"))
    # 1亿 × 80% × 1.2% = 960,000; 20,000 m² × 6 = 120,000
    assert [s.per_year for s in r.savings] == [D("960000.00"), D("120000.00")]
    assert all(use.overridden for use in r.parameters)


def test_exemption_value_names_the_facts_it_needs() -> None:
    raw = {k: v for k, v in FOR_PROFIT.items() if k not in ("property_value", "land_area")}
    r = result_of(raw, "zhengzhou.for-profit-property-tax-exemption", date(2025, 1, 1))
    assert r.status == "eligible"  # the estimate is extra: the exemption does not wait on it
    assert [(s.per_year, s.missing) for s in r.savings] == [(None, ["property_value"]),
                                                            (None, ["land_area"])]


def test_open_ended_exemption_is_worth_a_year_at_a_time() -> None:
    raw = {"city": "包头", "district": "青山区", "sponsor": "social", "for_profit": False,
           "property_value": "5000万", "land_area": 10000}
    r = result_of(raw, "baotou.non-profit-property-tax-exemption")
    # 50,000,000 × 70% × 1.2% = 420,000 + 10,000 × 15.75 = 157,500; no window, no total
    assert [s.per_year for s in r.savings] == [D("420000.00"), D("157500.00")]
    assert all(s.by_year == {} and s.total is None for s in r.savings)


# --- the timeline and money by year ----------------------------------------------------------


def test_timeline_orders_every_dated_item_and_marks_the_past() -> None:
    assessment = assess_raw({"city": "郑州", "district": "二七区", "sponsor": "social",
                             "for_profit": True, "income_reinvested": True, "kind": "康复医院",
                             "newly_built": True, "leading_level": False,
                             "fixed_asset_investment": "8650万", "opened_on": "2025-04-28",
                             "licence_registered_on": "2025-04-10"})
    events = [(e.day, e.what, e.past) for e in timeline(assessment)]
    assert events == [
        (date(2025, 4, 10), "period_start", True),
        (date(2025, 4, 28), "instalment", True),           # 50% after opening
        (date(2026, 4, 28), "earliest_application", True),  # insurance designation
        (date(2027, 4, 28), "instalment", False),          # the rest within two years
        (date(2028, 4, 9), "period_end", False),           # the exemption's last day
    ]
    # 1,038,000 in two instalments, each split 1:1: 259,500 a payer a year
    assert cash_by_year(assessment) == {
        2025: {"city": D("259500.00"), "district": D("259500.00")},
        2027: {"city": D("259500.00"), "district": D("259500.00")}}


def test_cash_by_year_adds_up_to_the_totals() -> None:
    assessment = assess_raw({"city": "郑州", "district": "中原区", "sponsor": "social",
                             "grade": "3A", "grade_attained_on": "2026-01-10",
                             "newly_built": True, "kind": "nursing",
                             "fixed_asset_investment": "50000033", "opened_on": "2024-12-31"})
    total, by_payer = assessment.cash_totals()
    years = cash_by_year(assessment)
    assert sum(sum(p.values()) for p in years.values()) == total
    for payer, amount in by_payer.items():
        assert sum(p.get(payer, D(0)) for p in years.values()) == amount
    assert savings_by_year(assessment) == {}


# --- reports: JSON additions, Markdown, HTML, languages ----------------------------------------


def test_json_gains_timeline_by_year_and_assumptions_but_keeps_the_contract() -> None:
    code, out = run("check", REHAB, "--as-of", "2026-11-22", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert list(report)[:5] == ["as_of", "city", "institution", "results", "totals"]
    assert report["by_year"]["cash"]["2025"] == {"city": "259500.00", "district": "259500.00",
                                                 "total": "519000.00"}
    # 60,000,000 × 70% × 1.2% + 12,000 × 15.75 = 693,000 a year; 9 months of it in 2025
    assert report["by_year"]["tax_saved_estimate"]["2025"] == "519750.00"
    assert [e["date"] for e in report["timeline"]] == sorted(e["date"] for e in report["timeline"])
    assert {a["name"] for a in report["assumptions"]} == {"property_tax_deduction_ratio",
                                                         "land_use_tax_rate"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_markdown_report_of_each_example(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    code, _ = run("check", example, "--as-of", "2026-11-22", "--format", "markdown", "-o", out,
                  "--lang", "en")
    assert code == 0
    text = out.read_text("utf-8")
    for heading in ("## By year", "## Eligible", "## Citations"):
        assert heading in text
    total = json.loads(run("check", example, "--as-of", "2026-11-22", "--format", "json")[1])
    cash = f"{D(total['totals']['cash']):,.2f} 元"
    assert cash in text
    assert "> 郑政办〔2018〕71号" in text


def test_markdown_in_chinese_and_the_default_language(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run("check", REHAB, "--as-of", "2026-11-22", "--format", "markdown",
                    "--lang", "zh")
    assert code == 0 and "## 符合条件" in out and "## 政策依据" in out and "Eligible" not in out
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert default_lang() == "zh"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert default_lang() == "en"


def test_html_report_is_one_self_contained_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _ = run("check", REHAB, "--as-of", "2026-11-22", "--format", "html", "-o", out)
    assert code == 0
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "@media print" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert "1,038,000.00 元" in page


def test_compare_reports(tmp_path: Path) -> None:
    code, out = run("compare", REHAB, "--as-of", "2026-11-22", "--format", "markdown",
                    "--lang", "en")
    assert code == 0 and "| Benefit |" in out and "1,038,000.00 元" in out
    code, _ = run("compare", REHAB, "--as-of", "2026-11-22", "--format", "html",
                  "-o", tmp_path / "c.html")
    assert code == 0 and "Baotou" in (tmp_path / "c.html").read_text("utf-8")


def test_an_unwritable_output_is_a_usage_error(tmp_path: Path) -> None:
    code, out = run("check", REHAB, "--format", "markdown", "-o", tmp_path / "no" / "r.md")
    assert code == 2 and "cannot write" in out


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert run("check", REHAB, "--as-of", "2026-11-22", "--format", "html", "-o", page)[0] == 0
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1,038,000.00 元" in done.stdout and "2,079,000.00 元" in done.stdout
