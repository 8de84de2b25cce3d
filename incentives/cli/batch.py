"""`incentives batch`: assess every institution of a registry into a results file, with a
progress bar on a terminal and, with `--summary`, the totals."""

# Imports of the engine, the loaders and the renderers are inside functions, for start-up
# time (`incentives check --format json` never imports rich).

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from incentives.cli.assign import Assignment
from incentives.cli.common import (
    Failed,
    UsageProblems,
    as_of_option,
    lang_option,
    load_rules,
    make_console,
    param_option,
    param_overrides,
    report_lang,
    rules_option,
)

if TYPE_CHECKING:
    from incentives.batch.job import SummaryFile


@click.command()
@click.argument("source", metavar="INPUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Results file, .csv, .xlsx or .jsonl; replaced only once every row is done.")
@as_of_option
@param_option
@click.option("--errors", type=click.Path(dir_okay=False, path_type=Path),
              help="Where rejected rows go, one line per problem (default OUTPUT.errors.csv).")
@click.option("--per-institution", is_flag=True,
              help="One row per institution with its totals, instead of one per result.")
@click.option("--keep", multiple=True, metavar="COLUMN",
              help="An input column to copy to the output unassessed, e.g. a registry "
                   "number (repeatable).")
@click.option("--summary", is_flag=True,
              help="Print cash by payer and year of payment, institutions per rule and "
                   "exemption institution-years.")
@click.option("--summary-format", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="The summary as tables, or as JSON on standard output.")
@click.option("--summary-output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the summary to a file: .csv (cash by year and payer, one row "
                   "each), .xlsx (a sheet per table) or .json; put in place with the "
                   "results, or not at all.")
@click.option("--unit", type=click.Choice(["元", "万元"]), default="元", show_default=True,
              help="The unit of the summary tables' figures (exact in either).")
@lang_option
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per core, up to 2).")
@click.option("--columnar/--no-columnar", default=None,
              help="CSV to CSV is assessed over columns, a block of rows at a time (the "
                   "default); --no-columnar assesses row by row. Both write the same bytes.")
@click.option("--encoding", default=None, metavar="NAME",
              help="A CSV registry's encoding, e.g. gbk (default: UTF-8 or GB18030/GBK, "
                   "as detected).")
@rules_option
def batch(source: Path, output: Path, as_of: date, params: tuple[Assignment, ...],
          errors: Path | None, per_institution: bool, keep: tuple[str, ...], summary: bool,
          summary_format: str, summary_output: Path | None, unit: str, lang: str | None,
          jobs: int | None, columnar: bool | None, encoding: str | None,
          rules: tuple[Path, ...]) -> None:
    """Assess every institution of INPUT, a registry (.csv with profile keys as columns, in
    UTF-8 or GB18030/GBK; .xlsx, its first sheet; or .jsonl with one profile object a line),
    into OUTPUT (.csv, .xlsx or .jsonl).

    OUTPUT has one row per institution per result (rule, status, kind, amount, payers'
    parts, period, schedule, missing facts), or one per institution with --per-institution.
    Rows that can't be used go to the errors file with their row number (1 = the first
    data row) and every problem; the rest are assessed. Exit status 0 even when rows were
    rejected; 2 when INPUT, OUTPUT or a flag can't be used at all (nothing is written).

    The summary counts eligible cash only, each instalment in the calendar year it falls
    due ("undated" while its date needs a missing fact), each district or county as a
    payer of its own; an eligible exemption with an end counts one institution-year for
    every calendar year its window touches, an open-ended one is counted apart.
    """
    from incentives.batch.run import BatchOptions, run_batch
    from incentives.errors import OutputError, RegistryError, WorkerDied

    book = load_rules(rules)
    options = BatchOptions(as_of, param_overrides(book, params), errors, per_institution, keep,
                           jobs=jobs, columnar=columnar, encoding=encoding)
    import signal

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # so that a killed run, too, removes its temporary files

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with _progress_bar() as progress:
            result = run_batch(source, output, book, options, progress,
                               _summary_file(summary_output))
    except OutputError as error:
        raise UsageProblems(error.problems, "the results can't be written") from None
    except WorkerDied as error:
        raise Failed(f"the batch stopped: {error}; nothing was written ({output} and "
                     f"{options.errors_path(output)} are as they were)") from None
    except RegistryError as error:
        raise UsageProblems(error.problems) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    zh = report_lang(lang) == "zh"
    counts = (f"读取 {result.read:,} 行 = 已评估 {result.assessed:,} + 拒收 {result.rejected:,}"
              if zh else f"read {result.read:,} = assessed {result.assessed:,} + "
              f"rejected {result.rejected:,}")
    to_stderr = summary and summary_format == "json"
    click.echo(counts, err=to_stderr)
    errors_path = options.errors_path(output)
    written = (f"结果：{output}；拒收的行：{errors_path}" if zh
               else f"results: {output}; rejected rows: {errors_path}")
    if summary_output:
        written += f"；汇总：{summary_output}" if zh else f"; summary: {summary_output}"
    click.echo(written, err=to_stderr)
    if summary and summary_format == "json":
        from incentives.model.jsonable import dumps

        click.echo(dumps(result.to_dict(), indent=2))
    elif summary:
        from incentives.render.summary import render

        console = make_console(120)
        console.print(render(result, report_lang(lang), console.width, unit))


def _summary_file(path: Path | None) -> SummaryFile | None:
    """--summary-output as the batch writes it: with the results, all put in place as one."""
    if path is None:
        return None
    from incentives.batch.job import SummaryFile
    from incentives.render.summary import summary_writer

    return SummaryFile(path, summary_writer(path))


@contextmanager
def _progress_bar() -> Iterator[Callable[[int, int, int], None] | None]:
    """A progress bar on standard error when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("assessing"), BarColumn(), TextColumn("{task.fields[rows]:,} rows"),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("batch", total=None, rows=0)

        def update(done: int, total: int, rows: int) -> None:
            bar.update(task, completed=done, total=total, rows=rows)

        yield update
