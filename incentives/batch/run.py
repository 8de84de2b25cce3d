"""Screening a registry: assess every institution of a CSV or JSON Lines file, streaming.

    summary = run_batch(Path("registry.csv"), Path("results.csv"), book, BatchOptions(as_of))

Each row is read, checked with `parse_profile` (every problem of a row is collected) and
assessed with `assess`, exactly as `incentives check` would assess the same profile. A
row that can't be used goes to the errors file with its row number and every problem;
the other rows are still assessed. That reading reached the end of the input and that
`read == assessed + rejected` accounts for every row the reader handed out is checked
before the outputs are put in place (a mismatch is a bug: `Miscount`).

The output and the errors file are written through temporary files and renamed into
place only when every row is done, so an interrupted run leaves no half-written result.
Memory does not grow with the number of rows: only the summary (one entry per payer,
year and rule) is kept. The shapes of the output are described in `batch_output.py`, the
summary in `batch_summary.py`; neither this module nor those import click or rich.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from incentives.batch.formats import readable, results_sink
from incentives.batch.io import Registry, atomic_outputs, file_format
from incentives.batch.job import BatchOptions, Job, SummaryFile, chunks, default_errors_path
from incentives.batch.output import ErrorWriter, Writer, payers_in, unstated_in
from incentives.batch.parallel import assess_chunks
from incentives.batch.summary import Summary
from incentives.errors import InputError, Miscount, Problem, RegistryError
from incentives.load.rulebook import RuleBook
from incentives.model.profile import Profile, parse_profile

if TYPE_CHECKING:
    from incentives.batch.columnar.plan import Plan

Progress = Callable[[int, int, int], None]  # bytes read, bytes in all, rows read
RESERVED = {"row", "name", "city", "district", "rule", "status", "kind", "amount", "cash",
            "totals", "results", "payers", "schedule", "period", "missing", "eligible",
            "needs_info", "period_start", "period_end"}

__all__ = ["BatchOptions", "RegistryError", "Summary", "SummaryFile", "default_errors_path",
           "run_batch"]


def run_batch(source: Path, output: Path, book: RuleBook, options: BatchOptions,
              progress: Progress | None = None,
              summary_file: SummaryFile | None = None) -> Summary:
    """Assess every row of `source` into `output` (and the errors file, and the summary
    file when one is given: the three put in place together); the summary.

    RegistryError (before anything is written) when a file can't be used at all. Rows are
    assessed in chunks, in worker processes when there are several (see `batch_parallel`),
    and written in input order.
    """
    errors_path = options.errors_path(output)
    outputs = [output, errors_path] + ([summary_file.path] if summary_file else [])
    _check_paths(source, outputs, options.keep)
    out_format = file_format(output, "output")
    summary = Summary(options.as_of, overrides=dict(options.overrides))
    job = Job(book, options, out_format, payers_in(book), unstated_in(book))
    before = identity(source)
    with readable(source, options.encoding) as path, \
            Registry(path, book.schema, options.keep, shown=source) as registry, \
            atomic_outputs(*outputs) as handles, \
            results_sink(output, handles[0]) as out:
        err = handles[1]
        Writer(out, out_format, options.per_institution, job.payers, options.keep,
               unstated=job.unstated)
        ErrorWriter(err, keep=options.keep)
        plan = _columnar_plan(job, registry)
        if plan is not None:
            from incentives.batch.columnar.run import run_columnar

            done = (lambda n: progress(n, registry.size, summary.read)) if progress else None
            run_columnar(plan, registry, job, out, err, summary, done)
        else:
            for text, errors, part in assess_chunks(job, chunks(registry), registry.size):
                out.write(text)
                err.write(errors)
                summary.merge(part)
                if progress is not None:
                    progress(registry.bytes_read, registry.size, summary.read)
        check_counts(summary, registry)
        if identity(source) != before:
            raise RegistryError([Problem(
                f"input {source}", "changed while it was read (its size, modification time "
                "or file changed); nothing was written: run again once the file is complete",
                "读取期间文件被改动（大小、修改时间或文件本身变了）；没有写入任何结果："
                "请待文件写完后再运行")])
        if summary_file is not None:
            summary_file.write(summary, handles[2])
        if progress is not None:
            progress(registry.size, registry.size, summary.read)
    return summary


def check_counts(summary: Summary, registry: Registry) -> None:
    """That reading reached the end of the input and every row read came out assessed or
    rejected; Miscount (a bug: the outputs are not put in place) if not."""
    read, assessed, rejected = summary.read, summary.assessed, summary.rejected
    wrong = [] if registry.at_end else ["reading stopped before the end of the input"]
    if read != registry.rows_read:
        wrong.append(f"the reader handed out {registry.rows_read:,} rows, but {read:,} "
                     "were read")
    if read != assessed + rejected:
        wrong.append(f"read {read:,} != assessed {assessed:,} + rejected {rejected:,}")
    if wrong:
        raise Miscount("the rows do not add up: " + "; ".join(wrong))


def identity(path: Path) -> tuple[int, ...] | None:
    """What tells a file apart from the same name written again: its device and inode, size,
    modification and change times (a write changes the change time, which no one can set
    back); None for what is not a regular file (a pipe is read once, as it comes)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _columnar_plan(job: Job, registry: Registry) -> Plan | None:
    """The columnar path's plan when it takes this run (CSV out, or JSON Lines out per
    result with no --keep; CSV in with a one-line header, or JSON Lines in with no
    --keep; a regular file; numpy and pyarrow installed; every rule within what it
    evaluates exactly), else None."""
    if job.options.columnar is False:
        return None
    if job.format != "csv" and (job.options.per_institution or job.options.keep):
        return None  # JSON Lines out: per result, no kept column
    if not registry.regular:  # a pipe: read once, as a stream, by the row engine
        return None
    if registry.format == "csv" and registry.header_lines != 1:  # a quoted line break
        return None
    if registry.format != "csv" and job.options.keep:  # a kept value is any JSON value
        return None
    try:
        from incentives.batch.columnar.plan import Plan
        from incentives.errors import Unsupported
    except ImportError:
        return None
    try:
        return Plan(job.book, job.options.as_of, job.options.overrides)
    except Unsupported:
        return None


def _check_paths(source: Path, outputs: list[Path], keep: tuple[str, ...]) -> None:
    output, errors, *summary = outputs
    problems = []
    if output.resolve() == source.resolve():
        problems.append(Problem(f"output {output}", "is the input file; write the results "
                                "elsewhere", "与输入是同一个文件；请把结果写到别处"))
    if errors.resolve() in (source.resolve(), output.resolve()):
        problems.append(Problem(f"errors file {errors}", "must differ from the input and the "
                                "output", "须与输入文件和输出文件不同"))
    problems += [Problem(f"summary file {path}", "must differ from the input, the output and "
                         "the errors file", "须与输入文件、输出文件和错误文件都不同")
                 for path in summary
                 if path.resolve() in {p.resolve() for p in (source, output, errors)}]
    problems += [Problem(f"--keep {name!r}", "the output has a column of that name",
                         "输出中已有同名的列") for name in keep if name in RESERVED]
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
