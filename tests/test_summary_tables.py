"""The batch summary a finance bureau reads: years as rows, payers as columns, never a
figure cut at any width, in 元 or exactly in 万元, and as CSV or a workbook."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from incentives import load_rulebook
from incentives.batch.run import BatchOptions, run_batch
from incentives.batch.summary import Summary
from incentives.cli import cli
from incentives.model.money import format_yuan
from incentives.render.summary import figure, render

from .test_batch import GRADE_3A, REHAB, write_csv

AS_OF = date(2025, 1, 1)


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    folder = tmp_path_factory.mktemp("summary")
    rows = [{**REHAB, "name": f"r{i}", "fixed_asset_investment": f"{8000 + 37 * i}万"}
            for i in range(40)] + [{**GRADE_3A, "name": f"g{i}"} for i in range(40)]
    source = write_csv(folder / "registry.csv", rows)
    return run_batch(source, folder / "out.csv", load_rulebook(), BatchOptions(AS_OF))


def shown(summary: Summary, lang: str, width: int, unit: str = "元") -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(render(summary, lang, width, unit))
    return console.export_text()


def every_figure(summary: Summary, unit: str) -> set[str]:
    zero = Decimal(0)
    figures = {figure(summary.total(), unit)}
    for key in summary.payers():
        years = summary.cash[key]
        figures |= {figure(a, unit) for a in years.values()}
        figures.add(figure(sum(years.values(), zero), unit))
    return figures


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("unit", ["元", "万元"])
def test_no_figure_is_cut_at_any_width(summary: Summary, lang: str, width: int,
                                       unit: str) -> None:
    text = shown(summary, lang, width, unit)
    assert "…" not in text
    cells = set(re.findall(r"[0-9][0-9,]*\.[0-9]+", text))
    assert every_figure(summary, unit) <= cells
    assert all(len(line) <= width for line in text.splitlines())


def test_years_are_rows_and_payers_are_columns(summary: Summary) -> None:
    text = shown(summary, "zh", 160)
    header = next(line for line in text.splitlines() if line.startswith("┃ 年度"))
    assert header.index("郑州市财政") < header.index("二七区财政") < header.index("合计")
    year_rows = [line for line in text.splitlines() if re.match(r"│ 20\d\d ", line)]
    assert [row.split()[1] for row in year_rows[:2]] == ["2025", "2027"]
    assert "资金（确定可得）" in text and "Cash" not in text


def test_wan_yuan_is_exact() -> None:
    """1,321,783,500.00 元 is 132,178.35 万元; a fen is 0.000001 万元, never 0.00."""
    assert figure(Decimal("1321783500.00"), "万元") == "132,178.35"
    assert figure(Decimal("0.01"), "万元") == "0.000001"
    assert figure(Decimal("12345.67"), "万元") == "1.234567"
    assert figure(Decimal("1038000"), "元") == format_yuan(Decimal("1038000")) == "1,038,000.00"


def test_the_summary_as_csv_and_as_a_workbook(tmp_path: Path) -> None:
    from python_calamine import load_workbook

    source = write_csv(tmp_path / "registry.csv", [REHAB, GRADE_3A])
    runner = CliRunner()
    for name in ("summary.csv", "summary.xlsx", "summary.json"):
        result = runner.invoke(cli, ["batch", str(source), "-o", str(tmp_path / "out.csv"),
                                     "--as-of", "2025-01-01", "--summary-output",
                                     str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    with (tmp_path / "summary.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # REHAB: 8650万 × 1.2% = 1,038,000, shared by the city and 二七区, half at opening (2025)
    # and half by 2027; GRADE_3A: 1,000万, 400万 from the city and 600万 from 金水区, in 2025
    certain = sum(Decimal(r["certain"]) for r in rows)
    assert certain == Decimal("1038000") + Decimal("10000000")
    assert {(r["year"], r["label"]) for r in rows} >= {("2025", "金水区财政"),
                                                       ("2027", "二七区财政")}
    book = load_workbook(str(tmp_path / "summary.xlsx"))
    assert book.sheet_names == ["cash", "rules", "exemptions"]
    cash = book.get_sheet_by_name("cash").to_python()
    assert cash[0] == ["year", "city", "payer", "label", "certain", "possible"]
    assert sum(Decimal(str(r[4])) for r in cash[1:]) == certain
    assert '"cash_possible"' in (tmp_path / "summary.json").read_text(encoding="utf-8")
