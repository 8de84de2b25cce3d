"""`incentives init`: write a profile by answering questions at the terminal."""

# Imports of the engine, the loaders and the renderers are inside functions, for start-up
# time (`incentives check --format json` never imports rich).

from __future__ import annotations

from pathlib import Path

import click

from incentives.cli.common import UsageProblems, load_rules, rules_option, write_profile


@click.command()
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

    book = load_rules(rules)
    if output.exists() and not click.confirm(f"{output} exists; replace it?", default=False):
        raise UsageProblems([f"{output}: exists; not replaced (choose another with -o)"])
    try:
        profile = questionnaire(book, lang)
    except InputError as error:
        raise UsageProblems([str(p) for p in error.problems]) from None
    write_profile(book, profile, output)
    click.echo(f"\nwrote {output}; assess it with: incentives check {output}")
