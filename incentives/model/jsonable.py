"""The one JSON encoding of the project's values, for `check`, `explain`, `whatif`,
`compare`, batch JSON Lines and the batch summary alike.

Amounts are strings in yuan with two decimals ("960000.00"); other numbers exact strings
in their shortest plain form ("10000000", "0.4"); dates ISO;
texts {zh, en}; sets sorted lists. No float ever: a JSON number would not be exact.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from incentives.model.conditions import Step
from incentives.model.money import to_fen
from incentives.model.rule import Text


def money(amount: Decimal | None) -> str | None:
    """Yuan with two decimals, rounded to the fen as every amount is."""
    return None if amount is None else f"{to_fen(amount):f}"


def number(value: Decimal) -> str:
    """An exact number in its shortest plain form: "10000000", "0.03" (not "1E+7", "0.0300")."""
    return f"{value.normalize():f}"


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def text(value: Text | None) -> dict[str, str] | None:
    return None if value is None else {"zh": value.zh, "en": value.en}


def plain(value: Any) -> Any:
    """A fact or step value as JSON: numbers exact strings, dates ISO, sets sorted lists."""
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set | tuple | list):
        return sorted(plain(v) for v in value)
    return value


def dumps(value: Any, indent: int | None = None) -> str:
    """json.dumps with the project's encoding of Decimals and dates, Chinese kept as is."""
    return json.dumps(value, ensure_ascii=False, indent=indent, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return plain(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def step_to_dict(step: Step) -> dict[str, Any]:
    """A condition node: its expression, the values it read, its outcome, its children;
    a named condition (op "named") with its label."""
    return {
        "expr": step.text,
        "op": step.op,
        "outcome": step.outcome,
        "decisive": step.decisive,
        "values": {name: plain(value) for name, value in step.values.items()},
        "children": [step_to_dict(child) for child in step.children],
        "label": {"zh": step.label[0], "en": step.label[1]} if step.label else None,
    }
