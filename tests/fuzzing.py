"""Hypothesis strategies for hostile and malformed input: profiles, rule files, TOML text.

Shared by tests/test_fuzz.py and tests/test_hostile.py. The values are JSON- and TOML-like
(what a file can hold) and lean towards what has broken parsers before: numbers too long
for `int()`, keys dotted thousands deep, brackets nested past the limits, text that looks
like an amount or a date and isn't, control characters, surrogates.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from incentives.load.facts import load_base_schema

SCHEMA = load_base_schema()
PROFILE_KEYS = sorted(SCHEMA.facts)

# Text that a converter has to think about: amounts, rates, dates, names, near misses.
TRICKY_TEXT = [
    "", " ", "\t", "8000万", "1.2亿", "1.2%", "-1", "0", "1e400", "1E+30", "NaN", "inf",
    "-0", "1,000,000", "1,00", "3,000,000 元", "５０００万", "八千万", "9" * 24, "9" * 25,
    "9" * 24 + "亿", "0." + "0" * 30 + "1", "三级甲等", "四级甲等", "郑州", "郑州市", "包头",
    "金水区", "高新区", "朝阳区", "社会办", "营利性", "非营利性", "是", "否", "maybe",
    "2024-02-29", "2023-02-29", "2024-02-30", "2024年2月29日", "2024年13月1日",
    "2024-02-29T00:00:00", "0001-01-01", "9999-12-31", "\x00", "\u202e", "'", '"', "\\",
    "__import__('os')", "().__class__", "{}", "[]", "null", "true", "True",
]
TRICKY_INTS = [0, -1, 10**23, 10**24 - 1, 10**24, -(10**24), 2**63, 10**4000]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(TRICKY_INTS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.text(max_size=20),
    st.sampled_from(TRICKY_TEXT),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=6) | st.sampled_from(PROFILE_KEYS), inner, max_size=3),
    max_leaves=8,
)
keys = st.sampled_from(PROFILE_KEYS) | st.text(max_size=12)


@st.composite
def raw_profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A mapping as a profile file may hold it: mostly real keys, any values."""
    raw: dict[str, Any] = draw(st.dictionaries(keys, values, max_size=8))
    if draw(st.booleans()):
        raw["city"] = draw(st.sampled_from(["zhengzhou", "郑州", "包头市", "baotou"]) | values)
    return raw


@st.composite
def cell_profiles(draw: st.DrawFn) -> dict[str, str]:
    """A profile as a CSV row gives it: every cell a string, an empty cell unknown."""
    cells = st.sampled_from(TRICKY_TEXT) | st.text(max_size=20)
    raw: dict[str, str] = draw(st.dictionaries(st.sampled_from(PROFILE_KEYS), cells, max_size=10))
    raw.setdefault("city", draw(st.sampled_from(["郑州", "包头", "zhengzhou", "", "上海"])))
    return raw


# --- TOML text ------------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """A Python value as TOML (None, which TOML lacks, as an empty string)."""
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**4000 else "9" * 5000
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, Decimal):
        return str(value) if "E" not in str(value) and "." in str(value) else f'"{value}"'
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }"
    raise TypeError(type(value))


def toml_document(raw: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(key)} = {toml_value(value)}\n" for key, value in raw.items())


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))


def json_document(raw: dict[str, Any]) -> str:
    return json.dumps(raw, default=json_default, ensure_ascii=False)


# Fragments of TOML that have broken parsers: a document is some of these, in any order.
TOML_FRAGMENTS = [
    'city = "郑州"',
    'city = "包头"',
    "fixed_asset_investment = " + "9" * 5000,
    "fixed_asset_investment = 1e400",
    "fixed_asset_investment = nan",
    "opened_on = 2024-02-29",
    "opened_on = 2024-02-29T08:00:00+08:00",
    "opened_on = 08:00:00",
    "name." + ".".join(["a"] * 3000) + " = 1",
    "city." + ".".join(["a"] * 3000) + " = 1",
    "[name." + ".".join(["b"] * 3000) + "]",
    "grade = " + "[" * 60 + "]" * 60,
    "kind = " + "{ a = " * 60 + "1" + " }" * 60,
    'grade = "' + "三" * 100_000 + '"',
    "[[rule]]",
    "[city]",
    '"" = 1',
    "x = '''\n'''",
]


@st.composite
def toml_texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(TOML_FRAGMENTS) | st.text(max_size=30), max_size=5))
    return "\n".join(parts) + "\n"


# --- expressions ----------------------------------------------------------------------------

EXPRESSION_TOKENS = [
    "newly_built", "for_profit", "fixed_asset_investment", "grade", "kind", "opened_on",
    "division_type", "sponsor", "lending_rate", "SHORTAGE_KINDS", "'3A'", "'三级甲等'",
    "'social'", "'general'", "5000万", "1.2%", "1亿", "9" * 24 + "亿", "0.5", "0", "1",
    "date('2024-02-29')", "and", "or", "not", "==", "!=", "<", "<=", ">", ">=", "in",
    "not in", "+", "-", "*", "/", "(", ")", "[", "]", ",", "min(", "max(", "date(",
    "**", ".", "__class__", "lambda", ":", "=", ":=", "if", "else", "for", "x", "'",
    "open(", "__import__(", "_n0", "\n", "#",
]
expressions = st.lists(st.sampled_from(EXPRESSION_TOKENS), min_size=1, max_size=12).map(" ".join)
number_expressions = st.lists(
    st.sampled_from(["fixed_asset_investment", "payroll_total", "1亿", "9" * 24 + "亿",
                     "0." + "0" * 22 + "1", "1.2%", "lending_rate"]),
    min_size=1, max_size=8,
).flatmap(lambda names: st.sampled_from(["*", "+", "-", "/"]).map(
    lambda op: f" {op} ".join(names)))
