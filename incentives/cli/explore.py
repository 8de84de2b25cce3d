"""`incentives explain`, `whatif` and `compare`: why a rule gives what it gives, what
changing facts would change, and what each city would give."""

# Imports of the engine, the loaders and the renderers are inside functions, for start-up
# time (`incentives check --format json` never imports rich).

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from incentives.cli.assign import ASSIGNMENT, Assignment, read_assignments
from incentives.cli.common import (
    UsageProblems,
    as_of_option,
    choose_cities,
    completes,
    emit,
    emit_console,
    lang_option,
    load_rules,
    make_console,
    output_options,
    param_option,
    param_overrides,
    parse_profile_at,
    render_document,
    report_lang,
    rules_option,
)


def _assess_profile(book, profile_path: Path, as_of: date, params: tuple[Assignment, ...]):  # type: ignore[no-untyped-def]
    from incentives.assessment.engine import assess

    overrides = param_overrides(book, params)
    return assess(parse_profile_at(book, profile_path), book, as_of, overrides), overrides


@click.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("rule_id", shell_complete=completes("rule_ids"))
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="For people, or JSON for programs.")
@param_option
@lang_option
@rules_option
def explain(profile: Path, rule_id: str, as_of: date, fmt: str, params: tuple[Assignment, ...],
            rules: tuple[Path, ...], lang: str | None = None) -> None:
    """Show why RULE_ID (a rule's id, or its provision code as reports print it: ZZ-2) gives
    PROFILE what it gives: the condition as a tree, the
    parameters, the amount step by step, the split and instalments, the quote, the notes,
    and what would change the result."""
    from incentives.assessment.explain import explain as explain_rule
    from incentives.errors import UnknownRule

    book = load_rules(rules)
    assessment, overrides = _assess_profile(book, profile, as_of, params)
    try:
        explanation = explain_rule(assessment, book, rule_id, overrides)
    except UnknownRule as error:
        from incentives.errors import Problem, zh_hint

        raise UsageProblems([Problem("RULE_ID", f"{error.message}{error.hint}",
                                     f"{error.zh}{zh_hint(error.hint)}")]) from None
    if fmt == "json":
        from incentives.model.jsonable import dumps
        from incentives.render.explain_json import explanation_to_dict

        payload = explanation_to_dict(explanation, book.schema)
        click.echo(dumps(payload, indent=2))
        return

    from incentives.render.explain import render_explanation

    console = make_console(110)
    console.print(render_explanation(explanation, book.schema, book.param_names(),
                                     report_lang(lang)))


@click.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--set", "assignments", multiple=True, type=ASSIGNMENT, metavar="FACT=VALUE",
              shell_complete=completes("fact_assignments"),
              required=True,
              help="Change a fact, written as in a profile file, e.g. grade=三级甲等 or "
                   "fixed_asset_investment=5000万; FACT= makes it unknown (repeatable).")
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="For people, or JSON for programs.")
@param_option
@lang_option
@rules_option
def whatif(profile: Path, assignments: tuple[Assignment, ...], as_of: date, fmt: str,
           params: tuple[Assignment, ...], rules: tuple[Path, ...], lang: str | None = None
           ) -> None:
    """Assess PROFILE as it is and with the facts changed by --set, and show what changes,
    rule by rule and in the totals: before, after, difference."""
    from incentives.assessment.whatif import whatif as compare
    from incentives.errors import InputError

    book = load_rules(rules)
    overrides = param_overrides(book, params)
    changes, problems = read_assignments("--set", assignments, "FACT=VALUE, e.g. grade=三级甲等",
                                           shape_zh="项名=值，如 grade=三级甲等")
    changes = {name: value.strip() for name, value in changes.items()}
    if problems:
        raise UsageProblems(problems)
    try:
        result = compare(parse_profile_at(book, profile), book, as_of, changes, overrides)
    except InputError as error:
        raise UsageProblems(error.problems) from None
    if fmt == "json":
        from incentives.model.jsonable import dumps
        from incentives.render.explain_json import whatif_to_dict

        click.echo(dumps(whatif_to_dict(result), indent=2))
        return

    from incentives.render.explain import render_whatif

    make_console(110).print(render_whatif(result, book.schema, report_lang(lang)))


@click.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--city", "cities", multiple=True, shell_complete=completes("cities"),
              help="Compare these cities (repeatable); "
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

    book = load_rules(rules)
    comparison = compare_cities(parse_profile_at(book, profile), book, as_of,
                                choose_cities(book, cities), param_overrides(book, params))
    if fmt == "json":
        from incentives.model.jsonable import dumps
        from incentives.render.json import comparison_to_dict

        emit(dumps(comparison_to_dict(comparison), indent=2), output)
        return
    if fmt in ("markdown", "html"):
        from incentives.render.document import comparison_blocks
        from incentives.render.words import label

        blocks = comparison_blocks(comparison, book.schema, report_lang(lang))
        title = label("compare_title", report_lang(lang))
        emit(render_document(blocks, fmt, title, report_lang(lang)), output)
        return

    from incentives.render.compare import render_comparison

    console = make_console(140, to_file=output is not None)
    console.print(render_comparison(comparison, book.schema, report_lang(lang)))
    emit_console(console, output)
