"""Reading a registry row by row (CSV or JSON Lines), and writing files all-or-nothing.

A registry is streamed: one row is in memory at a time, however long the file. CSV cells
are strings and an empty cell is an unknown fact (left out, never false or zero); JSON
Lines values are JSON (a null is unknown, decimals are read as exact Decimals).

Row numbers are 1-based and count data rows: in a CSV file the header is not a row, so
row 1 is the first line under it; in a JSON Lines file row N is line N (blank lines are
skipped and not read). Each row also carries the file line it starts on.

File-level problems (a missing file, an unknown CSV column, no `city` column) are found
before any row is read and raise `RegistryError`; a row that can't be used is the row's
problem, never the file's. A line that can't be read as CSV (a stray carriage return, a
quote never closed, a line or record longer than MAX_LINE) is one rejected row, and
reading goes on with the next line: nothing ends a file early.
"""

from __future__ import annotations

import csv
import errno
import os
import re
import stat
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from incentives import files
from incentives.errors import (
    OutputError,
    Problem,
    RegistryError,
    did_you_mean,
    zh_hint,
    zh_os_error,
)
from incentives.load import strict_json
from incentives.model.facts import FactSchema

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "csv"}
csv.field_size_limit(1_000_000)
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")  # how JSON writes one




@dataclass
class RawRow:
    """One data row as read: its number, the line it starts on, its cells by profile key."""

    number: int
    line: int
    raw: dict[str, Any]
    kept: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    readable: bool = True  # False: no facts could be read from it at all


def file_format(path: Path, role: str) -> str:
    """`csv` or `jsonl`, from the file name; RegistryError if it is neither."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise RegistryError([Problem(
            f"{role} {path}", "name it .csv, .xlsx or .jsonl (JSON Lines), so its format is "
            "clear", "请以 .csv、.xlsx 或 .jsonl（JSON Lines）为扩展名命名，以便确定其格式")])
    return found


Line = tuple[int, str, str]  # file line number, text, its problem ("" for none)
MAX_LINE = 4 << 20  # bytes: a longer line, or CSV record, is a rejected row, left unread
TOO_LONG = f"longer than {MAX_LINE >> 20} MiB; not read"
NOT_UTF8 = "not UTF-8 text"


class _TooLong(Exception):
    """A CSV record grew past MAX_LINE (raised through the csv reader)."""


class _Feed:
    """The lines that csv.reader reads, one record at a time: it remembers the lines each
    record took, and takes back the lines after a bad record's first, to be read again."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self.lines, self.back = lines, deque[Line]()
        self.taken: list[Line] = []
        self.size, self.ended = 0, False

    def start(self) -> None:
        self.taken, self.size, self.ended = [], 0, False

    def give_back(self, lines: list[Line]) -> None:
        self.back.extendleft(reversed(lines))

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.back:
            line = self.back.popleft()
        else:
            try:
                line = next(self.lines)
            except StopIteration:
                self.ended = True
                raise
        self.taken.append(line)
        self.size += len(line[1])
        if line[2] == TOO_LONG or self.size > MAX_LINE:
            raise _TooLong
        return line[1]


class Registry:
    """An open registry file: checked header, then rows one at a time (iterate once)."""

    def __init__(self, path: Path, schema: FactSchema, keep: tuple[str, ...] = (),
                 shown: Path | None = None) -> None:
        # `shown`: the user's file, where `path` is the UTF-8 CSV made of it (formats.py)
        self.path, self.schema, self.keep = path, schema, keep
        self.name = shown or path
        self.format = file_format(path, "input")
        try:
            self.handle: IO[bytes] = path.open("rb")
            info = os.fstat(self.handle.fileno())
        except OSError as error:
            raise RegistryError([Problem(f"input {self.name}", f"cannot read it: {error.strerror}",
                                         f"无法读取：{zh_os_error(error)}")]) from None
        self.size = info.st_size
        # a pipe or a device can be read only once, front to back, as it comes
        self.regular = stat.S_ISREG(info.st_mode)
        self.bytes_read = 0
        self.rows_read = 0  # data rows handed out: every one must come out assessed or rejected
        self.at_end = False  # whether the rows handed out reached the end of the file
        self.lines = self._lines()
        self.columns: list[str | None] = []  # profile key per CSV column; None for a kept one
        self.header_lines = 0
        if self.format == "csv":
            try:
                self._read_header()
            except RegistryError:
                self.close()
                raise

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _lines(self, first: int = 1) -> Iterator[Line]:
        """The file's lines, counting bytes for the progress bar. A line that is not UTF-8
        is read with replacement marks and its problem; one longer than MAX_LINE is
        skipped unread (so memory stays bounded), its text empty and its problem said."""
        number, read = first, self.handle.readline
        while data := read(MAX_LINE + 1):
            self.bytes_read += len(data)
            if len(data) > MAX_LINE and not data.endswith(b"\n"):
                while (more := read(MAX_LINE)) and not more.endswith(b"\n"):
                    self.bytes_read += len(more)
                self.bytes_read += len(more)
                yield number, "", TOO_LONG
            else:
                try:
                    yield number, data.decode("utf-8-sig" if number == 1 else "utf-8"), ""
                except UnicodeDecodeError:
                    yield number, data.decode("utf-8", "replace"), NOT_UTF8
            number += 1

    def _read_header(self) -> None:
        self.records = self._records(_Feed(self.lines))
        try:
            first, last, header, problem = next(self.records)
        except StopIteration:
            raise RegistryError([Problem(
                f"input {self.name}", "empty file; the first line names the columns (profile "
                "keys)", "文件为空；第一行应为列名（档案中的项名）")]) from None
        if problem:
            raise RegistryError([Problem(f"input {self.name}", f"header: {problem}",
                                         f"表头：{_ZH_RECORD.get(problem, problem)}")])
        self.header_lines = last - first + 1
        self.columns, problems = header_columns(header, self.schema, self.keep)
        self.names = [name.strip() for name in header]
        if problems:
            raise RegistryError([Problem(f"input {self.name}", p.message, p.zh)
                                 for p in problems])

    def __iter__(self) -> Iterator[RawRow]:
        return self._csv_rows() if self.format == "csv" else self._jsonl_rows()

    def rows_from(self, offset: int, line: int, number: int) -> Iterator[RawRow]:
        """The rows from a byte offset on: the start of file line `line`, which is row
        `number` (for a reader that has taken the rows before it some other way)."""
        self.handle.seek(offset)
        self.bytes_read = offset
        self.lines = self._lines(line)
        if self.format != "csv":
            return self._jsonl_rows()
        self.records = self._records(_Feed(self.lines))
        return self._csv_rows(number - 1)

    def _records(self, feed: _Feed) -> Iterator[tuple[int, int, list[str], str]]:
        """Each CSV record: its first and last line, its cells, and what is wrong with it
        ("" if nothing). A record that can't be read (a stray carriage return, a quote
        never closed, too long) is its first line alone, rejected: the lines after that
        one are read again, so one bad line costs one row, never the rest of the file."""
        reader = csv.reader(feed)
        while True:
            feed.start()
            cells: list[str] = []
            try:
                cells, problem = next(reader), ""
            except StopIteration:
                if not feed.taken:
                    return
                problem = _UNCLOSED
            except csv.Error as error:
                problem = _csv_problem(error)
            except _TooLong:
                problem = TOO_LONG if len(feed.taken) == 1 else _RUNS_ON
            taken, width = feed.taken, len(self.columns)
            if feed.ended and not problem:  # the csv module's partial record at the end
                problem = _UNCLOSED
            elif len(taken) > 1 and not problem and width and len(cells) != width:
                problem = _runs_into(len(cells), width)
            if problem and len(taken) > 1:
                feed.give_back(taken[1:])
                taken = taken[:1]
            first, last = taken[0][0], taken[-1][0]
            if not problem and any(line[2] for line in taken):
                problem = NOT_UTF8
            yield first, last, [] if problem and problem != NOT_UTF8 else cells, problem

    def _csv_rows(self, number: int = 0) -> Iterator[RawRow]:
        """The rows, numbered on from `number`."""
        columns, width = self.columns, len(self.columns)
        pairs = list(enumerate(columns))
        for line, _, cells, problem in self.records:
            if not cells and not problem:  # a blank line is no row
                continue
            number += 1
            self.rows_read += 1
            if problem and problem != NOT_UTF8:
                yield RawRow(number, line, {}, {}, [("", problem)], False)
                continue
            row = RawRow(number, line, {key: cells[i] for i, key in pairs
                                        if key is not None and i < len(cells)})
            if self.keep:
                row.kept = {self.names[i]: cells[i] if i < len(cells) else ""
                            for i, key in pairs if key is None}
            if len(cells) != width:
                row.problems.append(("", f"has {len(cells)} cells; the header has {width}"))
            if problem:
                row.problems.append(("", problem))
            yield row
        self.at_end = True

    def _jsonl_rows(self) -> Iterator[RawRow]:
        for line, text, problem in self.lines:
            if not text.strip() and not problem:
                continue
            self.rows_read += 1
            yield json_row(line, text, problem, self.keep)
        self.at_end = True


def json_row(line: int, text: str, problem: str, keep: tuple[str, ...]) -> RawRow:
    """A JSON Lines row as read from file line `line` (which is its row number): its
    facts, or its problem (`problem`: the line's own, from reading it, "" for none)."""
    row = RawRow(line, line, {})
    if problem == TOO_LONG:
        return RawRow(line, line, {}, {}, [("", problem)], False)
    try:
        value = strict_json.loads(text)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, or a number too
        # long for Python's int conversion
        row.problems.append(("", f"not valid JSON: {error}"))
        row.readable, value = False, {}
    if not isinstance(value, dict):
        row.problems.append(("", "a row must be a JSON object of facts"))
        row.readable, value = False, {}
    if row.readable and _ESCAPED_SURROGATE.search(text) \
            and (surrogate := lone_surrogate(value)) is not None:
        row.problems.append(surrogate)
        row.readable, value = False, {}
    if problem:
        row.problems.append(("", problem))
    row.kept = {key: value.pop(key) for key in keep if key in value}
    row.raw = value
    return row


_UNCLOSED = "not readable as CSV: a quoted cell that opens on this line is never closed"
_RUNS_ON = (f"not readable as CSV: a quoted cell that opens on this line runs on past "
            f"{MAX_LINE >> 20} MiB; is a closing quote missing?")


_ZH_RECORD = {  # a header's problem in Chinese
    TOO_LONG: f"超过 {MAX_LINE >> 20} MiB，未读取",
    NOT_UTF8: "不是 UTF-8 文本",
    _UNCLOSED: "无法按 CSV 读取：本行开始的带引号单元格没有闭合",
    _RUNS_ON: f"无法按 CSV 读取：本行开始的带引号单元格超过 {MAX_LINE >> 20} MiB 仍未结束；"
              "是否缺少右引号？",
}


def _runs_into(cells: int, width: int) -> str:
    return (f"not readable as CSV: a quoted cell that opens on this line runs on to a "
            f"later line, making a row of {cells} cells (the header has {width}); is a "
            "closing quote missing?")


def _csv_problem(error: csv.Error) -> str:
    if "new-line character" in str(error):  # the csv module's wording for a lone \r
        return ("not readable as CSV: a carriage return (\\r) inside a cell that is not "
                "quoted; quote the cell or remove it")
    return f"not readable as CSV: {error}"


def lone_surrogate(value: Any, where: str = "") -> tuple[str, str] | None:
    """(field, problem) for the first text in a JSON value that holds a lone surrogate,
    else None: JSON may write one (`"\\ud800"`), but it is no character, and no UTF-8
    file can hold it. The problem shows it escaped (repr), so that the errors file can."""
    if isinstance(value, str):
        if not _SURROGATE.search(value):
            return None
        return where, f"{value!r}: holds a lone surrogate, which is not a character"
    if isinstance(value, dict):
        for key, item in value.items():
            found = lone_surrogate(key, where) or lone_surrogate(
                item, f"{where}.{key}" if where else key)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate(item, f"{where}[{index}]")
            if found is not None:
                return found
    return None


def header_columns(header: list[str], schema: FactSchema, keep: tuple[str, ...]
                   ) -> tuple[list[str | None], list[Problem]]:
    """The profile key of each column (None for a --keep column), and what is wrong (each
    problem's `where` is empty: the caller names the file)."""
    columns: list[str | None] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for position, cell in enumerate(header, 1):
        name = cell.strip()
        key: str | None = None
        if name in keep:
            key = None
        elif schema.key_for(name):
            key = schema.key_for(name)
        elif not name:
            problems.append(Problem("", f"column {position} has no name",
                                    f"第 {position} 列没有列名"))
        else:
            hint = schema.suggest(name)
            problems.append(Problem(
                "", f"unknown column {name!r}{hint} (to carry it to the output unassessed: "
                f"--keep {name!r})",
                f"未知的列 {name!r}{zh_hint(hint)}（如需原样带到输出而不评估：--keep {name!r}）"))
        ident = key or name
        if ident and ident in seen:
            problems.append(Problem("", f"column {name!r} appears twice",
                                    f"列 {name!r} 出现了两次"))
        seen.add(ident)
        columns.append(key)
    named = {cell.strip() for cell in header}
    for name in keep:
        if name not in named:
            hint = did_you_mean(name, named)
            problems.append(Problem("", f"--keep {name!r}: no column of that name{hint}",
                                    f"--keep {name!r}：没有这个名字的列{zh_hint(hint)}"))
    if "city" not in columns and not problems:
        problems.append(Problem("", "no 'city' column; every institution needs its city",
                                "没有 'city'（所在城市）列；每家机构都须注明所在城市"))
    return columns, problems


_WHY = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "the file would pass the file-size limit (see `ulimit -f`)"}


@contextmanager
def atomic_outputs(*paths: Path) -> Iterator[list[IO[str]]]:
    """files.atomic_writes for a batch's outputs (none replaced unless all are complete);
    a failure to write one is an OutputError naming it and why."""
    try:
        with files.atomic_writes(list(paths)) as handles:
            yield handles
    except OSError as error:
        if error.filename not in {str(path) for path in paths}:
            raise  # not a write of ours (that is a bug)
        why = error.strerror or str(error)
        if error.errno in _WHY:
            why = f"{why}: {_WHY[error.errno]}"
        shown = " and ".join(str(path) for path in paths)
        raise OutputError([Problem(
            f"output {error.filename}",
            f"cannot write it: {why}; nothing was replaced ({shown} are as they were)",
            f"无法写入：{zh_os_error(error)}；"
            f"没有替换任何文件（{'、'.join(str(path) for path in paths)} 保持原样）")]) from None
