"""The `incentives` command: parses arguments, calls the library, prints. Nothing else.

Exit status: 0 when the job is done (whatever the institution is eligible for), 2 when
the input can't be used (every problem listed, no traceback), 1 only for a bug.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

ISSUES_HINT = "This is a bug in incentives; please report it with the command you ran."


class UsageProblems(click.ClickException):
    """Unusable input: every problem on its own line, exit status 2."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo("incentives: the input can't be used:", err=True)
        for problem in self.problems:
            click.echo(f"  {problem}", err=True)


def _as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _load(rules: tuple[Path, ...]):  # type: ignore[no-untyped-def]
    from incentives.rulebook import RuleFileError, load_rulebook

    bundled = not click.get_current_context().meta.get("no_bundled", False)
    try:
        return load_rulebook(list(rules) or None, bundled=bundled)
    except RuleFileError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None


def _overrides(book, assignments: tuple[str, ...]) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    from incentives.money import MoneyError, parse_amount

    overrides, problems = {}, []
    for assignment in assignments:
        name, sep, text = assignment.partition("=")
        name = name.strip()
        if not sep or name not in book.params:
            known = ", ".join(sorted(book.params))
            problems.append(f"--param {assignment!r}: write NAME=VALUE with NAME one of {known}")
            continue
        try:
            overrides[name] = parse_amount(text)
        except MoneyError as error:
            problems.append(f"--param {name}: {text!r}: {error}")
    if problems:
        raise UsageProblems(problems)
    return overrides


def _profile(book, path: Path):  # type: ignore[no-untyped-def]
    from incentives.profile import InputError, parse_profile, read_profile_file

    try:
        return parse_profile(read_profile_file(path), book.schema, book.cities, str(path))
    except InputError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback if incentives hits a bug.")
@click.version_option(package_name="incentives")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """What China's policies for privately run hospitals give an institution, and why."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", callback=_as_of, help="Assess on this date (YYYY-MM-DD); default today.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Report for people, or the JSON contract for programs.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Override a dated parameter, e.g. lending_rate=4.35% (repeatable).")
@rules_option
def check(profile: Path, as_of: date, fmt: str, params: tuple[str, ...],
          rules: tuple[Path, ...]) -> None:
    """Assess the institution described in PROFILE (a TOML or JSON file)."""
    from incentives.engine import assess

    book = _load(rules)
    overrides = _overrides(book, params)
    assessment = assess(_profile(book, profile), book, as_of, overrides)
    if fmt == "json":
        from incentives.report import to_json

        click.echo(to_json(assessment))
        return
    from rich.console import Console

    from incentives.table import print_report

    print_report(assessment, book.schema, Console(width=None if sys.stdout.isatty() else 110))


def _cities(book, names: tuple[str, ...]) -> list[str]:  # type: ignore[no-untyped-def]
    from incentives.profile import convert

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
@click.option("--as-of", callback=_as_of, help="Assess on this date (YYYY-MM-DD); default today.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Override a dated parameter, e.g. lending_rate=4.35% (repeatable).")
@rules_option
def compare(profile: Path, cities: tuple[str, ...], as_of: date, fmt: str,
            params: tuple[str, ...], rules: tuple[Path, ...]) -> None:
    """What each city would give the institution in PROFILE, side by side."""
    from incentives.compare import compare as compare_cities

    book = _load(rules)
    comparison = compare_cities(_profile(book, profile), book, as_of, _cities(book, cities),
                                _overrides(book, params))
    if fmt == "json":
        import json

        from incentives.report import comparison_to_dict

        click.echo(json.dumps(comparison_to_dict(comparison), ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    from incentives.compare_table import render_comparison

    Console(width=None if sys.stdout.isatty() else 140).print(render_comparison(comparison))


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
    from incentives.rules_view import rule_summaries

    book = _load(rules)
    chosen = _cities(book, cities)
    summaries = rule_summaries(book, chosen)
    if fmt == "json":
        import json

        click.echo(json.dumps(summaries, ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    from incentives.rules_view import render_list

    Console(width=None if sys.stdout.isatty() else 160).print(render_list(summaries))


@rules.command("show")
@click.argument("rule_id")
@rules_option
def rules_show(rule_id: str, rules: tuple[Path, ...]) -> None:
    """A rule in full: quote, condition, figures, payers, dates, notes, where it is written."""
    import difflib

    from rich.console import Console

    from incentives.rules_view import render_rule

    book = _load(rules)
    versions = [r for r in book.all_rules() if r.id == rule_id]
    if not versions:
        close = difflib.get_close_matches(rule_id, sorted({r.id for r in book.all_rules()}), 3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageProblems([f"no rule {rule_id!r}{hint}"])
    Console(width=None if sys.stdout.isatty() else 120).print(render_rule(versions))


@rules.command("check")
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False,
                                                    path_type=Path))
@click.option("--no-bundled", is_flag=True, help="Check the folders without the bundled rules "
              "(which they may restate or extend).")
def rules_check(folders: tuple[Path, ...], no_bundled: bool) -> None:
    """Check rule folders (default: the bundled ones); every problem with file and line."""
    from incentives.rulebook import RuleFileError, load_rulebook

    try:
        book = load_rulebook(list(folders) or None, bundled=not no_bundled)
    except RuleFileError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None
    count = len(book.all_rules())
    places = len(book.cities) + len(book.layers)
    click.echo(f"ok: {count} rules in {places} jurisdictions, {len(book.params)} parameters")


def main() -> None:
    """Run the command line; a bug exits 1 with a short message (a traceback with --debug)."""
    try:
        cli.main(standalone_mode=False)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:  # a bug: say so briefly, unless asked for the traceback
        if "--debug" in sys.argv:
            raise
        click.echo(f"incentives: internal error: {type(error).__name__}: {error}\n{ISSUES_HINT}",
                   err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
