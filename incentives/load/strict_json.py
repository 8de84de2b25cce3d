"""Reading JSON strictly: exact decimals, and a key given twice in one object is an error.

Python's json keeps the last of two values for the same key without a word, so a profile
or registry row saying `"fixed_asset_investment": "8650万"` and later `"…": "1"` would be
assessed on 1 yuan. Every JSON a user gives (profiles, JSON Lines registries) is read here.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from incentives.errors import DuplicateKey
from incentives.model.profile import shown


def loads(text: str) -> Any:
    """json.loads(text) with decimals as Decimal; DuplicateKey (a ValueError) names a key
    given twice in one object, JSONDecodeError (also a ValueError) anything else."""
    return json.loads(text, parse_float=Decimal, object_pairs_hook=_unique)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for key, value in pairs:
        if key in table:
            raise DuplicateKey(f"key {shown(key)} is given twice in one object; "
                               "give each key once")
        table[key] = value
    return table
