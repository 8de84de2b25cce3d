"""`incentives schema`: the JSON Schema of each file of a rule folder, and of a profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from incentives.cli.common import UsageProblems, load_rules, rules_option

KINDS = {"rules": "a rule file ([[rule]] tables)", "city": "a folder's city.toml",
         "facts": "a facts.toml", "params": "a parameter file (params/*.toml)"}


@click.group()
def schema() -> None:
    """Print the JSON Schema of a rule folder's files or of a profile (for taplo and
    editors; schemas/ holds them, and each bundled file names its own in a #:schema line)."""


def _show(document: dict[str, Any]) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _file_command(kind: str, what: str) -> None:
    @schema.command(kind, help=f"The JSON Schema of {what}.")
    def command() -> None:
        from incentives.load.schema import json_schema

        _show(json_schema(kind))


for _kind, _what in KINDS.items():
    _file_command(_kind, _what)


@schema.command("profile")
@click.option("--city", help="Only the facts a profile of this city (its id) may give.")
@rules_option
def profile(city: str | None, rules: tuple[Path, ...]) -> None:
    """The JSON Schema of a profile: each fact's names, type, values and unit."""
    from incentives.render.profile_schema import profile_schema

    book = load_rules(rules)
    if city is not None and city not in book.cities:
        raise UsageProblems([f"--city {city!r}: not a loaded city; one of "
                             f"{', '.join(book.cities)}"])
    _show(profile_schema(book, city))
