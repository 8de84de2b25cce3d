"""What a batch is run with, and one row or chunk of rows assessed: the steps that both
engines and the worker processes share."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO

from incentives.assessment.engine import assess
from incentives.batch.io import RawRow
from incentives.batch.output import ErrorWriter, Writer
from incentives.batch.summary import Summary
from incentives.errors import InputError
from incentives.load.rulebook import RuleBook
from incentives.model.profile import parse_profile
from incentives.model.result import Assessment

CHUNK = 500  # rows assessed and written together


@dataclass
class BatchOptions:
    """How to run a batch: the as-of date, parameter overrides, the output's shape."""

    as_of: date
    overrides: dict[str, Decimal] = field(default_factory=dict)
    errors: Path | None = None  # default: OUTPUT + ".errors.csv"
    per_institution: bool = False
    keep: tuple[str, ...] = ()  # input columns carried to the output, not assessed
    jobs: int | None = None  # worker processes; None: one per core, up to 2
    # None: the columnar path where it applies (CSV in and out, numpy and pyarrow there);
    # False: the row-by-row reference path only. Both write the same bytes.
    columnar: bool | None = None
    encoding: str | None = None  # a CSV registry's; None: UTF-8 or GB18030, as detected

    def errors_path(self, output: Path) -> Path:
        return self.errors or default_errors_path(output)


@dataclass(frozen=True)
class SummaryFile:
    """Where a batch also writes its summary, and what writes it (the caller's: the batch
    does not render). It is written with the results and the errors file, as one: all
    three are put in place together, or none."""

    path: Path
    write: Callable[[Summary, IO[str]], None]


def default_errors_path(output: Path) -> Path:
    return output.with_name(output.name + ".errors.csv")


def chunks(rows: Iterable[RawRow], size: int = CHUNK) -> Iterator[list[RawRow]]:
    chunk: list[RawRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class Job:
    """What every chunk of a batch is assessed with."""

    book: RuleBook
    options: BatchOptions
    format: str
    payers: list[str]
    unstated: bool = False  # a rule leaves its cash amount open: the CSV says where


def assess_chunk(job: Job, rows: list[RawRow]) -> tuple[str, str, Summary]:
    """Assess a chunk of rows: the output text, the errors text, the chunk's summary."""
    out, err = io.StringIO(), io.StringIO()
    options = job.options
    writer = Writer(out, job.format, options.per_institution, job.payers, options.keep, False,
                    job.unstated)
    rejected = ErrorWriter(err, header=False, keep=options.keep)
    summary = Summary(options.as_of)
    for row in rows:
        take_row(job, row, writer, rejected, summary)
    return out.getvalue(), err.getvalue(), summary


def take_row(job: Job, row: RawRow, writer: Writer, rejected: ErrorWriter,
             summary: Summary) -> None:
    """Assess one row into `writer` (or its problems into `rejected`), counting it."""
    summary.read += 1
    assessment = assess_row(row, job.book, job.options, rejected)
    if assessment is None:
        summary.rejected += 1
        return
    summary.assessed += 1
    writer.write(row.number, row.kept, assessment)
    summary.add(assessment)


def assess_row(row: RawRow, book: RuleBook, options: BatchOptions,
               rejected: ErrorWriter) -> Assessment | None:
    """The row's assessment, or None after writing every problem to the errors file."""
    problems = list(row.problems)
    where = f"row {row.number}"
    try:
        if not row.readable:
            raise InputError([])
        profile = parse_profile(row.raw, book.schema, book.cities, where)
    except InputError as error:
        problems += [(p.where.removeprefix(where).removeprefix(": "), p.message)
                     for p in error.problems]
    if not problems:
        try:
            return assess(profile, book, options.as_of, options.overrides)
        except InputError as error:  # an amount too large to work out to the fen
            problems = [(p.where, p.message) for p in error.problems]
    rejected.write(row.number, row.line, problems, row.kept)
    return None
