"""Writing a profile as TOML: flat scalar values only, which is all a profile holds.

tomli-w writes the TOML (strings escaped as TOML requires, dates bare ISO). Exact amounts
are written as quoted plain numbers ("86500000"), which the profile reader turns back into
the same Decimal; TOML's own floats would not be exact. Derived facts (worked out on
reading) are left out.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import tomli_w

from incentives.model.facts import FactSchema
from incentives.model.profile import Profile


def toml_ready(value: object) -> object:
    """One fact's value as tomli-w should write it: a Decimal as its plain-number text."""
    if isinstance(value, datetime):
        raise TypeError("a profile holds dates, not dates with times")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("not a finite number")
        integral = value == value.to_integral_value()
        return f"{value.to_integral_value() if integral else value.normalize():f}"
    if isinstance(value, (bool, int, str, date)):
        return value
    raise TypeError(f"cannot write a {type(value).__name__} to a profile")


def profile_to_toml(profile: Profile, schema: FactSchema, comment: str = "") -> str:
    """The profile's facts, one `key = value` a line, in the schema's order."""
    order = {name: index for index, name in enumerate(schema.facts)}
    names = sorted(profile.facts, key=lambda n: (order.get(n, len(order)), n))
    table = {name: toml_ready(profile.facts[name]) for name in names
             if not (name in schema and schema[name].derived) and name not in profile.implied}
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    return "\n".join([*lines, tomli_w.dumps(table)]).rstrip("\n") + "\n"
