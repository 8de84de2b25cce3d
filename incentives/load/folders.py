"""Rule folders: loading and checking them, every problem with its file and line.

(rulebook.load_rulebook is the way in: it serves the bundled rules from book_cache.py
when they loaded before, and calls `load_folders` otherwise.)

A rule folder holds `city.toml` (the city, its divisions, its documents, named constants),
an optional `facts.toml` (profile facts its rules need beyond the common ones), any number
of rule files (`[[rule]]` tables, read by rulefile.py) and an optional `params/` folder of
dated parameters. A folder whose city.toml says `covers = "all"` is a layer (national
rules) that applies in every city. Everything is checked and compiled once, at load time.
"""

from __future__ import annotations

import builtins
import keyword
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from incentives.errors import MoneyError, RuleFileError, RuleProblem, Suggestions
from incentives.load.book import RuleBook, bundled_rules_dir
from incentives.load.facts import FACTS_FILE, load_base_schema
from incentives.load.named import named_conditions
from incentives.load.rulefile import load_rule_file
from incentives.load.source import SourceFile
from incentives.load.validation import validate
from incentives.model.conditions import Env
from incentives.model.facts import (
    EARLIEST_DATE,
    LATEST_DATE,
    RESERVED_DATES,
    Fact,
    FactSchema,
    fact_from_table,
    implication_problems,
)
from incentives.model.money import parse_amount
from incentives.model.params import RATE, ParamTable, ParamValue
from incentives.model.place import DIVISION_TYPES, City, Division, Document
from incentives.model.profile import shown
from incentives.model.rule import Rule

# Python's built-in names and keywords (a rule never sees them, but a name that looks like
# one misleads a reader), and the language's own.
RESERVED_NAMES = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {
    "min", "max", "floor", "date", "known", "true", "false"} | RESERVED_DATES
MAX_PROBLEMS = 200
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def load_folders(roots: list[Path] | None, bundled: bool, replacing: bool) -> RuleBook:
    """What rulebook.load_rulebook loads, every folder read and every rule compiled."""
    tops = ([bundled_rules_dir()] if bundled or not roots else []) + list(roots or [])
    book = RuleBook(FactSchema(dict(load_base_schema().facts)))
    problems: list[RuleProblem] = []
    # a folder named twice (rules/zhengzhou beside the bundled rules it is part of) is one
    folders = list({folder.resolve(): folder for folder in _rule_folders(tops, problems)}
                   .values())
    if replacing and roots:
        named = {f.resolve() for f in _rule_folders(list(roots), [])}
        given = {_city_id(f) for f in named} - {None}
        inside = bundled_rules_dir().resolve()
        folders = [f for f in folders if f.resolve() in named or not (
            f.resolve().is_relative_to(inside) and _city_id(f) in given)]
    names = _Names(book.schema)
    declared = [(folder, *_declare_folder(folder, book, names, problems)) for folder in folders]
    _scope_facts(declared, book, names)
    for params_dir in _params_dirs(tops):
        for path in sorted(params_dir.glob("*.toml")):
            _load_params(path, book.params, book, problems)
    for folder, place, *_ in declared:
        if place is not None and (folder / "params").is_dir():
            scoped = book.city_params.setdefault(place.id, {})
            for path in sorted((folder / "params").glob("*.toml")):
                _load_params(path, scoped, book, problems)
    suggestions = Suggestions()
    for folder, place, constants, city_file in declared:
        if place is not None and city_file is not None:
            env = Env(book.schema, book.param_names(), constants, suggestions)
            env = named_conditions(city_file, env, RESERVED_NAMES)
            _load_rules(folder, place, env, book, problems)
    _check_versions(book.all_rules(), problems)
    _check_restatements(book, problems)
    if problems:
        raise RuleFileError(_at_most(problems, MAX_PROBLEMS))
    return book


def _city_id(folder: Path) -> str | None:
    """The id a folder's city.toml declares, if it can be read (else the load says why)."""
    city = (SourceFile(folder / "city.toml", []).data or {}).get("city")
    return str(city["id"]) if isinstance(city, dict) and "id" in city else None


def _at_most(problems: list[RuleProblem], limit: int) -> list[RuleProblem]:
    """The first `limit` problems and a count of the rest: a file of 40,000 unknown keys
    is reported in a screenful, not in 40,000 lines."""
    if len(problems) <= limit:
        return problems
    first = problems[limit]
    return [*problems[:limit], RuleProblem(first.file, first.line, (
        f"and {len(problems) - limit:,} more problems, the first of them here "
        f"(only the first {limit} are listed)"))]


def _rule_folders(roots: list[Path], problems: list[RuleProblem]) -> Iterator[Path]:
    """Each root that is a rule folder, or else the rule folders in it; a root that is
    neither (nor a folder of shared `params/` alone) is a problem, never passed over."""
    for root in roots:
        if _present(root / "city.toml"):
            yield root
            continue
        inside = sorted(p.parent for p in root.glob("*/city.toml"))
        if not inside and (any(root.glob("*.toml")) or not (root / "params").is_dir()):
            problems.append(RuleProblem(str(root / "city.toml"), 1, (
                "missing: a rule folder needs a city.toml that declares its city (or must "
                "hold rule folders that each have one)")))
        yield from inside


def _present(path: Path) -> bool:
    """Whether a file is there at all: a FIFO or a broken link is then read, and refused
    with a reason, rather than passed over in silence."""
    return os.path.lexists(path)


def _params_dirs(roots: list[Path]) -> list[Path]:
    """Parameter folders shared by every city: `params/` beside the city folders (a city
    folder's own `params/` holds that city's parameters)."""
    candidates = [root / "params" for root in roots if not _present(root / "city.toml")]
    unique = dict.fromkeys(p.resolve() for p in candidates if p.is_dir())
    return list(unique)


class _Names:
    """Who holds each name: a fact's id, Chinese and English names, a jurisdiction's id and
    aliases, each with the file that declared it. A folder may add names, never take one
    that is held already: a city claiming 郑州市 would take over every profile in 郑州市,
    a fact named 固定资产投资（不含土地费用） every such column of a registry."""

    def __init__(self, schema: FactSchema) -> None:
        self.held: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, name) -> (whose, file)
        for fact in schema.facts.values():
            self.claim("fact", fact_names(fact), fact.name, str(FACTS_FILE))

    def clash(self, kind: str, names: dict[str, str]) -> tuple[str, str] | None:
        """Which of `names` (name -> what it is: "id", "alias"…) is held already, and how."""
        for name, what in names.items():
            held = self.held.get((kind, name))
            if held is not None:
                return what, (f"{what} {name!r} is already that of {kind} {held[0]!r} (in "
                              f"{held[1]}); a folder may not take another {kind}'s name")
        return None

    def claim(self, kind: str, names: dict[str, str], whose: str, where: str) -> None:
        for name in names:
            self.held[(kind, name)] = (whose, where)


def fact_names(fact: Fact) -> dict[str, str]:
    """Each name a fact is known by (its id, Chinese and English names), and which it is."""
    names = {fact.en: "English name", fact.zh: "Chinese name", fact.name: "id"}
    return {name: what for name, what in names.items() if name}


def city_names(city: City) -> dict[str, str]:
    """Each name a profile may give a jurisdiction by (its id and aliases), and which it is."""
    return {**dict.fromkeys(city.aliases, "alias"), city.id: "id"}


def _declare_folder(folder: Path, book: RuleBook, names: _Names, problems: list[RuleProblem]
                    ) -> tuple[City | None, dict[str, Any], SourceFile | None]:
    """Read a folder's city.toml and facts.toml: its jurisdiction, constants and new facts,
    and city.toml as read (its named conditions are compiled from it later)."""
    source = SourceFile(folder / "city.toml", problems, "city")
    validate(source)
    if source.data is None:
        return None, {}, None
    city, covers_all = _read_city(source)
    if city is None:
        return None, {}, None
    if city.id in book.cities or city.id in book.layers:
        first = names.held[("city", city.id)][1]
        source.problem(source.table_key_line("city", "id"), f"city {city.id!r} is declared "
                       f"twice (first in {first}); to replace the bundled rules, use --no-bundled")
        return None, {}, None
    clash = names.clash("city", city_names(city))
    if clash:
        what, message = clash
        line = source.table_key_line("city", "id" if what == "id" else "aliases")
        source.problem(line, f"city {city.id!r}: {message}")
        return None, {}, None
    names.claim("city", city_names(city), city.id, source.name)
    (book.layers if covers_all else book.cities)[city.id] = city
    if _present(folder / "facts.toml"):
        facts = SourceFile(folder / "facts.toml", problems, "facts")
        validate(facts)
        known = set(book.schema.facts)
        _declare_facts(facts, book.schema, names)
        book.fact_owners.update(dict.fromkeys(set(book.schema.facts) - known, city.id))
    return city, _read_constants(source, source.data.get("constants") or {}, book.schema), source


def _scope_facts(declared: list[tuple[Path, City | None, dict[str, Any], SourceFile | None]],
                 book: RuleBook, names: _Names) -> None:
    """Each fact a city's folder declares belongs to that city alone (a layer's, to all):
    a profile of another city may not give it."""
    city_of = {str(folder / "facts.toml"): place.id for folder, place, *_ in declared
               if place is not None and place.id in book.cities}
    for (kind, name), (whose, where) in names.held.items():
        if kind == "fact" and name == whose and where in city_of:
            book.schema.facts[name] = replace(book.schema.facts[name], scope=city_of[where])


def _declare_facts(source: SourceFile, schema: FactSchema, names: _Names) -> None:
    for name, table in (source.data or {}).items():
        line = source.key_line(1, name, within_rule=False)
        if name in RESERVED_NAMES or not name.isidentifier() or name[0] == "_":
            source.problem(line, f"fact {name!r} is declared already or is not a usable name")
            continue
        try:
            fact = fact_from_table(name, table)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            source.problem(line, f"fact {name!r}: {error}")
            continue
        clash = names.clash("fact", fact_names(fact))
        if clash:
            source.problem(line, f"fact {name!r}: {clash[1]}")
            continue
        wrong = implication_problems(fact, schema)
        if wrong:
            for problem in wrong:
                source.problem(line, problem)
            continue
        names.claim("fact", fact_names(fact), name, source.name)
        schema.facts[name] = fact


def _load_rules(folder: Path, city: City, env: Env, book: RuleBook,
                problems: list[RuleProblem]) -> None:
    rules: list[Rule] = []
    for path in sorted(folder.glob("*.toml")):
        if path.name not in ("city.toml", "facts.toml"):
            rules.extend(load_rule_file(path, city, env, problems))
    book.rules[city.id] = sorted(rules, key=lambda r: (r.id, r.effective_from))


def _read_city(source: SourceFile) -> tuple[City | None, bool]:
    data = source.data or {}
    table = data.get("city")
    if not isinstance(table, dict) or not isinstance(table.get("id"), str):
        source.problem(1, "city.toml needs a [city] table with an id")
        return None, False
    wrong = _misshapen(data, table)
    if wrong:
        section, message = wrong
        lines = source.header_lines(section)
        source.problem(lines[0] if lines else source.key_line(1, section, False), message)
        return None, False
    divisions: dict[str, Division] = {}
    for kind, names in (data.get("divisions") or {}).items():
        if kind not in DIVISION_TYPES:
            source.problem(source.table_key_line("divisions", kind), f"division type {kind!r} "
                           f"is not one of {', '.join(DIVISION_TYPES)}")
            continue
        for entry in names:
            name, aliases = (entry, []) if isinstance(entry, str) else (entry["name"],
                                                                       entry.get("aliases", []))
            divisions[name] = Division(name, kind, tuple(aliases))
    lines = source.header_lines("documents")
    documents = {
        doc["id"]: _read_document(source, doc, lines[n] if n < len(lines) else 1)
        for n, doc in enumerate(data.get("documents", []))
    }
    city = City(table["id"], str(table.get("zh", table["id"])), str(table.get("en", table["id"])),
                tuple(table.get("aliases", [])), divisions, documents)
    return city, table.get("covers") == "all"


def _read_document(source: SourceFile, doc: dict[str, Any], line: int) -> Document:
    """One [[documents]] table: its names, and the days it is in force (a problem, at its
    line, for a date or a period that isn't one)."""
    def problem(key: str, message: str) -> None:
        source.problem(source.key_line(line, key, within_rule=False),
                       f"document {doc['id']!r}: {key}: {message}")

    def day(key: str) -> date | None:
        value = doc.get(key)
        if value is None or (type(value) is date and EARLIEST_DATE <= value <= LATEST_DATE):
            return value
        problem(key, f"{shown(value)} is not a date from {EARLIEST_DATE} to {LATEST_DATE}; "
                "write it bare, e.g. 2015-03-01")
        return None

    effective_from, repealed_on = day("effective_from"), day("repealed_on")
    signed_on = doc.get("signed_on")
    starts = effective_from or (signed_on if type(signed_on) is date else None)
    valid_for = _valid_for(doc.get("valid_for"), lambda m: problem("valid_for", m))
    if valid_for is not None and starts is None:
        problem("valid_for", "counts from effective_from (or signed_on): give one")
    repealed_by = doc.get("repealed_by", "")
    if not isinstance(repealed_by, str) or _CONTROL.search(repealed_by):
        problem("repealed_by", "must be text (the document that repeals it)")
        repealed_by = ""
    elif repealed_by and repealed_on is None:
        problem("repealed_by", "needs repealed_on, the first day the document is not in force")
    if repealed_on is not None and starts is not None and repealed_on <= starts:
        problem("repealed_on", f"is not after the day it took effect ({starts})")
    return Document(doc["id"], str(doc.get("title", "")), str(doc.get("issued_by", "")),
                    str(doc.get("signed_on", "")), effective_from, valid_for, repealed_on,
                    repealed_by.strip(), starts)


def _valid_for(value: Any, problem: Any) -> tuple[int, int, int] | None:
    """`{ years = 5 }` as (years, months, days), or None (a problem if it isn't one)."""
    if value is None:
        return None
    units = ("years", "months", "days")
    if not isinstance(value, dict) or set(value) - set(units) or not value or not all(
            type(value[unit]) is int and 0 <= value[unit] <= 100 for unit in value) or \
            not any(value.values()):
        problem("must be a table such as { years = 5 }: years, months and days, whole "
                "numbers from 0 to 100, not all 0")
        return None
    years, months, days = (value.get(unit, 0) for unit in units)
    return years, months, days


def _misshapen(data: dict[str, Any], table: dict[str, Any]) -> tuple[str, str] | None:
    """The section of city.toml not laid out as docs/rule-format.md shows, and how."""
    def texts(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)

    def division(entry: Any) -> bool:
        return isinstance(entry, str) or (isinstance(entry, dict) and isinstance(
            entry.get("name"), str) and texts(entry.get("aliases", [])))

    divisions, documents = data.get("divisions") or {}, data.get("documents", [])
    if not texts(table.get("aliases", [])):
        return "city", "[city] aliases must be a list of texts"
    if not isinstance(divisions, dict) or not all(
            isinstance(names, list) and all(map(division, names)) for names in divisions.values()):
        return "divisions", ("[divisions] must list, under each type, names or tables "
                             "{ name = …, aliases = […] }")
    if not isinstance(documents, list) or not all(
            isinstance(doc, dict) and isinstance(doc.get("id"), str) for doc in documents):
        return "documents", "each [[documents]] must be a table with a text id"
    if not isinstance(data.get("constants") or {}, dict):
        return "constants", "[constants] must be a table of names and values"
    return None


def _read_constants(source: SourceFile, table: dict[str, Any], schema: FactSchema
                    ) -> dict[str, Any]:
    constants: dict[str, Any] = {}
    for name, value in table.items():
        line = source.table_key_line("constants", name)
        if name in RESERVED_NAMES or name.startswith("_") or name in schema:
            source.problem(line, f"constant {name!r} shadows a built-in name or a fact")
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            constants[name] = tuple(value)
        elif isinstance(value, bool | str):
            constants[name] = value
        else:
            source.problem(line, f"constant {name!r} must be text, true/false or a list of texts")
    return constants


def _check_versions(rules: list[Rule], problems: list[RuleProblem]) -> None:
    """The same id may appear again only as a later version: effective periods must not
    overlap (a version with no end runs on forever)."""
    by_id: dict[str, list[Rule]] = {}
    for rule in rules:
        by_id.setdefault(rule.id, []).append(rule)
    for versions in by_id.values():
        versions.sort(key=lambda r: r.effective_from)
        for earlier, later in pairwise(versions):
            if earlier.last_day is None or earlier.last_day >= later.first_day:
                problems.append(RuleProblem(later.file, later.line, (
                    f"rule id {later.id!r} is used again (first at {earlier.file}:"
                    f"{earlier.line}) with an overlapping effective period; a new version "
                    f"needs the earlier one to end (effective_to, or a document repealed "
                    f"or lapsed) before it starts")))


def _check_restatements(book: RuleBook, problems: list[RuleProblem]) -> None:
    layer_ids = {r.id for layer in book.layers for r in book.rules.get(layer, [])}
    for rule in book.all_rules():
        if rule.restates and rule.restates not in layer_ids:
            problems.append(RuleProblem(rule.file, rule.line, (
                f"rule {rule.id!r}: restates {rule.restates!r}, which is not a rule of a "
                "layer that covers every city (e.g. rules/national)")))


# --- parameter files ------------------------------------------------------------------------


def _load_params(path: Path, into: dict[str, ParamTable], book: RuleBook,
                 problems: list[RuleProblem]) -> None:
    source = SourceFile(path, problems, "params")
    validate(source)
    for name, table in (source.data or {}).items():
        line = source.key_line(1, name, within_rule=False)
        if name in into or name in book.schema or name in RESERVED_NAMES \
                or not name.isidentifier() or name.startswith("_"):
            source.problem(line, f"parameter {name!r} is declared twice or shadows a name, "
                           "or is not a usable name (one that starts with a letter)")
            continue
        series = table.get("series", {}) if isinstance(table, dict) else None
        if not isinstance(series, dict) or not isinstance(table.get("values", []), list):
            source.problem(line, f"parameter {name!r}: must be a table with [[{name}.values]] "
                           f"and, if any, [{name}.series.…] tables")
            continue
        param = ParamTable(name, str(table.get("zh", "")), str(table.get("en", "")),
                           str(table.get("unit", "")), check_age=bool(table.get("check_age")),
                           allowed=_param_range(source, name, table),
                           range_source=str(table.get("range_source", "")))
        values = _param_values(source, param, table.get("values", []), series)
        values.sort(key=lambda v: v.start)
        if len({v.start for v in values}) != len(values):
            source.problem(line, f"parameter {name!r}: two values start on the same day")
        into[name] = replace(param, values=values)  # its starts worked out again


def _param_range(source: SourceFile, name: str, table: dict[str, Any]
                 ) -> tuple[Decimal, Decimal] | None:
    """The `range = [LEAST, MOST]` the law allows, with its `range_source`; a problem when
    it is missing, malformed, or has no source."""
    line = source.table_key_line(name, "range")
    given = table.get("range")
    if given is None:
        source.problem(line, f"parameter {name!r}: needs range = [LEAST, MOST], the values the "
                       "law allows (e.g. [\"0%\", \"100%\"]), and range_source naming that law")
        return None
    try:
        if not isinstance(given, list) or len(given) != 2:
            raise MoneyError("write two values, the least and the most")
        low, high = (_range_end(end, table.get("unit")) for end in given)
        if low > high:
            raise MoneyError("the least is above the most")
    except MoneyError as error:
        source.problem(line, f"parameter {name!r}: range = {shown(given)}: {error}")
        return None
    if not str(table.get("range_source", "")).strip():
        source.problem(line, f"parameter {name!r}: range_source must say which law sets the range")
    return low, high


def _range_end(end: Any, unit: Any) -> Decimal:
    if not isinstance(end, str):
        raise MoneyError("write each end as text, e.g. \"10%\" or \"0.6\"")
    if unit == RATE and not end.strip().endswith("%"):
        raise MoneyError(f"{end!r}: the ends of a rate's range are written with %")
    return parse_amount(end)


def _param_values(source: SourceFile, param: ParamTable, entries: list[Any],
                  series: dict[str, Any]) -> list[ParamValue]:
    """Each [[NAME.values]] table; a problem, at its line, for one that is malformed or
    outside the parameter's own range."""
    name = param.name
    lines = source.header_lines(f"{name}.values")
    values = []
    for number, entry in enumerate(entries):
        line = lines[number] if number < len(lines) else source.table_key_line(name, "values")
        try:
            value = _param_value(entry, series)
        except (KeyError, TypeError, ValueError) as error:
            source.problem(line, f"parameter {name!r}: a value needs from (a date), value "
                           f"and source ({error})")
            continue
        outside = param.outside(value.value)
        if outside:
            source.problem(source.key_line(line, "value", within_rule=False),
                           f"parameter {name!r}: value {shown(entry.get('value'))}: {outside}")
        values.append(value)
    return values


def _param_value(entry: Any, series: dict[str, Any]) -> ParamValue:
    """One [[NAME.values]] table; KeyError, TypeError or ValueError if it isn't one."""
    start, value = entry["from"], parse_amount(str(entry["value"]))
    if type(start) is not date:
        raise ValueError(f"from = {shown(start)} is not a date")
    label = str(entry.get("series", ""))
    about = series.get(label, {})
    if not isinstance(about, dict):
        raise ValueError(f"series {label!r} is not a table")
    source_zh, source = _texts(entry["source"])
    note_zh, note = _texts(about.get("note", ""))
    return ParamValue(start, value, source, str(about.get("name", label)), note,
                      bool(entry.get("assumed", False)), source_zh=source_zh, note_zh=note_zh)


def _texts(value: Any) -> tuple[str, str]:
    """(zh, en) of a text or a { zh, en } table; one alone stands for both."""
    if isinstance(value, dict):
        zh, en = str(value.get("zh") or ""), str(value.get("en") or "")
        return zh or en, en or zh
    return "", str(value)
