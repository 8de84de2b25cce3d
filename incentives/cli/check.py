"""`incentives check`: assess one profile, report it (table, JSON, Markdown or HTML) with
what is within reach; `--ask` for the missing facts, `--save` to keep the answers."""

# Imports of the engine, the loaders and the renderers are inside functions, for start-up
# time (`incentives check --format json` never imports rich).

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from incentives.cli.assign import Assignment
from incentives.cli.common import (
    as_of_option,
    emit,
    emit_console,
    load_rules,
    make_console,
    output_options,
    param_option,
    param_overrides,
    parse_profile_at,
    read_profile_data,
    render_document,
    report_lang,
    rules_option,
    write_profile,
)


@click.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "html"]),
              default="table", show_default=True,
              help="Report for people, the JSON contract for programs, or a report to send.")
@output_options
@param_option
@click.option("--ask", is_flag=True,
              help="Ask, one at a time, for the facts whose answer can change a result, "
                   "assessing again after each; if interrupted, offers to save the answers.")
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the profile (with the answers given to --ask) to FILE, as TOML.")
@rules_option
def check(profile: Path, as_of: date, fmt: str, params: tuple[Assignment, ...],
          rules: tuple[Path, ...], ask: bool = False, save: Path | None = None,
          output: Path | None = None, lang: str | None = None) -> None:
    """Assess the institution described in PROFILE (a TOML or JSON file)."""
    from incentives.assessment.engine import assess

    raw = read_profile_data(profile)
    book = load_rules(rules)
    overrides = param_overrides(book, params)
    assessment = assess(parse_profile_at(book, profile, raw), book, as_of, overrides)
    if ask or save:
        assessment = _ask_and_save(book, assessment, overrides, ask, save, profile,
                                   report_lang(lang))
    if fmt == "json":
        emit(_check_json(book, assessment, overrides), output)
        return
    if fmt in ("markdown", "html"):
        from incentives.assessment.reach import within_reach
        from incentives.render.document import assessment_blocks

        blocks = assessment_blocks(assessment, book.schema, report_lang(lang),
                                   within_reach(assessment, book, overrides))
        emit(render_document(blocks, fmt, assessment.profile.name or "incentives",
                             report_lang(lang)), output)
        return

    from incentives.render.table import print_report

    console = make_console(110, to_file=output is not None)
    print_report(assessment, book.schema, console, report_lang(lang))
    _print_reach(book, assessment, overrides, console, report_lang(lang))
    emit_console(console, output)


def _check_json(book, assessment, overrides) -> str:  # type: ignore[no-untyped-def]
    from incentives.assessment.reach import within_reach
    from incentives.model.jsonable import dumps
    from incentives.render.json import assessment_to_dict
    from incentives.render.reach_json import reach_to_dict

    payload = assessment_to_dict(assessment)
    payload["within_reach"] = reach_to_dict(within_reach(assessment, book, overrides),
                                            book.schema)
    return dumps(payload, indent=2)


def _print_reach(book, assessment, overrides, console, lang: str) -> None:  # type: ignore[no-untyped-def]
    from incentives.assessment.reach import within_reach
    from incentives.render.explain import render_reach

    reaches = within_reach(assessment, book, overrides)
    if reaches:
        console.print(render_reach(reaches, book.schema, lang))


def _ask_and_save(book, assessment, overrides, ask: bool, save: Path | None,  # type: ignore[no-untyped-def]
                  profile: Path, lang: str):
    if ask:
        from incentives.cli.prompts import ask_missing

        asked = ask_missing(book, assessment, overrides, lang)
        assessment = asked.assessment
        if asked.interrupted and save is None and asked.answered:
            save = _offer_to_save(profile, asked.answered, lang)
    if save is not None:
        write_profile(book, assessment.profile, save)
        click.echo(f"已将档案保存到 {save}" if lang == "zh" else f"saved the profile to {save}",
                   err=True)
    return assessment


def _offer_to_save(profile: Path, answered: int, lang: str) -> Path | None:
    """Where to keep the answers of an interrupted --ask (beside the profile, never over
    it); yes if it can't be asked (the input has ended)."""
    target = profile.with_name(f"{profile.stem}.answered.toml")
    question = (f"已回答 {answered} 项，是否连同档案保存到 {target}？" if lang == "zh" else
                f"save the profile with the {answered} answers given to {target}?")
    try:
        keep = click.confirm(question, default=True, err=True)
    except click.Abort:
        keep = True
    return target if keep else None
