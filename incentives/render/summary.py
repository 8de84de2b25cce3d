"""The batch summary as a finance bureau reads it: cash with years as rows and payers as
columns, certain and possible apart, in 元 or 万元; institutions by rule; exemption
institution-years. No figure is ever cut: a table wider than the screen is split into
pages of payers (or of years), each with its row labels, the total on the last.

Also the summary as files for a spreadsheet (`summary_rows`, `write_summary`): the cash by
year and payer in long form (year, payer, certain, possible) as CSV, or as a workbook
with a sheet for each table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table

from incentives.batch.formats import EXACT_IN_EXCEL
from incentives.batch.summary import STATUSES, UNDATED, Summary
from incentives.files import atomic_write
from incentives.model.money import format_yuan
from incentives.render.words import WAN, WAN_YUAN, YUAN, inline, label, open_awards

UNITS = (YUAN, WAN_YUAN)
CELL_EXTRA = 3  # a column's padding and its border


def figure(amount: Decimal, unit: str) -> str:
    """An amount in 元 (`1,321,783,500.00`) or in 万元, exactly (`132,178.35`,
    `0.000001` for a fen): never rounded."""
    if unit != WAN_YUAN:
        return format_yuan(amount)
    value = amount / WAN
    places = max(2, -int(value.normalize().as_tuple().exponent))
    return f"{value:,.{places}f}"


def render(summary: Summary, lang: str = "en", width: int = 120, unit: str = YUAN) -> Any:
    """The summary as rich tables that fit `width` columns."""
    parts: list[Any] = [*_cash_tables(summary, False, lang, width, unit)]
    if summary.total(possible=True) != summary.total():  # amounts left open by unknown facts
        parts += _cash_tables(summary, True, lang, width, unit)
    parts.append(_rules_table(summary, lang))
    parts += _exemption_tables(summary, lang, width)
    return Group(*parts)


def _year_label(year: int | str, lang: str) -> str:
    return label("undated", lang) if year == UNDATED else str(year)


def _cash_tables(summary: Summary, possible: bool, lang: str, width: int, unit: str
                 ) -> Iterator[Table]:
    sums = summary.possible if possible else summary.cash
    years = summary.years()
    zero = Decimal(0)
    columns = [(key[2], [sums.get(key, {}).get(y, zero) for y in years])
               for key in summary.payers()]
    columns.append((label("total", lang), [sum((c[1][i] for c in columns), zero)
                                           for i in range(len(years))]))
    which = label("possible" if possible else "certain", lang)
    title = (f"资金（{which}）：按年度与承担方，单位{unit}（评估日期 {summary.as_of}）"
             if lang == "zh" else
             f"Cash ({which.lower()}) by year and payer, in {unit} (as of {summary.as_of})")
    rows = [_year_label(y, lang) for y in years] + [label("total", lang)]
    texts = [(name, [figure(v, unit) for v in [*values, sum(values, zero)]])
             for name, values in columns]
    tables = list(_paged(title, label("year", lang), rows, texts, width))
    if summary.unstated:  # never a figure: counted beside the sums
        tables[-1].caption = open_awards(summary.unstated, lang)
    yield from tables


def _paged(title: str, corner: str, rows: list[str], columns: list[tuple[str, list[str]]],
           width: int, total_row: bool = True) -> Iterator[Table]:
    """Tables of `rows` by `columns`, as many columns to a table as fit `width` (each
    table with the row labels); the last row in bold where it is a total."""
    first = max(cell_len(text) for text in [corner, *rows]) + CELL_EXTRA + 1
    pages: list[list[tuple[str, list[str]]]] = [[]]
    used = first
    for column in columns:
        need = max(cell_len(text) for text in [column[0], *column[1]]) + CELL_EXTRA
        if pages[-1] and used + need > width:
            pages.append([])
            used = first
        pages[-1].append(column)
        used += need
    for number, page in enumerate(pages, start=1):
        shown = title if len(pages) == 1 else f"{title} ({number}/{len(pages)})"
        table = Table(title=shown)
        table.add_column(corner, no_wrap=True)
        for name, _ in page:
            table.add_column(name, justify="right", no_wrap=True)
        for index, row in enumerate(rows):
            style = "bold" if total_row and index == len(rows) - 1 else None
            table.add_row(row, *(values[index] for _, values in page), style=style)
        yield table


def _rules_table(summary: Summary, lang: str) -> Table:
    title = "各规定的机构数" if lang == "zh" else "Institutions by rule"
    table = Table(title=title)
    table.add_column("规定" if lang == "zh" else "rule", overflow="fold")
    table.add_column("类别" if lang == "zh" else "kind", overflow="fold")
    widest = max((len(f"{n:,}") for c in summary.rules.values() for n in c.values()), default=1)
    for status in STATUSES:
        table.add_column(inline(status, lang, short=True), justify="right", overflow="fold",
                         min_width=widest)
    for rule_id in sorted(summary.rules):
        counts = summary.rules[rule_id]
        table.add_row(rule_id, inline(summary.kinds[rule_id], lang),
                      *(f"{counts[s]:,}" for s in STATUSES))
    return table


def _exemption_tables(summary: Summary, lang: str, width: int) -> Iterator[Table]:
    exempt = [r for r in sorted(summary.kinds) if summary.kinds[r] == "tax_exemption"]
    if not exempt:
        return
    years = sorted({y for r in exempt for y in summary.exemption_years.get(r, {})})
    counts = [summary.exemption_years.get(rule_id, {}) for rule_id in exempt]
    columns = [(str(y), [f"{c.get(y, 0):,}" for c in counts]) for y in years]
    columns.append((label("total", lang), [f"{sum(c.values()):,}" for c in counts]))
    columns.append(("无截止日期" if lang == "zh" else "open-ended",
                    [f"{summary.open_ended.get(r, 0):,}" for r in exempt]))
    title = ("减免税：各年度享受的机构·年数" if lang == "zh"
             else "Exemptions: institution-years by calendar year")
    yield from _paged(title, "规定" if lang == "zh" else "rule", exempt, columns, width,
                      total_row=False)


def summary_rows(summary: Summary) -> Iterator[list[str]]:
    """The cash by year and payer in long form: a header, then one row per year and
    payer with the certain and the possible amount in yuan (two decimals)."""
    yield ["year", "city", "payer", "label", "certain", "possible"]
    zero = Decimal(0)
    for year in summary.years():
        for key in summary.payers():
            certain = summary.cash.get(key, {}).get(year, zero)
            possible = summary.possible.get(key, {}).get(year, zero)
            if certain or possible:
                yield [str(year), *key, f"{certain:.2f}", f"{possible:.2f}"]


def write_summary(summary: Summary, path: Path) -> None:
    """The summary as a file of its own, written through a temporary file (a batch writes
    it with its results instead, through `summary_writer`)."""
    with atomic_write(path) as handle:
        summary_writer(path)(summary, handle)


def summary_writer(path: Path) -> Callable[[Summary, IO[str]], None]:
    """What writes the summary in the format `path` names: `.csv` the cash in long form,
    `.xlsx` a sheet for the cash, one for the rules and one for the exemptions, `.json`
    the JSON of --summary-format."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _write_json
    if suffix == ".xlsx":
        return _write_workbook
    return _write_csv


def _write_json(summary: Summary, handle: IO[str]) -> None:
    from incentives.model.jsonable import dumps

    handle.write(dumps(summary.to_dict(), indent=2) + "\n")


def _write_csv(summary: Summary, handle: IO[str]) -> None:
    csv.writer(handle, lineterminator="\n").writerows(summary_rows(summary))


def _write_workbook(summary: Summary, handle: IO[str]) -> None:
    import xlsxwriter

    handle.flush()
    target = cast(io.TextIOWrapper, handle).buffer
    book = xlsxwriter.Workbook(target, {"strings_to_numbers": False,
                                        "strings_to_formulas": False})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet("cash")
    for r, row in enumerate(summary_rows(summary)):
        for c, cell in enumerate(row):
            if r and c >= 4 and abs(Decimal(cell)) < EXACT_IN_EXCEL:
                sheet.write_number(r, c, float(Decimal(cell)), money)
            else:
                sheet.write_string(r, c, cell)
    rules = book.add_worksheet("rules")
    for c, name in enumerate(["rule", "kind", *STATUSES]):
        rules.write_string(0, c, name)
    for r, rule_id in enumerate(sorted(summary.rules), start=1):
        rules.write_row(r, 0, [rule_id, summary.kinds[rule_id],
                               *(summary.rules[rule_id][s] for s in STATUSES)])
    exemptions = book.add_worksheet("exemptions")
    exemptions.write_row(0, 0, ["rule", "year", "institutions"])
    r = 1
    for rule_id in sorted(summary.exemption_years):
        for year, count in sorted(summary.exemption_years[rule_id].items()):
            exemptions.write_row(r, 0, [rule_id, year, count])
            r += 1
    book.close()
