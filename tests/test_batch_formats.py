"""Registries as offices keep them: a GBK/GB18030 CSV, an .xlsx workbook in and out; both
engines give the same results as from the UTF-8 CSV, and a file in an encoding that
cannot be told is refused naming the problem."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from incentives.cli import cli

from .test_batch import BAD, FIELDS, GRADE_3A, REHAB, write_csv

ROWS = [REHAB, GRADE_3A, BAD, {**REHAB, "name": "𠀀康复医院"}]  # 𠀀 is in GB18030, not GBK
AS_OF = "2026-11-22"


def batch(source: Path, output: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["batch", str(source), "-o", str(output),
                                      "--as-of", AS_OF, *extra])
    return result.exit_code, result.output


def reference(tmp_path: Path, rows: list[dict[str, Any]] = ROWS) -> bytes:
    source = write_csv(tmp_path / "utf8.csv", rows)
    code, output = batch(source, tmp_path / "reference.csv")
    assert code == 0, output
    return (tmp_path / "reference.csv").read_bytes()


def recoded(path: Path, encoding: str, rows: list[dict[str, Any]] = ROWS) -> Path:
    utf8 = write_csv(path.with_suffix(".utf8"), rows)
    path.write_bytes(utf8.read_text(encoding="utf-8").encode(encoding))
    return path


@pytest.mark.parametrize("engine", ["--columnar", "--no-columnar"])
def test_a_gb18030_registry_gives_the_results_of_its_utf8_twin(tmp_path: Path,
                                                               engine: str) -> None:
    source = recoded(tmp_path / "registry.csv", "gb18030")
    code, output = batch(source, tmp_path / "out.csv", engine)
    assert code == 0, output
    assert (tmp_path / "out.csv").read_bytes() == reference(tmp_path)
    assert "𠀀康复医院" in (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_a_gbk_registry_with_chinese_headers_is_read(tmp_path: Path) -> None:
    """What Excel on Chinese Windows writes: GBK, column names in Chinese."""
    rows = [REHAB, GRADE_3A]
    utf8 = reference(tmp_path, rows)
    source = tmp_path / "registry.csv"
    text = write_csv(tmp_path / "x.utf8", rows).read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    source.write_bytes(("机构名称" + header.removeprefix("name") + "\n" + rest).encode("gbk"))
    code, output = batch(source, tmp_path / "out.csv")
    assert code == 0, output
    assert (tmp_path / "out.csv").read_bytes() == utf8


def test_the_encoding_may_be_given(tmp_path: Path) -> None:
    source = recoded(tmp_path / "registry.csv", "gbk", ROWS[:3])
    code, output = batch(source, tmp_path / "out.csv", "--encoding", "gbk")
    assert code == 0, output
    assert (tmp_path / "out.csv").read_bytes() == reference(tmp_path, ROWS[:3])
    code, output = batch(source, tmp_path / "out.csv", "--encoding", "klingon")
    assert code == 2 and "--encoding 'klingon': not an encoding" in output


def test_a_registry_in_neither_encoding_is_refused_naming_the_problem(tmp_path: Path) -> None:
    source = tmp_path / "registry.csv"
    source.write_bytes(b"name,city\n\xff\xfe\xfa caf\xe9,zhengzhou\n")
    code, output = batch(source, tmp_path / "out.csv")
    assert code == 2
    assert f"input {source}: not UTF-8 text, nor GB18030/GBK" in output
    assert "--encoding" in output and "Traceback" not in output
    assert not (tmp_path / "out.csv").exists()


def test_a_line_that_is_not_text_in_the_encoding_is_named(tmp_path: Path) -> None:
    source = tmp_path / "registry.csv"
    good = write_csv(tmp_path / "x.utf8", ROWS[:2]).read_text(encoding="utf-8").encode("gbk")
    source.write_bytes(good + b"bad \x81\x20,zhengzhou\n")  # \x81 must lead a pair
    code, output = batch(source, tmp_path / "out.csv", "--encoding", "gbk")
    assert code == 2
    assert "read as gbk: line 4: bytes that are not gbk text" in output
    assert not (tmp_path / "out.csv").exists()


def workbook(path: Path, rows: list[list[Any]]) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("登记表")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if isinstance(cell, date):
                sheet.write_datetime(r, c, cell, date_format)
            else:
                sheet.write(r, c, cell)
    book.close()
    return path


def test_an_xlsx_registry_with_numbers_dates_and_yes_no_cells(tmp_path: Path) -> None:
    """Excel keeps 86500000 as a number, 2025-04-28 as a date and TRUE as a yes/no cell:
    each is read as the CSV would write it."""
    fields = ["name", "city", "district", "sponsor", "for_profit", "kind", "newly_built",
              "fixed_asset_investment", "opened_on", "licence_registered_on",
              "income_reinvested"]
    typed = ["郑州康宁康复医院", "郑州市", "二七区", "社会办", True, "康复医院", True, 86500000,
             date(2025, 4, 28), date(2025, 4, 10), True]
    source = workbook(tmp_path / "registry.xlsx", [fields, typed, [], []])
    code, output = batch(source, tmp_path / "out.csv")
    assert code == 0, output
    as_text = {**REHAB, "fixed_asset_investment": "86500000", "for_profit": "true",
               "newly_built": "true"}
    assert (tmp_path / "out.csv").read_bytes() == reference(tmp_path, [as_text])
    assert "read 1 = assessed 1 + rejected 0" in output


def test_an_xlsx_output_holds_the_csv_results_with_money_as_numbers(tmp_path: Path) -> None:
    from python_calamine import load_workbook

    source = write_csv(tmp_path / "registry.csv", ROWS[:3])
    code, output = batch(source, tmp_path / "out.xlsx")
    assert code == 0, output
    assert batch(source, tmp_path / "reference.csv")[0] == 0
    with (tmp_path / "reference.csv").open(encoding="utf-8", newline="") as handle:
        expected = list(csv.reader(handle))
    sheet = load_workbook(str(tmp_path / "out.xlsx")).get_sheet_by_index(0).to_python()
    assert sheet[0] == expected[0]
    amount = expected[0].index("amount")
    assert len(sheet) == len(expected)
    for got, want in zip(sheet[1:], expected[1:], strict=True):
        assert got[0] == int(want[0])
        if want[amount]:
            assert Decimal(str(got[amount])).quantize(Decimal("0.01")) == Decimal(want[amount])
        else:
            assert got[amount] == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "out.xlsx", "out.xlsx.errors.csv", "reference.csv", "reference.csv.errors.csv",
        "registry.csv"]


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "registry.xlsx"
    source.write_text("name,city\n", encoding="utf-8")
    code, output = batch(source, tmp_path / "out.csv")
    assert code == 2 and f"input {source}: not a workbook that can be read" in output
    assert "Traceback" not in output


def test_keep_names_a_column_of_the_registry_and_reaches_the_errors_file(tmp_path: Path) -> None:
    """--keep of a column the registry lacks stops the run; a kept registry number is in
    the errors file beside each problem, so a rejected row can be traced to its record."""
    rows = [{**REHAB, "registry_no": "ZZ-001"}, {**BAD, "registry_no": "ZZ-002"}]
    source = write_csv(tmp_path / "registry.csv", rows, [*FIELDS, "registry_no"])
    code, output = batch(source, tmp_path / "out.csv", "--keep", "registry_nr")
    assert code == 2 and "--keep 'registry_nr': no column of that name; did you mean " \
        "'registry_no'?" in output
    for engine in ("--columnar", "--no-columnar"):
        code, output = batch(source, tmp_path / "out.csv", "--keep", "registry_no", engine)
        assert code == 0, output
        with (tmp_path / "out.csv.errors.csv").open(encoding="utf-8", newline="") as handle:
            errors = list(csv.DictReader(handle))
        assert list(errors[0]) == ["row", "line", "registry_no", "field", "problem"]
        assert {e["registry_no"] for e in errors} == {"ZZ-002"}
        assert {e["row"] for e in errors} == {"2"}


def test_dates_as_excel_and_people_write_them(tmp_path: Path) -> None:
    """2025/4/28, 2025-4-28 and 2025年4月28日 are the same day as 2025-04-28, on both engines."""
    variants = ["2025/4/28", "2025-4-28", "2025.4.28", "2025年4月28日"]
    rows = [{**REHAB, "opened_on": v} for v in variants]
    expected = reference(tmp_path, [REHAB] * len(variants))
    for engine in ("--columnar", "--no-columnar"):
        source = write_csv(tmp_path / "registry.csv", rows)
        code, output = batch(source, tmp_path / "out.csv", engine)
        assert code == 0, output
        assert (tmp_path / "out.csv").read_bytes() == expected
