"""Named conditions: `[conditions.NAME]` in a folder's city.toml, compiled for its rules.

Each is a yes/no expression with a label in Chinese and English. One may use another of
the same folder, never itself (directly or round a cycle); its name may not be that of a
fact, a parameter, a constant or a reserved word. Every problem is reported at its line.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from incentives.errors import ExprError
from incentives.load.source import SourceFile
from incentives.model.conditions import MAX_SOURCE_CHARS, Env, NamedCondition, compile_expression
from incentives.model.conditions import names_in as expression_names
from incentives.model.profile import shown

MAX_CONDITIONS = 200
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def named_conditions(source: SourceFile, env: Env, reserved: frozenset[str]) -> Env:
    """`env` with the folder's named conditions, compiled in the order they use each other,
    and the names of those refused (a rule using one is not refused for it again)."""
    table = (source.data or {}).get("conditions") or {}
    if not isinstance(table, dict) or len(table) > MAX_CONDITIONS:
        source.problem(_line(source, ""), f"[conditions] must be at most {MAX_CONDITIONS} "
                       "tables [conditions.NAME] with when, zh and en")
        return env
    entries = {name: entry for name, entry in table.items()
               if _usable(source, name, entry, env, reserved)}
    uses = {name: expression_names(entry["when"]) & set(entries)
            for name, entry in entries.items()}
    compiled: dict[str, NamedCondition] = {}
    failed: set[str] = set()
    refused = replace(env, broken=frozenset(str(name) for name in table if name not in entries))
    for name in entries:
        _compile(name, entries, uses, source, refused, compiled, failed, [])
    broken = frozenset(str(name) for name in table if name not in compiled)
    return replace(env, conditions=compiled, broken=broken)


def _line(source: SourceFile, name: str) -> int:
    lines = source.header_lines(f"conditions.{name}" if name else "conditions")
    return lines[0] if lines else source.key_line(1, name or "conditions", within_rule=False)


def _usable(source: SourceFile, name: str, entry: Any, env: Env, reserved: frozenset[str]
            ) -> bool:
    line = _line(source, name)
    taken = ("a fact" if name in env.schema else "a parameter" if name in env.params
             else "a constant" if name in env.constants
             else "a reserved word" if name in reserved else None)
    if taken or not name.isidentifier() or name.startswith("_"):
        why = f"is the name of {taken}" if taken else "is not a usable name"
        source.problem(line, f"condition {name!r} {why}; give the condition another name")
        return False
    if not isinstance(entry, dict) or not isinstance(entry.get("when"), str) or \
            not all(isinstance(entry.get(lang), str) and entry[lang].strip()
                    for lang in ("zh", "en")):
        source.problem(line, f"condition {name!r}: needs when (an expression in quotes) and "
                       "its label in zh and en")
        return False
    if _CONTROL.search(entry["zh"] + entry["en"]):
        source.problem(line, f"condition {name!r}: its label holds a control character, "
                       "which a terminal showing it would obey; remove it")
        return False
    unknown = sorted(set(entry) - {"when", "zh", "en"})
    if unknown:
        source.problem(line, f"condition {name!r}: unknown key {shown(unknown[0])}; a "
                       "condition has when, zh and en")
        return False
    return True


def _compile(name: str, entries: dict[str, Any], uses: dict[str, set[str]],
             source: SourceFile, env: Env, compiled: dict[str, NamedCondition],
             failed: set[str], path: list[str]) -> bool:
    """Compile `name` after the conditions it uses; False if it (or one of them) fails."""
    if name in compiled or name in failed:
        return name in compiled
    if name in path:
        cycle = " → ".join([*path[path.index(name):], name])
        source.problem(_line(source, name), f"condition {name!r} uses itself ({cycle}); "
                       "a condition may use others, never round a cycle")
        failed.update(path[path.index(name):])
        return False
    for used in sorted(uses[name]):
        if not _compile(used, entries, uses, source, env, compiled, failed, [*path, name]):
            failed.add(name)
            return False
    if name in failed:  # found in a cycle while its own uses were compiled
        return False
    entry = entries[name]
    line = _line(source, name)
    try:
        expression = compile_expression(entry["when"], replace(env, conditions=compiled))
    except ExprError as error:
        failed.add(name)
        if error.follow_on:  # it uses a refused condition, whose problem is told
            return False
        text = entry["when"]
        if len(text) > MAX_SOURCE_CHARS:
            text = text[:60].replace("\n", " ") + "…"
        source.problem(source.key_line(line, "when", within_rule=False),
                       f"condition {name!r}: when: {error.message}",
                       f"    {text}\n    {' ' * error.column}^")
        return False
    compiled[name] = NamedCondition(name, entry["zh"].strip(), entry["en"].strip(),
                                    expression, line)
    return True
