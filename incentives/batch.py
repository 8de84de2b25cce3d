"""Screening a registry: assess every institution of a CSV or JSON Lines file, streaming.

    summary = run_batch(Path("registry.csv"), Path("results.csv"), book, BatchOptions(as_of))

Each row is read, checked with `parse_profile` (every problem of a row is collected) and
assessed with `assess`, exactly as `incentives check` would assess the same profile. A
row that can't be used goes to the errors file with its row number and every problem;
the other rows are still assessed, and `read == assessed + rejected` always holds.

The output and the errors file are written through temporary files and renamed into
place only when every row is done, so an interrupted run leaves no half-written result.
Memory does not grow with the number of rows: only the summary (one entry per payer,
year and rule) is kept. The shapes of the output are described in `batch_output.py`, the
summary in `batch_summary.py`; neither this module nor those import click or rich.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from .batch_io import RawRow, Registry, RegistryError, atomic_write, file_format
from .batch_output import ErrorWriter, Writer, payers_in
from .batch_parallel import assess_chunks
from .batch_summary import Summary
from .engine import Assessment, assess
from .profile import InputError, Profile, parse_profile
from .rulebook import RuleBook

if TYPE_CHECKING:
    from .columnar_plan import Plan

Progress = Callable[[int, int, int], None]  # bytes read, bytes in all, rows read
CHUNK = 500  # rows assessed and written together
RESERVED = {"row", "name", "city", "district", "rule", "status", "kind", "amount", "cash",
            "totals", "results", "payers", "schedule", "period", "missing", "eligible",
            "needs_info", "period_start", "period_end"}

__all__ = ["BatchOptions", "RegistryError", "Summary", "default_errors_path", "run_batch"]


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

    def errors_path(self, output: Path) -> Path:
        return self.errors or default_errors_path(output)


def default_errors_path(output: Path) -> Path:
    return output.with_name(output.name + ".errors.csv")


def run_batch(source: Path, output: Path, book: RuleBook, options: BatchOptions,
              progress: Progress | None = None) -> Summary:
    """Assess every row of `source` into `output` (and the errors file); the summary.

    RegistryError (before anything is written) when a file can't be used at all. Rows are
    assessed in chunks, in worker processes when there are several (see `batch_parallel`),
    and written in input order.
    """
    errors_path = options.errors_path(output)
    _check_paths(source, output, errors_path, options.keep)
    out_format = file_format(output, "output")
    summary = Summary(options.as_of, overrides=dict(options.overrides))
    job = Job(book, options, out_format, payers_in(book))
    with Registry(source, book.schema, options.keep) as registry, \
            atomic_write(output) as out, atomic_write(errors_path) as err:
        Writer(out, out_format, options.per_institution, job.payers, options.keep)
        ErrorWriter(err)
        plan = _columnar_plan(job, registry)
        if plan is not None:
            from .batch_columnar import run_columnar

            done = (lambda n: progress(n, registry.size, summary.read)) if progress else None
            run_columnar(plan, registry, job, out, err, summary, done)
            if progress is not None:
                progress(registry.size, registry.size, summary.read)
            return summary
        for text, errors, part in assess_chunks(job, chunks(registry), registry.size):
            out.write(text)
            err.write(errors)
            summary.merge(part)
            if progress is not None:
                progress(registry.bytes_read, registry.size, summary.read)
        if progress is not None:
            progress(registry.size, registry.size, summary.read)
    return summary


def _columnar_plan(job: Job, registry: Registry) -> Plan | None:
    """The columnar path's plan when it takes this run (CSV in and out, a one-line header,
    numpy and pyarrow installed, every rule within what it evaluates exactly), else None."""
    if job.options.columnar is False or job.format != "csv" or registry.format != "csv":
        return None
    if registry.reader.line_num != 1:  # a header with a quoted line break
        return None
    try:
        from .columnar_plan import Plan
        from .vector import Unsupported
    except ImportError:
        return None
    try:
        return Plan(job.book, job.options.as_of, job.options.overrides)
    except Unsupported:
        return None


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


def assess_chunk(job: Job, rows: list[RawRow]) -> tuple[str, str, Summary]:
    """Assess a chunk of rows: the output text, the errors text, the chunk's summary."""
    out, err = io.StringIO(), io.StringIO()
    options = job.options
    writer = Writer(out, job.format, options.per_institution, job.payers, options.keep, False)
    rejected = ErrorWriter(err, header=False)
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
    rejected.write(row.number, row.line, problems)
    return None


def _check_paths(source: Path, output: Path, errors: Path, keep: tuple[str, ...]) -> None:
    problems = []
    if output.resolve() == source.resolve():
        problems.append(f"output {output}: is the input file; write the results elsewhere")
    if errors.resolve() in (source.resolve(), output.resolve()):
        problems.append(f"errors file {errors}: must differ from the input and the output")
    problems += [f"--keep {name!r}: the output has a column of that name" for name in keep
                 if name in RESERVED]
    if problems:
        raise RegistryError(problems)


def profile_rows(source: Path, book: RuleBook) -> list[Profile]:
    """Every usable row of a registry, parsed (all in memory: for benchmarks and tests)."""
    profiles = []
    with Registry(source, book.schema) as registry:
        for row in registry:
            try:
                if row.readable and not row.problems:
                    profiles.append(parse_profile(row.raw, book.schema, book.cities))
            except InputError:
                pass
    return profiles
