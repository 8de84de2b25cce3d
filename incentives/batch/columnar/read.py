"""Reading a CSV registry in blocks of whole lines, for the columnar batch path.

A block's plain lines (no quotes, the header's number of cells, valid UTF-8) are parsed
by pyarrow's CSV reader, with quoting off, into string columns. Every other line is read
as `batch_io.Registry` reads it and handed over as a `RawRow` for the reference path, so
both paths see the same cells and report the same problems:

- a line with the wrong number of cells, or that is not UTF-8: a `RawRow` with its problem;
- a blank line: no row, as for the `csv` module;
- a line with quotes: a `RawRow` read by the `csv` module, so nothing depends on two
  parsers agreeing about quoting;
- a quoted cell that runs on to the next line, a NUL byte or a carriage return inside a
  line, a line longer than `MAX_LINE`: from that line on, the rest of the file is read
  by `Registry` itself.

Row numbers count data rows from 1 and lines count the file's lines, header included.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from incentives.batch.io import MAX_LINE, NOT_UTF8, RawRow, Registry, json_row
from incentives.model.facts import FactSchema

BLOCK_BYTES = 4 << 20
# a JSON Lines row is about 2.6 times as long as the same CSV row (its keys are written on
# every line): its blocks are as long, so that they hold about as many rows
JSON_BLOCK_BYTES = 10 << 20
_BOM = b"\xef\xbb\xbf"


@dataclass
class Block:
    """A block of the file: plain rows as string columns, the others as `RawRow`s."""

    columns: list[Any]  # a pyarrow string array per CSV column, for the plain rows
    rows: np.ndarray  # row number of each plain row
    lines: np.ndarray  # file line of each plain row
    others: list[RawRow] = field(default_factory=list)
    # the plain row at an index as `Registry` reads it, where the row's text is not its
    # cells (JSON Lines); None: made of the cells (CSV)
    source: Callable[[int], RawRow] | None = None


@dataclass
class Rest:
    """From here on the file is read row by row by `Registry` (see the module docstring)."""

    offset: int
    line: int
    row: int


@dataclass
class Piece:
    """Whole lines of the file, where they start: what one `Block` is read from."""

    data: bytes
    line: int
    row: int
    lines: int = -1  # how many lines it holds, if counted already
    rows: int = -1  # how many of them are rows (not blank), if counted already


def pieces(handle: IO[bytes], block_bytes: int | None = None, csv_file: bool = True
           ) -> Iterator[Piece | Rest]:
    """The open file (a regular one, read again from its start) after its header line (a
    CSV file's), in pieces of whole lines; a `Rest` ends it. Only the lines and rows are
    counted here; reading a piece is `read_block`'s (or `read_json_block`'s) work."""
    if block_bytes is None:
        block_bytes = BLOCK_BYTES if csv_file else JSON_BLOCK_BYTES
    handle.seek(0)
    header = handle.readline(MAX_LINE + 1) if csv_file else b""  # Registry read it already
    offset, line, row = len(header), 1 + bool(csv_file), 1
    carry = b""
    while True:
        data = handle.read(block_bytes)
        chunk = carry + data
        cut = len(chunk) if not data else chunk.rfind(b"\n") + 1
        if data and cut == 0:
            if len(chunk) > MAX_LINE:  # a line too long to hold: Registry skips it, unread
                yield Rest(offset, line, row)
                return
            carry = chunk
            continue
        carry, chunk = chunk[cut:], chunk[:cut]
        if not chunk:
            return
        stop = _first_unplain(chunk, csv_file)
        if stop is not None:
            chunk = chunk[:stop]
        lines = chunk.count(b"\n") + (bool(chunk) and not chunk.endswith(b"\n"))
        rows = _rows_in(chunk, lines) if csv_file else len(json_lines(chunk, line).numbers)
        if chunk:
            yield Piece(chunk, line, row, lines, rows)
        line, row = line + chunk.count(b"\n"), row + rows
        if stop is not None:
            yield Rest(offset + stop, line, row)
            return
        offset += len(chunk)


def _rows_in(chunk: bytes, lines: int) -> int:
    """The rows among whole lines: the lines that are not blank."""
    if b"\n\n" not in chunk and b"\n\r\n" not in chunk and chunk[:1] not in (b"\n", b"\r"):
        return lines
    starts, stops = _line_spans(np.frombuffer(chunk, dtype=np.uint8), len(chunk))
    return int((stops > starts).sum())


def read_block(piece: Piece, registry: Registry) -> Block:
    """A piece's lines: the plain ones as string columns, the others as `RawRow`s."""
    return _block(piece.data, registry, len(registry.columns), piece.line, piece.row,
                  piece.lines if piece.lines == piece.rows else -1)


def _first_unplain(chunk: bytes, csv_file: bool = True) -> int | None:
    """Where the first line starts that the rest of the file must be read from row by row:
    one holding a NUL or a stray carriage return, one longer than MAX_LINE, or (in a CSV
    file) one whose quoted cell runs on past its end. A line with quoted cells that close
    on it is read on its own (`_block`)."""
    found = [i for i in (chunk.find(b"\0"), _stray_cr(chunk), _long_line(chunk)) if i >= 0]
    limit = min(found) if found else len(chunk)
    if not csv_file:
        return None if not found else chunk.rfind(b"\n", 0, limit) + 1
    quote = chunk.find(b'"', 0, limit)
    while quote >= 0:
        start = chunk.rfind(b"\n", 0, quote) + 1
        end = chunk.find(b"\n", quote)
        end = len(chunk) if end < 0 else end + 1
        if _runs_on(chunk[start:end]):
            return start
        quote = chunk.find(b'"', end, limit)
    return None if not found else chunk.rfind(b"\n", 0, limit) + 1


def _runs_on(line: bytes) -> bool:
    """Whether the CSV record that starts with this line goes on to the next line."""
    reader = csv.reader(iter([line.decode("utf-8", "replace"), "next\n"]))
    try:
        next(reader)
    except (csv.Error, StopIteration):
        return True
    return reader.line_num > 1


def _long_line(chunk: bytes) -> int:
    """Where the first line longer than MAX_LINE starts (Registry rejects it), or -1."""
    if len(chunk) <= MAX_LINE:
        return -1
    ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], ends + 1))
    long = np.flatnonzero(np.append(ends, len(chunk)) - starts > MAX_LINE)
    return int(starts[long[0]]) if len(long) else -1


def _stray_cr(chunk: bytes) -> int:
    start = 0
    while True:
        at = chunk.find(b"\r", start)
        if at < 0 or chunk[at + 1:at + 2] != b"\n":
            return at
        start = at + 1


def _block(chunk: bytes, registry: Registry, width: int, line: int, row: int,
           plain_lines: int) -> Block:
    """The block of a piece; `plain_lines` is its number of lines when none is blank (-1
    when some are, or they were not counted)."""
    quoted = b'"' in chunk
    fast = (_all_plain(chunk, width, line, row, plain_lines)
            if plain_lines >= 0 and not quoted else None)
    if fast is not None:
        return fast
    buffer = np.frombuffer(chunk, dtype=np.uint8)
    starts, stops = _line_spans(buffer, len(chunk))
    commas = np.flatnonzero(buffer == 44)
    cells = np.searchsorted(commas, stops) - np.searchsorted(commas, starts) + 1
    blank = stops == starts
    plain = ~blank & (cells == width)
    if quoted:  # a line with quotes is read by the csv module, as Registry reads it
        quotes = np.flatnonzero(buffer == 34)
        plain &= np.searchsorted(quotes, stops) == np.searchsorted(quotes, starts)
    bad_text = _not_utf8(chunk, starts, stops)
    plain &= ~bad_text
    if row == 1 and len(starts) and chunk.startswith(_BOM):
        plain[0] = False  # a BOM on a data line is a cell's text; keep arrow from eating it
    numbers = np.cumsum(~blank) - 1 + row
    file_lines = np.arange(len(starts)) + line
    columns = _parse(chunk, starts, stops, plain, width)
    others = [_raw_row(chunk[starts[i]:stops[i]], registry, int(numbers[i]),
                       int(file_lines[i]), bool(bad_text[i]), width)
              for i in np.flatnonzero(~plain & ~blank)]
    return Block(columns, numbers[plain], file_lines[plain], others)


def _all_plain(chunk: bytes, width: int, line: int, row: int, lines: int) -> Block | None:
    """The block, when it has no blank line and every line is a plain row (the usual
    case), read in one go; None when a line needs a closer look (the wrong number of
    cells, text that is not UTF-8, a BOM): pyarrow refuses those, or reads a different
    number of rows."""
    if row == 1 and chunk.startswith(_BOM):
        return None
    import pyarrow as pa

    try:
        columns = _arrow(chunk, width)
    except pa.ArrowInvalid:
        return None
    if len(columns[0]) != lines:
        return None
    numbers = np.arange(row, row + lines, dtype=np.int64)
    return Block(columns, numbers, numbers - row + line)


def _line_spans(buffer: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each line starts and where its text stops (before any \\r\\n or \\n)."""
    ends = np.flatnonzero(buffer == 10)
    if len(ends) == 0 or ends[-1] != size - 1:  # the file's last line, unended
        ends = np.append(ends, size)
    starts = np.concatenate(([0], ends[:-1] + 1))
    stops = ends - (buffer[np.maximum(ends - 1, 0)] == 13) * (ends > starts)
    return starts, stops


def _not_utf8(chunk: bytes, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    bad = np.zeros(len(starts), dtype=bool)
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        for index, (start, stop) in enumerate(zip(starts, stops, strict=True)):
            try:
                chunk[start:stop].decode("utf-8")
            except UnicodeDecodeError:
                bad[index] = True
    return bad


def _parse(chunk: bytes, starts: np.ndarray, stops: np.ndarray, plain: np.ndarray,
           width: int) -> list[Any]:
    """The plain lines' cells, column by column (pyarrow, quoting off)."""
    import pyarrow as pa

    if not plain.any():
        return [pa.chunked_array([], pa.string()) for _ in range(width)]
    data = b"\n".join(chunk[starts[i]:stops[i]] for i in np.flatnonzero(plain)) + b"\n"
    columns = _arrow(data, width)
    if len(columns[0]) != int(plain.sum()):
        raise AssertionError("pyarrow read a different number of rows")
    return columns


def _arrow(data: bytes, width: int) -> list[Any]:
    """Lines of exactly `width` cells, no quoting, as pyarrow string columns."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    table = pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=names),
        parse_options=pacsv.ParseOptions(quote_char=False, double_quote=False,
                                         escape_char=False, ignore_empty_lines=True),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                             strings_can_be_null=False,
                                             quoted_strings_can_be_null=False))
    return [table.column(name) for name in names]


def _raw_row(data: bytes, registry: Registry, number: int, line: int, bad_text: bool,
             width: int) -> RawRow:
    """A line the columnar reader leaves alone, as `Registry._csv_rows` makes its row."""
    text = data.decode("utf-8", "replace")
    cells = next(csv.reader([text]), [])
    row = RawRow(number, line, {key: cells[i] for i, key in enumerate(registry.columns)
                                if key is not None and i < len(cells)})
    if registry.keep:
        row.kept = {registry.names[i]: cells[i] if i < len(cells) else ""
                    for i, key in enumerate(registry.columns) if key is None}
    if len(cells) != width:
        row.problems.append(("", f"has {len(cells)} cells; the header has {width}"))
    if bad_text:
        row.problems.append(("", "not UTF-8 text"))
    return row


# --- JSON Lines -----------------------------------------------------------------------------

_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # the ASCII characters str.strip() takes
_SMALL = 64  # rows: a part of a block pyarrow refuses, this small, is read row by row


@dataclass
class JsonLines:
    """The rows of a piece of a JSON Lines file, as `Registry` counts them (a line that is
    blank once str.strip() has its way is no row; a line not in UTF-8 is one): where each
    starts and ends (its line break included, as `readline` gives it), its line number,
    and whether it is written as one object (`{` first and `}` last, spaces aside)."""

    data: bytes
    starts: np.ndarray
    ends: np.ndarray
    numbers: np.ndarray
    objects: np.ndarray

    def text(self, row: int) -> bytes:
        return self.data[int(self.starts[row]):int(self.ends[row])]


def json_lines(data: bytes, first_line: int) -> JsonLines:
    """The rows of whole lines that start at file line `first_line`."""
    if not data:
        none = np.zeros(0, dtype=np.int64)
        return JsonLines(data, none, none, none, none.astype(bool))
    buffer = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buffer == 10) + 1
    if data and not data.endswith(b"\n"):
        ends = np.append(ends, len(data))
    starts = np.concatenate(([0], ends[:-1])).astype(np.int64)
    stops = ends - (buffer[np.maximum(ends - 1, 0)] == 10)
    stops -= (stops > starts) & (buffer[np.maximum(stops - 1, 0)] == 13)
    filled = stops > starts
    objects = filled & (buffer[np.minimum(starts, len(data) - 1)] == ord("{")) & (
        buffer[np.maximum(stops - 1, 0)] == ord("}"))
    rows = filled.copy()
    for line in np.flatnonzero(filled & ~objects).tolist():  # spaces around, or no object
        text = data[starts[line]:ends[line]]
        stripped = text.strip(_ASCII_SPACE)
        rows[line] = bool(stripped) and not _blank_text(text)
        objects[line] = stripped[:1] == b"{" and stripped[-1:] == b"}"
    numbers = np.arange(len(starts), dtype=np.int64) + first_line
    return JsonLines(data, starts[rows], ends[rows], numbers[rows], objects[rows])


def _blank_text(line: bytes) -> bool:
    try:
        return not line.decode("utf-8").strip()
    except UnicodeDecodeError:
        return False


def json_facts(schema: FactSchema) -> list[str]:
    """The facts a JSON Lines row gives by name (the derived ones are not given)."""
    return [name for name, fact in schema.facts.items() if not fact.derived]


def read_json_block(piece: Piece, registry: Registry, facts: list[str]) -> Block:
    """A piece of a JSON Lines file: rows pyarrow reads as flat objects of strings (and
    nulls) under the names of `facts` as string columns, one per fact, "" for a fact left
    out; every other row (a number, a yes/no, a name that is not a fact's, anything
    pyarrow refuses) as a `RawRow`, read as `Registry` reads it."""
    import pyarrow as pa

    lines = json_lines(piece.data, piece.line)
    plain = np.zeros(len(lines.numbers), dtype=bool)
    parts: list[Any] = []
    objects = np.concatenate(([0], np.cumsum(lines.objects)))
    _read_plain(lines, objects, 0, len(plain), facts, plain, parts)
    columns = [pa.chunked_array([chunk for part in parts for chunk in part[i].chunks],
                                pa.string()) for i in range(len(facts))]
    others = [_json_row(lines, i, registry) for i in np.flatnonzero(~plain).tolist()]
    rows = np.flatnonzero(plain)
    return Block(columns, lines.numbers[plain], lines.numbers[plain], others,
                 lambda i: _json_row(lines, int(rows[i]), registry))


def _json_row(lines: JsonLines, row: int, registry: Registry) -> RawRow:
    """A row of a JSON Lines file as `Registry` reads it."""
    line, number = lines.text(row), int(lines.numbers[row])
    try:
        text, problem = line.decode("utf-8-sig" if number == 1 else "utf-8"), ""
    except UnicodeDecodeError:
        text, problem = line.decode("utf-8", "replace"), NOT_UTF8
    return json_row(number, text, problem, registry.keep)


def _read_plain(lines: JsonLines, objects: np.ndarray, start: int, stop: int,
                facts: list[str], plain: np.ndarray, parts: list[Any]) -> None:
    """Mark the rows start:stop that pyarrow reads as plain rows, their cells appended to
    `parts` (a list of string arrays, one per fact); a part pyarrow refuses is halved,
    down to _SMALL rows, which are left to the row reader."""
    if start == stop:
        return
    table = None
    if objects[stop] - objects[start] == stop - start:  # each row written as one object
        table = _arrow_json(lines.data[int(lines.starts[start]):int(lines.ends[stop - 1])],
                            stop - start, facts)
    if table is not None:
        plain[start:stop] = True
        parts.append([column.fill_null("") for column in table.columns])
        return
    if stop - start <= _SMALL:
        return
    middle = (start + stop) // 2
    _read_plain(lines, objects, start, middle, facts, plain, parts)
    _read_plain(lines, objects, middle, stop, facts, plain, parts)


def _arrow_json(data: bytes, rows: int, facts: list[str]) -> Any:
    """The rows as a table of string columns, one per fact, when pyarrow reads `rows`
    flat JSON objects whose every value is a string or null under a fact's name; else
    None. A first line with a BOM and text that is not UTF-8 are left to the row reader."""
    import pyarrow as pa
    import pyarrow.json as pajson

    if data.startswith(b"\xef\xbb\xbf"):
        return None
    if not data.endswith(b"\n"):
        data += b"\n"
    try:
        data.decode("utf-8")
        schema = pa.schema([(name, pa.string()) for name in facts])
        table = pajson.read_json(pa.py_buffer(data), parse_options=pajson.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="error",
            newlines_in_values=False))
    except (UnicodeDecodeError, pa.ArrowInvalid):
        return None
    if table.num_rows != rows:
        return None
    return table.select(facts)
