"""Reading a registry row by row (CSV or JSON Lines), and writing files all-or-nothing.

A registry is streamed: one row is in memory at a time, however long the file. CSV cells
are strings and an empty cell is an unknown fact (left out, never false or zero); JSON
Lines values are JSON (a null is unknown, decimals are read as exact Decimals).

Row numbers are 1-based and count data rows: in a CSV file the header is not a row, so
row 1 is the first line under it; in a JSON Lines file row N is line N (blank lines are
skipped and not read). Each row also carries the file line it starts on.

File-level problems (a missing file, an unknown CSV column, no `city` column) are found
before any row is read and raise `RegistryError`; a row that can't be used is the row's
problem, never the file's.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from incentives import files
from incentives.errors import RegistryError
from incentives.model.facts import FactSchema

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
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
        raise RegistryError([f"{role} {path}: name it .csv or .jsonl (JSON Lines), "
                             "so its format is clear"])
    return found


class Registry:
    """An open registry file: checked header, then rows one at a time (iterate once)."""

    def __init__(self, path: Path, schema: FactSchema, keep: tuple[str, ...] = ()) -> None:
        self.path, self.schema, self.keep = path, schema, keep
        self.format = file_format(path, "input")
        try:
            self.handle: IO[bytes] = path.open("rb")
            info = os.fstat(self.handle.fileno())
        except OSError as error:
            raise RegistryError([f"input {path}: cannot read it: {error.strerror}"]) from None
        self.size = info.st_size
        # a pipe or a device can be read only once, front to back, as it comes
        self.regular = stat.S_ISREG(info.st_mode)
        self.bytes_read = 0
        self.bad_lines: list[int] = []
        self.lines = self._lines()
        self.columns: list[str | None] = []  # profile key per CSV column; None for a kept one
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

    def _lines(self, first: int = 1) -> Iterator[str]:
        """The file's lines as text, counting bytes for the progress bar; a line that is
        not UTF-8 is remembered (its row is rejected) and read with replacement marks."""
        for number, data in enumerate(self.handle, first):
            self.bytes_read += len(data)
            try:
                text = data.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                self.bad_lines.append(number)
                text = data.decode("utf-8", "replace")
            yield text

    def _read_header(self) -> None:
        self.reader = csv.reader(self.lines)
        try:
            header = next(self.reader)
        except StopIteration:
            raise RegistryError([f"input {self.path}: empty file; the first line names "
                                 "the columns (profile keys)"]) from None
        except csv.Error as error:
            raise RegistryError([f"input {self.path}: header: {error}"]) from None
        self.columns, problems = header_columns(header, self.schema, self.keep)
        self.names = [name.strip() for name in header]
        if problems:
            raise RegistryError([f"input {self.path}: {p}" for p in problems])

    def __iter__(self) -> Iterator[RawRow]:
        return self._csv_rows() if self.format == "csv" else self._jsonl_rows()

    def rows_from(self, offset: int, line: int, number: int) -> Iterator[RawRow]:
        """The CSV rows from a byte offset on: the start of file line `line`, which is
        row `number` (for a reader that has taken the rows before it some other way)."""
        self.handle.seek(offset)
        self.bytes_read, self.bad_lines = offset, []
        self.lines = self._lines(line)
        self.reader = csv.reader(self.lines)
        return self._csv_rows(number - 1, line - 1)

    def _csv_rows(self, number: int = 0, base: int = 0) -> Iterator[RawRow]:
        """The rows, numbered on from `number`; `base` lines come before the reader's."""
        reader, columns, width = self.reader, self.columns, len(self.columns)
        pairs = list(enumerate(columns))
        line = base + reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # e.g. a quote never closed: the rest is one cell
                number += 1
                yield RawRow(number, line, {}, {}, [("", f"not readable as CSV: {error}")], False)
                return
            if not cells:  # a blank line is no row
                line = base + reader.line_num + 1
                continue
            number += 1
            row = RawRow(number, line, {key: cells[i] for i, key in pairs
                                        if key is not None and i < len(cells)})
            if self.keep:
                row.kept = {self.names[i]: cells[i] if i < len(cells) else ""
                            for i, key in pairs if key is None}
            if len(cells) != width:
                row.problems.append(("", f"has {len(cells)} cells; the header has {width}"))
            if self.bad_lines:
                self._check_encoding(row, line, base + reader.line_num)
            line = base + reader.line_num + 1
            yield row

    def _check_encoding(self, row: RawRow, first: int, last: int) -> None:
        if any(first <= bad <= last for bad in self.bad_lines):
            row.problems.append(("", "not UTF-8 text"))
        self.bad_lines = [bad for bad in self.bad_lines if bad > last]

    def _jsonl_rows(self) -> Iterator[RawRow]:
        for line, text in enumerate(self.lines, 1):
            if not text.strip():
                continue
            row = RawRow(line, line, {})
            try:
                value = json.loads(text, parse_float=Decimal)
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
            if self.bad_lines and self.bad_lines[-1] == line:
                row.problems.append(("", "not UTF-8 text"))
            row.kept = {key: value.pop(key) for key in self.keep if key in value}
            row.raw = value
            yield row


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
                   ) -> tuple[list[str | None], list[str]]:
    """The profile key of each column (None for a --keep column), and what is wrong."""
    chinese = {fact.zh: name for name, fact in schema.facts.items() if fact.zh}
    columns: list[str | None] = []
    problems: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(header, 1):
        name = cell.strip()
        key: str | None = None
        if name in keep:
            key = None
        elif name in schema.facts and not schema.facts[name].derived:
            key = name
        elif name in chinese and not schema.facts[chinese[name]].derived:
            key = chinese[name]
        elif not name:
            problems.append(f"column {position} has no name")
        else:
            problems.append(f"unknown column {name!r}{schema.suggest(name)}"
                            + f" (to carry it to the output unassessed: --keep {name!r})")
        ident = key or name
        if ident and ident in seen:
            problems.append(f"column {name!r} appears twice")
        seen.add(ident)
        columns.append(key)
    if "city" not in columns and not problems:
        problems.append("no 'city' column; every institution needs its city")
    return columns, problems


@contextmanager
def atomic_write(path: Path, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """files.atomic_write, with a failure to create the file worded for a batch output."""
    try:
        with files.atomic_write(path, encoding) as handle:
            yield handle
    except OSError as error:
        raise RegistryError([f"output {path}: cannot write there: {error.strerror}"]) from None
