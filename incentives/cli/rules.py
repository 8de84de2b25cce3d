"""`incentives rules`: list, show and check rule files."""

# Imports of the engine, the loaders and the renderers are inside functions, for start-up
# time (`incentives check --format json` never imports rich).

from __future__ import annotations

from pathlib import Path

import click

from incentives.cli.common import (
    UsageProblems,
    choose_cities,
    completes,
    lang_option,
    load_rules,
    make_console,
    report_lang,
    rules_option,
)


@click.group()
def rules() -> None:
    """List, show and check rule files."""


@rules.command("list")
@click.option("--city", "cities", multiple=True, shell_complete=completes("cities"),
              help="Only these cities (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@rules_option
def rules_list(cities: tuple[str, ...], fmt: str, rules: tuple[Path, ...]) -> None:
    """Every loaded rule: id, provision, kind, document and article, dates, title."""
    from incentives.render.rules import rule_summaries

    book = load_rules(rules)
    chosen = choose_cities(book, cities)
    summaries = rule_summaries(book, chosen)
    if fmt == "json":
        from incentives.model.jsonable import dumps

        click.echo(dumps(summaries, indent=2))
        return

    from incentives.render.rules import render_list

    make_console(160).print(render_list(summaries))


@rules.command("show")
@click.argument("rule_id", shell_complete=completes("rule_ids"))
@lang_option
@rules_option
def rules_show(rule_id: str, rules: tuple[Path, ...], lang: str | None = None) -> None:
    """A rule in full (by its id or provision code): quote, condition, figures, payers,
    dates, notes, where it is written."""
    from incentives.errors import did_you_mean
    from incentives.render.rules import render_rule

    book = load_rules(rules)
    from incentives.assessment.explain import names_rule

    versions = [r for r in book.all_rules() if names_rule(r, rule_id)]
    if not versions:
        hint = did_you_mean(rule_id, sorted({r.id for r in book.all_rules()}), 3)
        raise UsageProblems([f"no rule {rule_id!r}{hint}"])
    make_console(120).print(render_rule(versions, report_lang(lang)))


@rules.command("check")
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False,
                                                    path_type=Path))
@click.option("--no-bundled", is_flag=True, help="Load the folders without the bundled rules "
              "(which they may restate or extend).")
@click.option("--with-bundled", is_flag=True, help="Report on the bundled rules too, not only "
              "on the folders given.")
@click.option("--strict", is_flag=True, help="Treat every quote warning as an error (exit 2).")
def rules_check(folders: tuple[Path, ...], no_bundled: bool, with_bundled: bool,
                strict: bool) -> None:
    """Check rule folders (default: the bundled ones); every problem with file and line.

    The folders given are loaded beside the bundled rules they may restate, and only their
    own rules are counted unless --with-bundled. Each figure of a rule that its quote does
    not give, and each number of a quote the rule does not use, is a warning (an error
    with --strict)."""
    from incentives.errors import RuleFileError
    from incentives.load.rulebook import load_rulebook

    if no_bundled and with_bundled:
        raise UsageProblems(["--no-bundled and --with-bundled contradict each other"])
    try:
        # an edited copy of a bundled city is checked in its place, as `rules test` runs it
        book = load_rulebook(list(folders) or None, bundled=not no_bundled, replacing=True)
    except RuleFileError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None
    checked = book.all_rules()
    if folders and not with_bundled:
        roots = [folder.resolve() for folder in folders]
        checked = [r for r in checked if any(Path(r.file).resolve().is_relative_to(root)
                                              for root in roots)]
    places = {r.city for r in checked}
    where = ", ".join(str(folder) for folder in folders) if folders else "the bundled rules"
    if with_bundled and folders:
        where += " and the bundled rules"
    from incentives.assessment.quotes import quote_warnings

    warnings = [str(w) for rule in checked for w in quote_warnings(rule)]
    if strict and warnings:
        raise UsageProblems(warnings, heading="the quotes do not bear out the rules")
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    said = f", {_count(len(warnings), 'quote warning')}" if warnings else ""
    click.echo(f"ok: {_count(len(checked), 'rule')} in {_count(len(places), 'jurisdiction')} "
               f"({where}), {_count(len(book.param_names()), 'parameter')}{said}")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@rules.command("test")
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False,
                                                    path_type=Path))
@click.option("--coverage", is_flag=True, help="Also report, rule by rule, which amount "
              "cases, condition checks (true and false), notes and schedule entries no "
              "case exercises.")
@click.option("--properties", is_flag=True, help="Also check every threshold of every rule "
              "around the cases where it applies: it decides at its bound, splits add up, "
              "ranges hold their completions, monotone_in holds (Hypothesis).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="The coverage as a table, or as JSON.")
def rules_test(folders: tuple[Path, ...], coverage: bool, properties: bool, fmt: str
               ) -> None:
    """Run the cases in each rule folder's tests/*.toml (default: the bundled folders'):
    every failure as expected vs got, with the rule's explain. A folder of a bundled city
    (an edited copy) is tested in place of the bundled one. Exit 1 if a case fails, 2 if a
    case file can't be used."""
    from incentives.assessment.cases import run_case
    from incentives.errors import RuleFileError, RuleProblem
    from incentives.load.cases import case_files, load_cases
    from incentives.load.rulebook import bundled_rules_dir, load_rulebook

    try:  # a copy of a bundled city, edited, is tested in its place
        book = load_rulebook(list(folders) or None, bundled=True, replacing=True)
    except RuleFileError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None
    problems: list[RuleProblem] = []
    files = [path for folder in (folders or (bundled_rules_dir(),))
             for path in case_files(folder)]
    cases = [case for path in files for case in load_cases(path, problems)]
    if problems:
        raise UsageProblems([str(p) for p in problems])
    if not cases:
        raise UsageProblems(["no cases: a rule folder's cases are its tests/*.toml files"])
    outcomes = [run_case(case, book) for case in cases]
    console = make_console(110)
    if not (coverage and fmt == "json"):
        for outcome in outcomes:
            _show_outcome(outcome, book, console)
    failed = sum(not o.passed for o in outcomes)
    click.echo(f"{len(outcomes)} cases in {len(files)} files: {len(outcomes) - failed} "
               f"passed, {failed} failed", err=coverage and fmt == "json")
    if coverage:
        _show_coverage(book, folders, outcomes, fmt, console)
    if properties and not _show_properties(book, folders, outcomes):
        failed += 1
    if any(o.unusable for o in outcomes):
        raise UsageProblems([f"{o.case.file}:{o.case.line}: case {o.case.name!r}: {p}"
                             for o in outcomes for p in o.unusable])
    if failed:
        raise click.exceptions.Exit(1)


def _folder_rules(book, folders: tuple[Path, ...]) -> list:  # type: ignore[no-untyped-def,type-arg]
    """The rules of the folders given (default: the bundled ones)."""
    from incentives.load.rulebook import bundled_rules_dir

    roots = [folder.resolve() for folder in folders] or [bundled_rules_dir().resolve()]
    return [r for r in book.all_rules()
            if any(Path(r.file).resolve().is_relative_to(root) for root in roots)]


def _show_properties(book, folders, outcomes) -> bool:  # type: ignore[no-untyped-def]
    """Each bound's checks, a failure with the profile that shows it; True if all held."""
    import tomli_w

    from incentives.assessment.properties import check_rules

    report = check_rules(_folder_rules(book, folders), outcomes, book)
    for finding in report.findings:
        mark = "✓" if finding.passed else "✗"
        click.echo(f"{mark} {finding.rule} · {finding.check}: {finding.detail}")
        if finding.profile is not None:
            case = {"name": f"{finding.rule}: {finding.check}", "as_of": finding.as_of,
                    "profile": finding.profile}
            click.echo("  a case that shows it (paste into tests/*.toml and state what "
                       "it should give):\n  [[case]]\n" + "".join(
                           f"  {line}\n" for line in tomli_w.dumps(case).splitlines()))
    for rule_id in report.unseeded:
        click.echo(f"- {rule_id}: no case where it applies; its bounds are not checked")
    held = len(report.findings) - len(report.failed)
    click.echo(f"properties: {held} of {len(report.findings)} checks held")
    return not report.failed


def _show_coverage(book, folders, outcomes, fmt: str, console) -> None:  # type: ignore[no-untyped-def]
    from incentives.assessment.coverage import coverage

    found = coverage(_folder_rules(book, folders), outcomes)
    if fmt == "json":
        from incentives.model.jsonable import dumps

        click.echo(dumps([entry.to_dict() for entry in found], indent=2))
        return
    from rich.table import Table

    table = Table(title="Coverage: what the cases exercise")
    table.add_column("rule", no_wrap=True)
    table.add_column("%", justify="right")
    table.add_column("not exercised by any case", overflow="fold")
    for entry in found:
        table.add_row(entry.rule.id, str(entry.percent()), "; ".join(entry.missed()) or "—")
    console.print(table)
    total = sum(len(e.parts()) for e in found)
    missed = sum(len(e.missed()) for e in found)
    click.echo(f"coverage: {total - missed} of {total} parts of {len(found)} rules "
               f"({100 * (total - missed) // max(total, 1)}%)")


def _show_outcome(outcome, book, console) -> None:  # type: ignore[no-untyped-def]
    case = outcome.case
    if outcome.passed:
        click.echo(f"✓ {case.name}")
        return
    click.echo(f"✗ {case.name}  ({case.file}:{case.line})")
    for m in outcome.mismatches:
        click.echo(f"    {m.rule}: {m.key}: expected {_shown(m.expected)}, got {_shown(m.got)}")
    if outcome.assessment is None:
        return
    from incentives.assessment.explain import explain
    from incentives.render.explain import render_explanation

    for rule_id in dict.fromkeys(m.rule for m in outcome.mismatches if m.key != "rule"):
        explanation = explain(outcome.assessment, book, rule_id, outcome.overrides)
        console.print(render_explanation(explanation, book.schema, book.param_names()))


def _shown(value: object) -> str:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    return str(value)
