"""The `incentives` command: parses arguments, calls the library, prints. Nothing else.

Exit status: 0 when the job is done (whatever the institution is eligible for), 2 when
the input can't be used (every problem listed, no traceback), 1 only for a bug.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from incentives.cli.assign import ASSIGNMENT, Assignment, read_assignments
from incentives.files import write_text

ISSUES_HINT = ("This is a bug in incentives {version}, not a problem with your input. "
               "Please report it to {where}, with the command you ran and the files it "
               "read; `incentives --debug …` shows the traceback.")


class UsageProblems(click.ClickException):
    """Unusable input: every problem on its own line, exit status 2."""

    exit_code = 2

    def __init__(self, problems: list[str], heading: str = "the input can't be used") -> None:
        super().__init__("\n".join(problems))
        self.problems, self.heading = problems, heading

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"incentives: {self.heading}:", err=True)
        for problem in self.problems:
            click.echo(f"  {problem}", err=True)


class Failed(click.ClickException):
    """The job could not be done, through no fault of the input (a worker process was
    killed): the message, exit status 1."""

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"incentives: {self.message}", err=True)


def _as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _load(rules: tuple[Path, ...]):  # type: ignore[no-untyped-def]
    """The rule book: the bundled rules (unless --no-bundled) and the --rules folders."""
    from incentives.errors import RuleFileError
    from incentives.load.rulebook import load_rulebook

    bundled = not click.get_current_context().meta.get("no_bundled", False)
    try:
        return load_rulebook(list(rules) or None, bundled=bundled)
    except RuleFileError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None


def _overrides(book, assignments: tuple[Assignment, ...]) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    from incentives.errors import MoneyError
    from incentives.model.money import parse_amount

    known = set(book.param_names())
    texts, problems = read_assignments(
        "--param", assignments, f"NAME=VALUE with NAME one of {', '.join(sorted(known))}", known)
    overrides = {}
    for name, text in texts.items():
        try:
            overrides[name] = parse_amount(text)
        except MoneyError as error:
            problems.append(f"--param {name}: {text!r}: {error}")
    if problems:
        raise UsageProblems(problems)
    return overrides


def _read(path: Path) -> dict[str, object]:
    from incentives.errors import InputError
    from incentives.load.profile_file import read_profile_file

    try:
        return read_profile_file(path)
    except InputError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None


def _profile(book, path: Path, raw: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    from incentives.errors import InputError
    from incentives.model.profile import parse_profile

    try:
        return parse_profile(raw or _read(path), book.schema, book.cities, str(path))
    except InputError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None


as_of_option = click.option("--as-of", callback=_as_of,
                            help="Assess on this date (YYYY-MM-DD); default today.")
param_option = click.option("--param", "params", multiple=True, type=ASSIGNMENT,
                            help="Override a dated parameter, e.g. lending_rate=4.35% "
                                 "(repeatable).")


def _console(width: int):  # type: ignore[no-untyped-def]
    """A rich console: the terminal's width, or `width` when output goes to a file."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else width)


def _no_bundled(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta["no_bundled"] = value


def rules_option(command: Callable[..., None]) -> Callable[..., None]:
    """`--rules DIR` (repeatable) beside the bundled rules; `--no-bundled` for DIR alone."""
    command = click.option(
        "--no-bundled", is_flag=True, expose_value=False, callback=_no_bundled,
        is_eager=True, help="Load only the --rules folders, not the bundled rules.",
    )(command)
    return click.option(
        "--rules", "rules", multiple=True,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Also load the rule folders under DIR (a city folder, or a folder of them); "
             "repeatable.",
    )(command)


def output_options(command: Callable[..., None]) -> Callable[..., None]:
    """`-o FILE` and `--lang zh|en`, for the commands that write reports."""
    command = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                           help="Write the report to FILE instead of standard output.")(command)
    return click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                        help="Language of the labels (default: Chinese under a Chinese "
                             "locale, else English).")(command)


def _lang(lang: str | None) -> str:
    from incentives.render.labels import default_lang

    return lang or default_lang()


def _document(blocks, fmt: str, title: str, lang: str) -> str:  # type: ignore[no-untyped-def]
    from incentives.render.document import to_html, to_markdown

    return to_html(blocks, title, lang) if fmt == "html" else to_markdown(blocks)


def _emit(text: str, output: Path | None) -> None:
    """Print, or write to a file (all at once: a failed write leaves no half file)."""
    if output is None:
        click.echo(text)
        return
    try:
        write_text(output, text)
    except OSError as error:
        raise UsageProblems([f"-o {output}: cannot write: {error.strerror}"]) from None
    click.echo(f"wrote {output}", err=True)


class _Commands(click.Group):
    """The command group. Input the library finds unusable only while assessing (an amount
    with too many digits to work out to the fen) exits 2 like any other, problems listed."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as error:
            from incentives.errors import InputError

            if isinstance(error, InputError):
                raise UsageProblems([str(p) for p in error.problems]) from None
            raise


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback if incentives hits a bug.")
@click.version_option(package_name="incentives")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """What China's policies for privately run hospitals give an institution, and why."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "html"]),
              default="table", show_default=True,
              help="Report for people, the JSON contract for programs, or a report to send.")
@output_options
@param_option
@click.option("--ask", is_flag=True,
              help="Ask for the facts that would settle the rules needing information, "
                   "then assess again.")
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the profile (with the answers given to --ask) to FILE, as TOML.")
@rules_option
def check(profile: Path, as_of: date, fmt: str, params: tuple[Assignment, ...],
          rules: tuple[Path, ...], ask: bool = False, save: Path | None = None,
          output: Path | None = None, lang: str | None = None) -> None:
    """Assess the institution described in PROFILE (a TOML or JSON file)."""
    from incentives.assessment.engine import assess

    raw = _read(profile)
    book = _load(rules)
    overrides = _overrides(book, params)
    assessment = assess(_profile(book, profile, raw), book, as_of, overrides)
    if ask or save:
        assessment = _ask_and_save(book, assessment, overrides, ask, save)
    if fmt == "json":
        _emit(_check_json(book, assessment, overrides), output)
        return
    if fmt in ("markdown", "html"):
        from incentives.render.document import assessment_blocks

        blocks = assessment_blocks(assessment, book.schema, _lang(lang))
        _emit(_document(blocks, fmt, assessment.profile.name or "incentives", _lang(lang)), output)
        return

    from incentives.render.table import print_report

    console = _console(110)
    print_report(assessment, book.schema, console, _lang(lang))
    _print_reach(book, assessment, overrides, console)


@cli.command()
@click.argument("source", metavar="INPUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Results file, .csv or .jsonl; replaced only once every row is done.")
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
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per core, up to 2).")
@click.option("--columnar/--no-columnar", default=None,
              help="CSV to CSV is assessed over columns, a block of rows at a time (the "
                   "default); --no-columnar assesses row by row. Both write the same bytes.")
@rules_option
def batch(source: Path, output: Path, as_of: date, params: tuple[Assignment, ...],
          errors: Path | None, per_institution: bool, keep: tuple[str, ...], summary: bool,
          summary_format: str, jobs: int | None, columnar: bool | None,
          rules: tuple[Path, ...]) -> None:
    """Assess every institution of INPUT, a registry (.csv with profile keys as columns, or
    .jsonl with one profile object a line), into OUTPUT (.csv or .jsonl).

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

    book = _load(rules)
    options = BatchOptions(as_of, _overrides(book, params), errors, per_institution, keep,
                           jobs=jobs, columnar=columnar)
    import signal

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # so that a killed run, too, removes its temporary files

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with _progress_bar() as progress:
            result = run_batch(source, output, book, options, progress)
    except OutputError as error:
        raise UsageProblems(error.problems, "the results can't be written") from None
    except WorkerDied as error:
        raise Failed(f"the batch stopped: {error}; nothing was written ({output} and "
                     f"{options.errors_path(output)} are as they were)") from None
    except RegistryError as error:
        raise UsageProblems(error.problems) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    counts = (f"read {result.read:,} = assessed {result.assessed:,} + "
              f"rejected {result.rejected:,}")
    to_stderr = summary and summary_format == "json"
    click.echo(counts, err=to_stderr)
    click.echo(f"results: {output}; rejected rows: {options.errors_path(output)}",
               err=to_stderr)
    if summary and summary_format == "json":
        from incentives.model.jsonable import dumps

        click.echo(dumps(result.to_dict(), indent=2))
    elif summary:
        from incentives.render.summary import render

        _console(120).print(render(result))


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


# --- explain, whatif, init, and check's within reach / --ask / --save ------------------------


def _check_json(book, assessment, overrides) -> str:  # type: ignore[no-untyped-def]
    from incentives.assessment.reach import within_reach
    from incentives.model.jsonable import dumps
    from incentives.render.json import assessment_to_dict
    from incentives.render.reach_json import reach_to_dict

    payload = assessment_to_dict(assessment)
    payload["within_reach"] = reach_to_dict(within_reach(assessment, book, overrides),
                                            book.schema)
    return dumps(payload, indent=2)


def _print_reach(book, assessment, overrides, console) -> None:  # type: ignore[no-untyped-def]
    from incentives.assessment.reach import within_reach
    from incentives.render.explain import render_reach

    reaches = within_reach(assessment, book, overrides)
    if reaches:
        console.print(render_reach(reaches, book.schema))


def _ask_and_save(book, assessment, overrides, ask: bool, save: Path | None):  # type: ignore[no-untyped-def]
    from incentives.errors import InputError

    if ask:
        from incentives.cli.prompts import ask_missing

        try:
            assessment = ask_missing(book, assessment, assessment.as_of, overrides)
        except InputError as error:
            raise UsageProblems([str(p) for p in error.problems]) from None
    if save is not None:
        _write_profile(book, assessment.profile, save)
        click.echo(f"saved the profile to {save}", err=True)
    return assessment


def _write_profile(book, profile, path: Path) -> None:  # type: ignore[no-untyped-def]
    from incentives.render.profile_toml import profile_to_toml

    text = profile_to_toml(profile, book.schema, f"Profile written by incentives on "
                           f"{date.today().isoformat()}; check it with: incentives check {path}")
    try:
        write_text(path, text)
    except OSError as error:
        raise UsageProblems([f"{path}: cannot write the file: {error.strerror}"]) from None


def _assess_profile(book, profile_path: Path, as_of: date, params: tuple[Assignment, ...]):  # type: ignore[no-untyped-def]
    from incentives.assessment.engine import assess

    overrides = _overrides(book, params)
    return assess(_profile(book, profile_path), book, as_of, overrides), overrides


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("rule_id")
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="For people, or JSON for programs.")
@param_option
@rules_option
def explain(profile: Path, rule_id: str, as_of: date, fmt: str, params: tuple[Assignment, ...],
            rules: tuple[Path, ...]) -> None:
    """Show why RULE_ID gives PROFILE what it gives: the condition as a tree, the
    parameters, the amount step by step, the split and instalments, the quote, the notes,
    and what would change the result."""
    from incentives.assessment.explain import explain as explain_rule
    from incentives.errors import UnknownRule

    book = _load(rules)
    assessment, overrides = _assess_profile(book, profile, as_of, params)
    try:
        explanation = explain_rule(assessment, book, rule_id, overrides)
    except UnknownRule as error:
        raise UsageProblems([f"RULE_ID: {error.message}{error.hint}"]) from None
    if fmt == "json":
        from incentives.model.jsonable import dumps
        from incentives.render.explain_json import explanation_to_dict

        payload = explanation_to_dict(explanation, book.schema)
        click.echo(dumps(payload, indent=2))
        return

    from incentives.render.explain import render_explanation

    console = _console(110)
    console.print(render_explanation(explanation, book.schema, book.param_names()))


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--set", "assignments", multiple=True, type=ASSIGNMENT, metavar="FACT=VALUE",
              required=True,
              help="Change a fact, written as in a profile file, e.g. grade=三级甲等 or "
                   "fixed_asset_investment=5000万; FACT= makes it unknown (repeatable).")
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="For people, or JSON for programs.")
@param_option
@rules_option
def whatif(profile: Path, assignments: tuple[Assignment, ...], as_of: date, fmt: str,
           params: tuple[Assignment, ...], rules: tuple[Path, ...]) -> None:
    """Assess PROFILE as it is and with the facts changed by --set, and show what changes,
    rule by rule and in the totals: before, after, difference."""
    from incentives.assessment.whatif import whatif as compare
    from incentives.errors import InputError

    book = _load(rules)
    overrides = _overrides(book, params)
    changes, problems = read_assignments("--set", assignments, "FACT=VALUE, e.g. grade=三级甲等")
    changes = {name: value.strip() for name, value in changes.items()}
    if problems:
        raise UsageProblems(problems)
    try:
        result = compare(_profile(book, profile), book, as_of, changes, overrides)
    except InputError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None
    if fmt == "json":
        from incentives.model.jsonable import dumps
        from incentives.render.explain_json import whatif_to_dict

        click.echo(dumps(whatif_to_dict(result), indent=2))
        return

    from incentives.render.explain import render_whatif

    _console(110).print(render_whatif(result, book.schema))


@cli.command()
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="The language of the questions.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("profile.toml"), show_default=True, help="The profile file to write.")
@rules_option
def init(lang: str, output: Path, rules: tuple[Path, ...]) -> None:
    """Write a profile by answering questions: only what the loaded rules use, with the
    allowed values and units shown; each answer is checked as it is given."""
    from incentives.cli.prompts import questionnaire
    from incentives.errors import InputError

    book = _load(rules)
    if output.exists() and not click.confirm(f"{output} exists; replace it?", default=False):
        raise UsageProblems([f"{output}: exists; not replaced (choose another with -o)"])
    try:
        profile = questionnaire(book, lang)
    except InputError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None
    _write_profile(book, profile, output)
    click.echo(f"\nwrote {output}; assess it with: incentives check {output}")


def _cities(book, names: tuple[str, ...]) -> list[str]:  # type: ignore[no-untyped-def]
    from incentives.model.profile import convert

    chosen, problems = [], []
    for name in names:
        try:
            chosen.append(str(convert(book.schema["city"], name, book.cities)))
        except ValueError as error:
            problems.append(f"--city {name!r}: {error}")
    if problems:
        raise UsageProblems(problems)
    return chosen


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--city", "cities", multiple=True, help="Compare these cities (repeatable); "
              "default: every loaded city.")
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "html"]),
              default="table", show_default=True)
@output_options
@param_option
@rules_option
def compare(profile: Path, cities: tuple[str, ...], as_of: date, fmt: str,
            params: tuple[Assignment, ...], rules: tuple[Path, ...], output: Path | None,
            lang: str | None) -> None:
    """What each city would give the institution in PROFILE, side by side."""
    from incentives.assessment.compare import compare as compare_cities

    book = _load(rules)
    comparison = compare_cities(_profile(book, profile), book, as_of, _cities(book, cities),
                                _overrides(book, params))
    if fmt == "json":
        from incentives.model.jsonable import dumps
        from incentives.render.json import comparison_to_dict

        _emit(dumps(comparison_to_dict(comparison), indent=2), output)
        return
    if fmt in ("markdown", "html"):
        from incentives.render.document import comparison_blocks

        blocks = comparison_blocks(comparison, _lang(lang))
        _emit(_document(blocks, fmt, "incentives compare", _lang(lang)), output)
        return

    from incentives.render.compare import render_comparison

    _console(140).print(render_comparison(comparison, _lang(lang)))


@cli.group()
def rules() -> None:
    """List, show and check rule files."""


@rules.command("list")
@click.option("--city", "cities", multiple=True, help="Only these cities (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@rules_option
def rules_list(cities: tuple[str, ...], fmt: str, rules: tuple[Path, ...]) -> None:
    """Every loaded rule: id, provision, kind, document and article, dates, title."""
    from incentives.render.rules import rule_summaries

    book = _load(rules)
    chosen = _cities(book, cities)
    summaries = rule_summaries(book, chosen)
    if fmt == "json":
        from incentives.model.jsonable import dumps

        click.echo(dumps(summaries, indent=2))
        return

    from incentives.render.rules import render_list

    _console(160).print(render_list(summaries))


@rules.command("show")
@click.argument("rule_id")
@rules_option
def rules_show(rule_id: str, rules: tuple[Path, ...]) -> None:
    """A rule in full: quote, condition, figures, payers, dates, notes, where it is written."""
    from incentives.errors import did_you_mean
    from incentives.render.rules import render_rule

    book = _load(rules)
    versions = [r for r in book.all_rules() if r.id == rule_id]
    if not versions:
        hint = did_you_mean(rule_id, sorted({r.id for r in book.all_rules()}), 3)
        raise UsageProblems([f"no rule {rule_id!r}{hint}"])
    _console(120).print(render_rule(versions))


@rules.command("check")
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False,
                                                    path_type=Path))
@click.option("--no-bundled", is_flag=True, help="Check the folders without the bundled rules "
              "(which they may restate or extend).")
def rules_check(folders: tuple[Path, ...], no_bundled: bool) -> None:
    """Check rule folders (default: the bundled ones); every problem with file and line."""
    from incentives.errors import RuleFileError
    from incentives.load.rulebook import load_rulebook

    try:
        book = load_rulebook(list(folders) or None, bundled=not no_bundled)
    except RuleFileError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None
    count = len(book.all_rules())
    places = len(book.cities) + len(book.layers)
    click.echo(f"ok: {count} rules in {places} jurisdictions, "
               f"{len(book.param_names())} parameters")


def main() -> None:
    """Run the command line; a bug exits 1 with a short message (a traceback with --debug)."""
    try:
        cli.main(standalone_mode=False)
    except Failed as error:
        error.show()
        # A dead worker leaves the process pool broken; its exit hook would print a
        # traceback ('Exception ignored in: threading'). Outputs are already as they were.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(error.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort as error:
        if isinstance(error.__context__, EOFError):  # a prompt found no more input
            UsageProblems(["standard input ended before every question was answered"]).show()
            sys.exit(2)
        click.echo("Aborted.", err=True)
        sys.exit(130)  # interrupted (Ctrl-C), as a shell reports it
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:  # a bug: say so briefly, unless asked for the traceback
        if "--debug" in sys.argv:
            raise
        what = f"{type(error).__name__}: {error}"
        what = what if len(what) <= 300 else what[:299] + "…"
        version, where = _about_this_program()
        click.echo(f"incentives: internal error: {what}\n"
                   + ISSUES_HINT.format(version=version, where=where), err=True)
        sys.exit(1)


def _about_this_program() -> tuple[str, str]:
    """The installed version, and where to report a bug: the Issues link of the package's
    metadata ([project.urls] in pyproject.toml), else its maintainers."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        about = metadata("incentives")
    except PackageNotFoundError:
        return "(not installed)", "the maintainers of incentives"
    for entry in about.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("issues", "bug tracker", "bugs"):
            return about["Version"], url.strip()
    return about["Version"], "the maintainers of incentives"

