"""Writing a profile as TOML: flat scalar values only, which is all a profile holds.

The standard library reads TOML but does not write it. Strings are basic strings with
every character TOML requires escaped; booleans bare; dates bare ISO; exact amounts as
quoted plain numbers ("86500000"), which the profile reader turns back into the same
Decimal. Derived facts (worked out on reading) are left out.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from incentives.model.facts import FactSchema
from incentives.model.profile import Profile

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_string(key)


def toml_value(value: object) -> str:
    """One scalar as TOML: bool, date, Decimal (quoted plain number), int or text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        raise TypeError("a profile holds dates, not dates with times")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("not a finite number")
        integral = value == value.to_integral_value()
        return toml_string(f"{value.to_integral_value() if integral else value.normalize():f}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    raise TypeError(f"cannot write a {type(value).__name__} to a profile")


def profile_to_toml(profile: Profile, schema: FactSchema, comment: str = "") -> str:
    """The profile's facts, one `key = value` a line, in the schema's order."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    order = {name: index for index, name in enumerate(schema.facts)}
    for name in sorted(profile.facts, key=lambda n: (order.get(n, len(order)), n)):
        if name in schema and schema[name].derived:
            continue
        lines.append(f"{toml_key(name)} = {toml_value(profile.facts[name])}")
    return "\n".join(lines) + "\n"
