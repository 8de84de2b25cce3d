"""The columnar batch path: a CSV registry to CSV results, whole blocks of rows at a time.

`run_batch` takes this path for CSV in and CSV out when numpy and pyarrow are installed
and every rule can be evaluated exactly over columns (`vengine.check_supported`). Each
block of the file is read into fact columns (`columnar_read`, `columnar_frame`), every
rule of each city is assessed over the block's rows of that city (`columnar_plan`,
`vengine`), the output lines are made column by column, byte for byte as
`batch_output.Writer` writes them (`columnar_text`), and the block is added to the
summary (`columnar_summary`); docs/columnar.md tells how. Rows the columnar path does not
take (a problem to report, an unusual line, an amount beyond its exact range) are
assessed by the reference path in place, so the output keeps the input's order and
every row is accounted for.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from incentives import files
from incentives.batch.columnar.frame import Facts, read_facts
from incentives.batch.columnar.jsontext import json_names, json_result_tails, json_text, quoted
from incentives.batch.columnar.plan import Assessed, Plan, assess_city, fallback_rows
from incentives.batch.columnar.read import (
    Block,
    Piece,
    Rest,
    json_facts,
    pieces,
    read_block,
    read_json_block,
)
from incentives.batch.columnar.summary import summarise
from incentives.batch.columnar.text import (
    Texts,
    assemble,
    combined,
    csv_cell,
    csv_cells,
    institution_tails,
    joined,
    result_lines,
    result_tails,
    tail_cells,
    write_in_row_order,
)
from incentives.batch.io import RawRow, Registry
from incentives.batch.job import Job, chunks, take_row
from incentives.batch.output import ErrorWriter, Writer
from incentives.batch.parallel import in_order, workers
from incentives.batch.summary import Summary

Progress = Callable[[int], None]  # bytes of the input done


class BlockWriter:
    """Formats a block's columnar rows and merges them with its reference rows."""

    def __init__(self, plan: Plan, job: Job, registry: Registry) -> None:
        self.plan, self.job, self.registry = plan, job, registry
        self.per_institution = job.options.per_institution
        self.payers: list[str] = job.payers
        self.unstated = job.unstated
        self.keep = job.options.keep
        self.memo: dict[str, Any] = {}
        self.json = registry.format != "csv"
        # the profile key of each column of a block
        self.keys: list[str | None] = list(json_facts(plan.book.schema) if self.json
                                           else registry.columns)

    def read(self, piece: Piece) -> Block:
        if self.json:
            return read_json_block(piece, self.registry, self.keys)  # type: ignore[arg-type]
        return read_block(piece, self.registry)

    def block(self, block: Block, summary: Summary, write: Callable[[Any], Any]) -> str:
        """Write the block's output (UTF-8 bytes, rows in input order) with `write`; its
        errors text."""
        facts = read_facts(block.columns, self.keys, self.plan.book.schema,
                           self.plan.book.cities, self.memo)
        refer = facts.refer.copy()
        groups: list[tuple[np.ndarray, Any]] = []  # row numbers, their lines (pyarrow)
        kept = self._kept(block)
        for code, city in enumerate(facts.city_ids):
            rows = np.flatnonzero((facts.city == code) & ~refer)
            if not len(rows):
                continue
            assessed = assess_city(self.plan, city, facts, rows)
            back = fallback_rows(assessed)
            if back.any():
                refer[rows[back]] = True
                rows = rows[~back]
                if not len(rows):  # every row of the city went to the reference path
                    continue
                assessed = assess_city(self.plan, city, facts, rows)
            groups.append((block.rows[rows], self._lines(assessed, facts, block, kept)))
            summarise(summary, assessed, facts)
        others = block.others + self._raw_rows(block, np.flatnonzero(refer))
        done = assess_rows(self.job, sorted(others, key=lambda r: r.number), summary)
        write_in_row_order(groups, [(number, text) for number, text, _ in done], write)
        return "".join(errors for _, _, errors in done)

    def _kept(self, block: Block) -> list[list[Any]] | None:
        if not self.keep:
            return None
        return [block.columns[i].to_pylist() for i, key in enumerate(self.registry.columns)
                if key is None]

    def _raw_rows(self, block: Block, indices: np.ndarray) -> list[RawRow]:
        """The plain rows at those indices as `RawRow`s, for the reference path."""
        import pyarrow as pa

        if block.source is not None:
            return [block.source(index) for index in indices.tolist()]
        if not len(indices):
            return []
        taken = pa.array(indices)
        cells = [column.take(taken).to_pylist() for column in block.columns]
        columns, names = self.registry.columns, self.registry.names
        rows = []
        for at, index in enumerate(indices.tolist()):
            row = RawRow(int(block.rows[index]), int(block.lines[index]),
                         {key: cells[i][at] for i, key in enumerate(columns) if key is not None})
            if self.keep:
                row.kept = {names[i]: cells[i][at] for i, key in enumerate(columns)
                            if key is None}
            rows.append(row)
        return rows

    def _who(self, assessed: Assessed, facts: Facts, block: Block,
             kept: list[list[Any]] | None) -> list[Any]:
        """The columns before the results (row, kept columns, name, city, district), as
        pyarrow string arrays."""
        import pyarrow as pa

        rows = assessed.rows
        names = csv_cells(facts.names.take(pa.array(rows)))
        codes = facts.district_codes[rows]
        districts = Texts([csv_cell(name) for name in facts.district_names], codes)
        columns = [pa.array(block.rows[rows]).cast(pa.string())]
        for column in kept or []:
            columns.append(pa.array([csv_cell(column[i]) for i in rows.tolist()], pa.string()))
        columns += [names,
                    Texts([csv_cell(assessed.city.id)], np.zeros(len(rows), np.int64)).arrow(),
                    districts.arrow()]
        return columns

    def _lines(self, assessed: Assessed, facts: Facts, block: Block,
               kept: list[list[Any]] | None) -> Any:
        """The group's output lines, as a pyarrow large_string array (a row's an item)."""
        if self.job.format != "csv":
            return self._json_lines(assessed, facts, block)
        heads = joined(self._who(assessed, facts, block, kept), ",")
        if self.per_institution:
            size = len(assessed.rows)
            tails = institution_tails(assessed, self.payers, self.plan.bits, self.unstated)
            tail = combined(tails, size, tail_cells)
            return assemble(heads, [tail], np.zeros((size, 1), dtype=np.int64))
        return result_lines(assessed, heads, lambda result: result_tails(
            result, self.payers, self.plan.bits, self.unstated))

    def _json_lines(self, assessed: Assessed, facts: Facts, block: Block) -> Any:
        """The group's JSON Lines, one a result (no kept columns: see `_columnar_plan`)."""
        import pyarrow as pa

        rows = assessed.rows
        names = json_names(facts.names.take(pa.array(rows)))
        district_names = facts.district_names[:-1]  # the last is None: not known
        districts = Texts(district_names, facts.district_codes[rows])
        size = len(rows)
        heads = joined([pa.array(['{"row": '] * size, pa.string()),
                        pa.array(block.rows[rows]).cast(pa.string()),
                        pa.array([', "name": '] * size, pa.string()), names,
                        pa.array([f', "city": {json_text(assessed.city.id)}, "district": ']
                                 * size, pa.string()),
                        quoted(districts).arrow()], "")
        return result_lines(assessed, heads, lambda result: json_result_tails(
            result, self.plan.bits, assessed.city, districts))


def run_columnar(plan: Plan, registry: Registry, job: Job, out: IO[str], err: IO[str],
                 summary: Summary, progress: Progress | None = None) -> None:
    """Assess the whole registry into `out` and `err` (headers already written), the
    file's pieces on worker processes (`batch_parallel`) and written in order. A worker
    writes its piece's output to a file of its own in a scratch folder (in memory where
    the system has a file system there: at most a few pieces are in flight) and hands
    back the file's name; the folder goes, with whatever is left in it, however the run
    ends."""
    writer = BlockWriter(plan, job, registry)
    rest: list[Rest] = []
    parent = os.getpid()
    sink = out.buffer  # type: ignore[attr-defined]

    def work(piece: Piece) -> tuple[str | None, str, Summary, int]:
        part = Summary(job.options.as_of)
        block = writer.read(piece)
        if os.getpid() == parent:  # here, in order: straight into the output
            return None, writer.block(block, part, sink.write), part, len(piece.data)
        with files.scratch_file(scratch) as (handle, name):
            errors = writer.block(block, part, handle.write)
        return name, errors, part, len(piece.data)

    def plain_pieces() -> Iterator[Piece]:
        for piece in pieces(registry.handle, csv_file=registry.format == "csv"):
            if isinstance(piece, Rest):
                rest.append(piece)
                return
            registry.rows_read += piece.rows
            yield piece
        registry.at_end = True

    def first_here() -> Iterator[tuple[str | None, str, Summary, int]]:
        # The first piece is done before the workers are forked, so they inherit what it
        # taught the caches (each distinct date moved by each offset, each text converted).
        items = plain_pieces()
        first = next(items, None)
        if first is not None:
            yield work(first)
            yield from in_order(work, items, workers(job.options.jobs, registry.size))

    done_bytes = 0
    out.flush()
    with files.scratch_directory(in_memory=True) as scratch:
        for name, errors, part, size in first_here():
            if name is not None:
                files.move_into(Path(name), sink)
            err.write(errors)
            summary.merge(part)
            done_bytes += size
            if progress is not None:
                progress(done_bytes)
    sink.flush()
    if rest:
        _rest(registry, rest[0], job, summary, out, err, progress)


def assess_rows(job: Job, rows: list[RawRow], summary: Summary) -> list[tuple[int, str, str]]:
    """Rows on the reference path: (row number, output text, errors text) for each."""
    done = []
    for row in rows:
        text, errors = io.StringIO(), io.StringIO()
        writer = Writer(text, job.format, job.options.per_institution, job.payers,
                        job.options.keep, False, job.unstated)
        rejected = ErrorWriter(errors, header=False, keep=job.options.keep)
        take_row(job, row, writer, rejected, summary)
        done.append((row.number, text.getvalue(), errors.getvalue()))
    return done


def _rest(registry: Registry, rest: Rest, job: Job, summary: Summary, out: IO[str],
          err: IO[str], progress: Progress | None) -> None:
    """The file from `rest` on, row by row (the reference reader and engine)."""
    for chunk in chunks(registry.rows_from(rest.offset, rest.line, rest.row)):
        for _, text, errors in assess_rows(job, chunk, summary):
            out.write(text)
            err.write(errors)
        if progress is not None:
            progress(registry.bytes_read)
