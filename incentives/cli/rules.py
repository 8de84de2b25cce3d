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
def rules_check(folders: tuple[Path, ...], no_bundled: bool, with_bundled: bool) -> None:
    """Check rule folders (default: the bundled ones); every problem with file and line.

    The folders given are loaded beside the bundled rules they may restate, and only their
    own rules are counted unless --with-bundled."""
    from incentives.errors import RuleFileError
    from incentives.load.rulebook import load_rulebook

    if no_bundled and with_bundled:
        raise UsageProblems(["--no-bundled and --with-bundled contradict each other"])
    try:
        book = load_rulebook(list(folders) or None, bundled=not no_bundled)
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
    click.echo(f"ok: {_count(len(checked), 'rule')} in {_count(len(places), 'jurisdiction')} "
               f"({where}), {_count(len(book.param_names()), 'parameter')}")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
