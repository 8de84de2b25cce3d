"""Registries as finance and health offices keep them: CSV in the encoding Excel wrote it in
(UTF-8, UTF-8 with a BOM, GB18030/GBK on Chinese Windows), `.xlsx` workbooks, and results
written as `.xlsx`.

Every other form is turned into (or made from) the UTF-8 CSV the engines read, so both
engines give the same results whatever the format, and the messages name the user's file.

- A CSV that is not UTF-8 is read as GB18030 (which contains GBK and GB2312) when it
  decodes as that, whole; otherwise it is refused naming what it looks like (from
  charset-normalizer), and `--encoding` says what it is. A file is never read in a guessed
  encoding other than these.
- An `.xlsx` registry is its first sheet (python-calamine): numbers as Excel shows them
  (86500000, 0.5), dates as ISO dates, yes/no cells as true/false. An empty row between
  rows of data is a row (rejected, as `,,` in a CSV is); the empty rows below the last row
  with data are the sheet's formatting, not rows.
- An `.xlsx` output is the CSV the engines wrote, a sheet row per line (xlsxwriter in
  constant-memory mode): money columns as numbers with two decimals where an Excel number
  holds them to the fen (under 10^13 yuan), else as text; everything else as text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from incentives.errors import Problem, RegistryError

GB = "gb18030"  # contains GBK and GB2312: what Excel on Chinese Windows writes
SAMPLE = 1 << 20  # bytes looked at to tell the encoding
MAX_BAD_LINES = 10
EXACT_IN_EXCEL = Decimal(10) ** 13  # an Excel number (a double) holds money below this to the fen
_MONEY = re.compile(r"-?[0-9]+\.[0-9]{2}")
_MONEY_COLUMNS = ("amount", "amount_least", "amount_most", "cash", "cash_possible")


def encoding_of(path: Path, given: str | None) -> str:
    """The encoding to read a CSV registry in: `given` if any, else UTF-8 or GB18030,
    whichever its first MiB is; RegistryError naming what it looks like if neither."""
    if given:
        try:
            return codecs.lookup(given).name
        except LookupError:
            raise RegistryError([Problem(f"--encoding {given!r}", "not an encoding Python "
                                         "knows; e.g. utf-8, gb18030, gbk",
                                         "不是可识别的编码；例如 utf-8、gb18030、gbk")]) from None
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE)
    if _decodes(sample, "utf-8") or _some_line_utf8(sample):
        return "utf-8"  # a line that is not is a rejected row, as in any UTF-8 registry
    if _decodes(sample, GB):
        return GB
    looks = _looks_like(sample)
    raise RegistryError([Problem(
        f"input {path}",
        f"not UTF-8 text, nor GB18030/GBK{looks and f' (it looks like {looks})'}; give its "
        "encoding with --encoding",
        f"既不是 UTF-8 文本，也不是 GB18030/GBK{looks and f'（看起来像 {looks}）'}；"
        "请用 --encoding 指明其编码")])


def _decodes(sample: bytes, encoding: str) -> bool:
    """Whether `sample` decodes (a character cut off at its end aside)."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _some_line_utf8(sample: bytes) -> bool:
    """Whether a line of the sample beyond ASCII is UTF-8: a file mostly UTF-8 with a
    stray line in another encoding (whose Chinese text is never valid UTF-8) is UTF-8."""
    lines = sample.split(b"\n")[:-1]
    return any(not line.isascii() and _decodes(line, "utf-8") for line in lines)


def _looks_like(sample: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    return best.encoding if best is not None else ""


@contextmanager
def readable(source: Path, encoding: str | None) -> Iterator[Path]:
    """The UTF-8 CSV or JSON Lines file the engines read for `source`: `source` itself
    when it is one, else a temporary copy (removed afterwards)."""
    suffix = source.suffix.lower()
    if suffix == ".xlsx":
        with _scratch() as copy:
            _xlsx_to_csv(source, copy)
            yield copy
        return
    chosen = _encoding_for(source, encoding) if suffix == ".csv" else "utf-8"
    if chosen in ("utf-8", "utf-8-sig") or suffix != ".csv":
        yield source
        return
    with _scratch() as copy:
        _transcode(source, chosen, copy)
        yield copy


def _encoding_for(source: Path, given: str | None) -> str:
    """`encoding_of` a regular file; a pipe is read once, so it is taken to be UTF-8 unless
    told otherwise; a file that can't be read is left for the reader to report."""
    try:
        regular = stat.S_ISREG(source.stat().st_mode)
    except OSError:
        return "utf-8"
    if not regular:
        return encoding_of(source, given) if given else "utf-8"
    return encoding_of(source, given)


@contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="incentives-") as folder:
        yield Path(folder) / "registry.csv"


def _transcode(source: Path, encoding: str, target: Path) -> None:
    """`source` rewritten as UTF-8, line by line (a line break is never part of a GB18030
    character); RegistryError naming the lines that are not text in that encoding."""
    bad: list[int] = []
    with source.open("rb") as original, target.open("wb") as copy:
        for number, line in enumerate(original, start=1):
            try:
                copy.write(line.decode(encoding).encode("utf-8"))
            except UnicodeDecodeError:
                bad.append(number)
    if bad:
        shown = ", ".join(str(n) for n in bad[:MAX_BAD_LINES])
        more = f" and {len(bad) - MAX_BAD_LINES:,} more" if len(bad) > MAX_BAD_LINES else ""
        zh_more = f" 等，另有 {len(bad) - MAX_BAD_LINES:,} 行" if more else ""
        raise RegistryError([Problem(
            f"input {source}",
            f"read as {encoding}: line {shown}{more}: bytes that are not {encoding} text; "
            "nothing was read (give the file's encoding with --encoding)",
            f"按 {encoding} 读取：第 {shown} 行{zh_more}含有不是 {encoding} 文本的字节；"
            "没有读取任何行（请用 --encoding 指明文件的编码）")])


def _xlsx_to_csv(source: Path, target: Path) -> None:
    from python_calamine import CalamineError, load_workbook

    try:
        sheet = load_workbook(str(source)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as error:
        why = str(error)[:200]
        raise RegistryError([Problem(f"input {source}", f"not a workbook that can be read: {why}",
                                     "不是可以读取的工作簿（请确认它是 Excel 的 .xlsx 文件）")]
                            ) from None
    with target.open("w", encoding="utf-8", newline="") as copy:
        writer = csv.writer(copy, lineterminator="\n")
        for row in _trimmed(rows):
            writer.writerow([_cell_text(cell) for cell in row])


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """The sheet's rows without the empty ones at its end (a sheet often has formatting
    far below its data)."""
    end = len(rows)
    while end and all(cell in ("", None) for cell in rows[end - 1]):
        end -= 1
    return rows[:end]


def _cell_text(cell: Any) -> str:
    """A cell as the text a CSV of the sheet would hold."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):  # an Excel number; what it shows is its shortest repr
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


@contextmanager
def results_sink(output: Path, final: IO[str]) -> Iterator[IO[str]]:
    """Where the engines write the results for `output`: `final` itself, or for an `.xlsx`
    output an unnamed temporary CSV made into the workbook in `final` when they are done
    (nothing is left behind if the run is killed)."""
    if output.suffix.lower() != ".xlsx":
        yield final
        return
    with tempfile.TemporaryFile(dir=output.parent if str(output.parent) else ".") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield text
        text.detach()  # flushed into `raw`, which stays open for reading back
        raw.seek(0)
        lines = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        final.flush()
        write_xlsx(lines, cast(IO[bytes], cast(io.TextIOWrapper, final).buffer))
        lines.detach()


def write_xlsx(lines: IO[str], target: IO[bytes]) -> None:
    """The CSV in `lines` as a one-sheet workbook written to `target`."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("results")
    money_format = book.add_format({"num_format": "#,##0.00"})
    reader = csv.reader(lines)
    header = next(reader, [])
    money = {i for i, name in enumerate(header) if _is_money(name)}
    for column, name in enumerate(header):
        sheet.write_string(0, column, name)
    for number, row in enumerate(reader, start=1):
        for column, cell in enumerate(row):
            if column in money and _MONEY.fullmatch(cell) and abs(Decimal(cell)) < EXACT_IN_EXCEL:
                sheet.write_number(number, column, float(Decimal(cell)), money_format)
            elif column == 0 and cell.isdigit():
                sheet.write_number(number, column, int(cell))
            else:
                sheet.write_string(number, column, _undefused(cell))
    book.close()


def _is_money(name: str) -> bool:
    return name in _MONEY_COLUMNS or name.startswith(("paid_", "cash_"))


def _undefused(cell: str) -> str:
    """A text cell as written to a workbook: a string cell is never run as a formula, so
    the `'` the CSV puts before one that starts like a formula is not needed there."""
    return cell[1:] if cell[:2] in {"'=", "'+", "'-", "'@"} else cell
