"""Shell completion of what a user types after a command: rule ids and provision codes,
facts and their values (`--set grade=三…`), cities, parameter names (`--param`).

Each is a click `shell_complete` callback. It reads the rule book the command would load
(the bundled rules and any `--rules` folders already typed) and never fails: a rule
folder that does not load completes nothing. Enable it with click's usual line, e.g.
`eval "$(_INCENTIVES_COMPLETE=bash_source incentives)"`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem


def _book(ctx: click.Context) -> Any:
    from incentives.errors import RuleFileError
    from incentives.load.rulebook import load_rulebook

    folders = [Path(p) for p in ctx.params.get("rules") or ()]
    try:
        return load_rulebook(folders or None, bundled=True)
    except (RuleFileError, OSError):
        return None


def _matching(words: dict[str, str], incomplete: str) -> list[CompletionItem]:
    folded = incomplete.casefold()
    return [CompletionItem(word, help=helptext) for word, helptext in words.items()
            if word.casefold().startswith(folded)]


def rule_ids(ctx: click.Context, _param: click.Parameter, incomplete: str
             ) -> list[CompletionItem]:
    """Every rule id and provision code, each with its Chinese title."""
    book = _book(ctx)
    if book is None:
        return []
    words: dict[str, str] = {}
    for rule in book.all_rules():
        words[rule.id] = rule.title.zh
        if rule.provision:
            words.setdefault(rule.provision, f"{rule.id} {rule.title.zh}")
    return _matching(words, incomplete)


def cities(ctx: click.Context, _param: click.Parameter, incomplete: str
           ) -> list[CompletionItem]:
    book = _book(ctx)
    if book is None:
        return []
    words = {city.id: city.name_zh for city in book.cities.values()}
    words |= {city.name_zh: city.id for city in book.cities.values()}
    return _matching(words, incomplete)


def fact_assignments(ctx: click.Context, _param: click.Parameter, incomplete: str
                     ) -> list[CompletionItem]:
    """`FACT=` for each fact a profile may give; after the `=`, the fact's values (enum
    values and their Chinese names, yes/no)."""
    book = _book(ctx)
    if book is None:
        return []
    name, sep, value = incomplete.partition("=")
    if not sep:
        return _matching({f"{n}=": f.zh for n, f in book.schema.facts.items()
                          if not f.derived}, incomplete)
    fact = book.schema.facts.get(name.strip())
    if fact is None:
        return []
    values: dict[str, str] = {}
    if fact.type == "enum":
        for alias, canonical in fact.aliases.items():
            values[f"{name}={canonical}"] = ""
            if not alias.isascii():
                values[f"{name}={alias}"] = canonical
    elif fact.type == "bool":
        values = {f"{name}={word}": "" for word in
                  ("true", "false", "是", "否", *fact.true_names, *fact.false_names)}
    return _matching(values, f"{name}={value}")


def param_assignments(ctx: click.Context, _param: click.Parameter, incomplete: str
                      ) -> list[CompletionItem]:
    book = _book(ctx)
    if book is None:
        return []
    return _matching({f"{name}=": "" for name in sorted(book.param_names())}, incomplete)
