"""`incentives init`: write a profile by answering questions at the terminal."""

# Imports of the engine, the loaders and the renderers are inside functions, for start-up
# time (`incentives check --format json` never imports rich).

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from incentives.cli.common import (
    UsageProblems,
    as_of_option,
    load_rules,
    rules_option,
    write_profile,
)


@click.command()
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="The language of the questions.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("profile.toml"), show_default=True, help="The profile file to write.")
@as_of_option
@rules_option
def init(lang: str, output: Path, as_of: date, rules: tuple[Path, ...]) -> None:
    """Write a profile by answering questions: after the city, only the facts whose answer
    can change a result under its rules on the as-of date, one at a time, with the allowed
    values and units shown; each answer is checked as it is given. If the input ends or
    you press Ctrl-C, it offers to save the answers given so far."""
    from incentives.cli.prompts import questionnaire

    book = load_rules(rules)
    zh = lang == "zh"
    if output.exists() and not click.confirm(
            f"{output} 已存在，是否替换？" if zh else f"{output} exists; replace it?",
            default=False):
        raise UsageProblems([f"{output}: 已存在，未替换（可用 -o 另选文件）" if zh else
                             f"{output}: exists; not replaced (choose another with -o)"])
    asked = questionnaire(book, lang, as_of)
    if asked.interrupted and not _keep(asked.answered, output, zh):
        raise click.Abort
    write_profile(book, asked.assessment.profile, output)
    click.echo(f"\n已写入 {output}；评估：incentives check {output}" if zh else
               f"\nwrote {output}; assess it with: incentives check {output}")


def _keep(answered: int, output: Path, zh: bool) -> bool:
    """Whether to save an interrupted questionnaire: asked, and yes if it can't be asked
    (the input has ended)."""
    try:
        return click.confirm(f"已回答 {answered} 项，是否保存到 {output}？" if zh else
                             f"save the {answered} answers given to {output}?", default=True)
    except click.Abort:
        return True
