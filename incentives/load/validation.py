"""Checking a rule folder's file against its schema (schema.py) before a reader reads it.

Every problem is recorded at its file and line, in the words the readers use, never in
pydantic's ("Input should be…"). A table that fails is taken out of the file's data, so
that the reader never reports it a second time: a [[rule]] is replaced by None, a fact or
a parameter is removed, and a city.toml that fails is not read at all. A text that passed
once is recorded in the cache (cache.py), and pydantic is imported only for a text the
cache does not know as valid.
"""

from __future__ import annotations

import functools
import re
import typing
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING, Any

from incentives.load.cache import record_valid
from incentives.load.source import SourceFile
from incentives.model.profile import shown

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic_core import ErrorDetails

Loc = tuple[int | str, ...]

# How each error pydantic reports is told. `{value}` is the value found, shown short.
WORDING = {
    "missing": "missing",
    "string_type": "must be text",
    "string_too_short": "must be non-empty text",
    "string_pattern_mismatch": "must be non-empty text",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "date_type": "{value} is not a date; write it bare, e.g. 2018-08-06",
    "list_type": "must be a list [ … ]",
    "dict_type": "must be a table {{ … }}",
    "model_type": "must be a table {{ … }}",
    "model_attributes_type": "must be a table {{ … }}",
    "literal_error": "{value} is not one of {expected}",
    "greater_than_equal": "{value} is below {ge}, the least allowed",
    "less_than_equal": "{value} is above {le}, the most allowed",
    "too_long": "has {actual_length} entries; at most {max_length} are allowed",
    "too_short": "needs at least {min_length} entries",
}
OTHERWISE = "is not written as docs/rule-format.md shows"
CITY_SECTIONS = "[city], [[documents]], [divisions], [constants] and [conditions]"


def validate(source: SourceFile) -> None:
    """Check the file's data against the schema of its kind; record every problem and take
    the tables that fail out of the data."""
    if source.data is None or source.valid or not source.kind:
        return
    from pydantic import ValidationError

    from incentives.load.schema import MODELS

    model = MODELS[source.kind]
    try:
        model.model_validate(source.data)
    except ValidationError as error:
        _report(source, model, error.errors(include_url=False))
        return
    record_valid(source.text, source.kind)


def _report(source: SourceFile, model: type[BaseModel], errors: list[ErrorDetails]) -> None:
    data = source.data or {}
    found = [(_without_tags(error["loc"]), error) for error in errors]
    units: dict[Loc, int] = {}
    groups: dict[Loc, int] = {}  # told table by table (in a city.toml, section by section)
    for loc, _ in found:
        units.setdefault(_unit(source.kind, loc), len(units))
        groups.setdefault(loc[:2] if source.kind == "city" else _unit(source.kind, loc),
                          len(groups))
    found.sort(key=lambda item: (groups[item[0][:2] if source.kind == "city" else
                                        _unit(source.kind, item[0])], *_order(*item)))
    for loc, error in found:
        source.problem(_line(source, loc, error["type"]),
                       _message(source.kind, data, model, loc, error))
    unknown = {loc for loc, error in found if error["type"] == "extra_forbidden"}
    _take_out(source, [unit for unit in units if not _only_unknown(unit, found)], unknown)


def _only_unknown(unit: Loc, found: list[tuple[Loc, ErrorDetails]]) -> bool:
    """Whether a table's only problems are unknown keys of its own: the reader then still
    reads the rest of it (and reports what else is wrong), without those keys."""
    return bool(unit) and all(error["type"] == "extra_forbidden" and len(loc) == len(unit) + 1
                              for loc, error in found if loc[:len(unit)] == unit)


def _without_tags(loc: tuple[int | str, ...]) -> Loc:
    from incentives.load.schema import TAG

    return tuple(part for part in loc if not (isinstance(part, str) and part.startswith(TAG)))


def _unit(kind: str, loc: Loc) -> Loc:
    """The table an error is in, which is taken out of the data: one [[rule]], one fact,
    one parameter; the whole of a city.toml."""
    if kind == "city":
        return ()
    if kind == "rules" and loc[:1] == ("rule",):
        return loc[:2] if len(loc) > 1 else loc
    return loc[:1]


def _order(loc: Loc, error: ErrorDetails) -> tuple[int, str]:
    """Within a table, as the readers list them: unknown keys by name, then missing keys."""
    if error["type"] == "extra_forbidden":
        return 0, str(loc[-1])
    return (1 if error["type"] == "missing" else 2), ""


def _take_out(source: SourceFile, units: list[Loc], unknown: set[Loc]) -> None:
    data = source.data or {}
    if () in units or (source.kind == "rules" and ("rule",) in units):
        source.data = None
        return
    for loc in unknown:  # a key of a table that is kept, or of the file itself
        table = _table_at(data, loc[:-1])
        if table is not None:
            table.pop(str(loc[-1]), None)
    for unit in units:
        if len(unit) == 2 and isinstance(unit[1], int) and isinstance(data.get("rule"), list):
            data["rule"][unit[1]] = None
        else:
            data.pop(str(unit[0]), None)


def _table_at(data: Any, loc: Loc) -> dict[str, Any] | None:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data if isinstance(data, dict) else None


def _line(source: SourceFile, loc: Loc, kind: str) -> int:
    """The line of the key an error is about (for a missing key, of its table)."""
    parts = loc[:-1] if kind == "missing" else loc
    line = outer = parent = 1  # the line of the key, of its table, and of the one that holds it
    path: list[str] = []
    for part in parts:
        if part == "[key]":
            continue
        if isinstance(part, int):  # the part-th [[path]] of the table that holds them
            headers = _headers_within(source, path, parent)
            line = outer = headers[part] if part < len(headers) else line
            continue
        path.append(part)
        parent, headers = outer, _headers_within(source, path, outer)
        line = headers[0] if headers else source.key_line(line, part, within_rule=line > 1)
        outer = line if headers else outer
    return line


def _headers_within(source: SourceFile, path: list[str], line: int) -> list[int]:
    """The lines of the `[path]` or `[[path]]` headers of the table that starts at `line`:
    after it, and before the next top-level `[[…]]` (the `[rule.period]` of the third
    [[rule]] is the first one after that rule's header)."""
    starts = source.index.rule_headers
    after = bisect_right(starts, line)
    end = starts[after] if after < len(starts) and line > 1 else None
    headers = source.header_lines(".".join(path))
    first = bisect_left(headers, line)
    last = bisect_left(headers, end) if end is not None else len(headers)
    return headers[first:last]


def _message(kind: str, data: dict[str, Any], model: type[BaseModel], loc: Loc,
             error: ErrorDetails) -> str:
    what = _what(model, loc, error)
    if kind == "rules":
        return _about_rule(data, loc, error, what)
    if kind == "city":
        return _about_city(data, loc, error, what)
    name = {"facts": "fact", "params": "parameter"}[kind]
    if len(loc) == 1 and error["type"] in ("model_type", "dict_type"):
        return f"{name} {str(loc[0])!r}: must be a table [{loc[0]}]"
    return f"{name} {str(loc[0])!r}: {_path(loc[1:])}{what}"


def _about_rule(data: dict[str, Any], loc: Loc, error: ErrorDetails, what: str) -> str:
    if loc[:1] != ("rule",):
        return f"unknown top-level key {str(loc[0])!r}; rule files hold [[rule]] tables"
    if len(loc) == 1:
        return f"expected at most 500 [[rule]] tables ({what})"
    if len(loc) == 2:
        return "a rule must be a [[rule]] table"
    rules = data.get("rule") or []
    table = rules[int(loc[1])] if isinstance(loc[1], int) and loc[1] < len(rules) else {}
    rule_id = shown(table.get("id", "?")) if isinstance(table, dict) else "'?'"
    return f"rule {rule_id}: {_path(loc[2:])}{what}"


def _about_city(data: dict[str, Any], loc: Loc, error: ErrorDetails, what: str) -> str:
    section = str(loc[0]) if loc else ""
    if section not in ("city", "documents", "divisions", "constants", "conditions"):
        return f"unknown top-level key {section!r}; city.toml holds {CITY_SECTIONS}"
    if section == "city" and (len(loc) == 1 or loc[1:] == ("id",)):
        return "city.toml needs a [city] table with an id"
    if section == "divisions" and loc[-1:] == ("[key]",):
        return f"division type {shown(error['input'])} is not one of {_expected(error)}"
    if section == "constants" and len(loc) >= 2:
        return f"constant {str(loc[1])!r} must be text, true/false or a list of texts"
    if section == "conditions" and len(loc) >= 2:
        return f"condition {str(loc[1])!r}: {_path(loc[2:])}{what}"
    if section == "documents" and len(loc) >= 2 and isinstance(loc[1], int):
        documents = data.get("documents") or []
        document = documents[loc[1]] if loc[1] < len(documents) else None
        named = document.get("id") if isinstance(document, dict) else None
        which = shown(named) if isinstance(named, str) else f"entry {loc[1] + 1}"
        return f"[[documents]] {which}: {_path(loc[2:])}{what}"
    return f"[{section}] {_path(loc[1:])}{what}"


def _path(parts: Loc) -> str:
    """Where in its table: `payers: entry 2: payer: ` (entries counted from 1)."""
    words = [f"entry {part + 1}" if isinstance(part, int) else part
             for part in parts if part != "[key]"]
    return "".join(f"{word}: " for word in words)


def _what(model: type[BaseModel], loc: Loc, error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        keys = ", ".join(_keys_at(model, tuple(p for p in loc[:-1] if isinstance(p, str))))
        owner = "a rule" if model.__name__ == "RuleFile" and len(loc) == 3 else "it"
        return f"unknown key; {owner} has {keys}"
    if kind not in WORDING:  # our own (a union's one message), else a plain fallback
        from incentives.load.schema import OWN_ERRORS

        if kind not in OWN_ERRORS:
            return OTHERWISE
        found = error.get("input")
        return error["msg"] if isinstance(found, dict | list) else \
            f"{error['msg']}, not {_toml(found)}"
    context = {**error.get("ctx", {}), "value": shown(error.get("input"))}
    if kind == "literal_error":
        context["expected"] = _expected(error)
    return WORDING[kind].format(**context)


def _toml(value: Any) -> str:
    """A single value as a rule file writes it (true, not True)."""
    return str(value).lower() if isinstance(value, bool) else shown(value)


def _expected(error: ErrorDetails) -> str:
    """The values a literal allows, as the readers list them: `cash, cap, …`."""
    quoted = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
    return ", ".join(quoted)


@functools.cache
def _keys_at(model: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    """The keys the table at `loc` (its keys, without list indices) may have, in order of
    name: what an unknown key there is told."""
    current = _models_in(model.model_fields["root"].annotation) if "root" in model.model_fields \
        else {model}
    for part in loc:
        inner = {found for each in current for name, field in each.model_fields.items()
                 if (field.alias or name) == part for found in _models_in(field.annotation)}
        current = inner or current  # a key of a table of tables (a fact's name) stays
    return sorted({field.alias or name for each in current
                   for name, field in each.model_fields.items()})


def _models_in(annotation: Any) -> set[type[BaseModel]]:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    return {found for arg in typing.get_args(annotation) for found in _models_in(arg)}
