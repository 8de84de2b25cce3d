"""NAME=VALUE options (`--param`, `--set`): one click parameter type for both.

The type never stops the command at the first bad item: a malformed one is kept, marked,
and `read_assignments` reports every malformed item of an option at once, as every other
problem of the input is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from incentives.errors import Problem


@dataclass(frozen=True)
class Assignment:
    """One NAME=VALUE as given; `name` is empty when the text has no '=' or no name."""

    text: str
    name: str
    value: str


if TYPE_CHECKING:  # click's ParamType is generic in its stubs from 8.2 on, not at run time
    _Base = click.ParamType[Assignment, str]
else:
    _Base = click.ParamType


class AssignmentType(_Base):
    """click type for NAME=VALUE (the name stripped; the value as written)."""

    name = "NAME=VALUE"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Assignment:
        if isinstance(value, Assignment):
            return value
        name, sep, text = str(value).partition("=")
        return Assignment(str(value), name.strip() if sep else "", text)


ASSIGNMENT = AssignmentType()


def read_assignments(option: str, items: tuple[Assignment, ...], shape: str,
                     names: set[str] | None = None, shape_zh: str = "",
                     ) -> tuple[dict[str, str], list[Problem]]:
    """The items as {name: value}, and a problem for each malformed item or unknown name.

    `shape` says how to write one ("FACT=VALUE, e.g. grade=三级甲等"), `shape_zh` in
    Chinese; with `names`, a name not among them is a problem too."""
    values: dict[str, str] = {}
    problems: list[Problem] = []
    for item in items:
        if not item.name or (names is not None and item.name not in names):
            problems.append(Problem(f"{option} {item.text!r}", f"write {shape}",
                                    f"请写成 {shape_zh or shape}"))
            continue
        values[item.name] = item.value
    return values, problems
