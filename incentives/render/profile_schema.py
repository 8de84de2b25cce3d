"""The JSON Schema of a profile, built from the declared facts (incentives/facts.toml and
each folder's facts.toml): each fact's names in Chinese and English, its type, the values
it allows with their Chinese names, its unit. `incentives schema profile` prints it, and
an editor (taplo, through a profile's `#:schema` line) checks and completes a profile by
it. A fact a folder declares is in a city's schema only if that city's folder (or a layer
covering every city) declares it.
"""

from __future__ import annotations

from typing import Any

from incentives.load.rulebook import RuleBook
from incentives.model.facts import Fact
from incentives.model.profile import FALSE_WORDS, TRUE_WORDS
from incentives.render.words import WORDS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
CHINESE_DATE = r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$"


def profile_schema(book: RuleBook, city: str | None = None) -> dict[str, Any]:
    """The schema of a profile for `city` (a city's id), or for any loaded city."""
    facts = [fact for fact in book.schema.facts.values()
             if not fact.derived and _applies(book, fact.name, city)]
    title = _both("profile_schema")
    if city is not None:
        place = book.cities[city]
        title += f" — {WORDS['profile_schema_city'].zh}{place.name_zh} / " \
                 f"{WORDS['profile_schema_city'].en} {place.name_en}"
    return {"$schema": DIALECT, "title": title, "type": "object",
            "additionalProperties": False, "required": ["city"],
            "properties": {fact.name: _property(fact, book, city) for fact in facts}}


def _applies(book: RuleBook, name: str, city: str | None) -> bool:
    owner = book.fact_owners.get(name)
    return owner is None or city is None or owner == city or owner in book.layers


def _both(key: str) -> str:
    word = WORDS[key]
    return f"{word.zh} / {word.en}"


def _property(fact: Fact, book: RuleBook, city: str | None) -> dict[str, Any]:
    about = [_both(f"fact_type_{fact.type}")]
    if fact.unit:
        about.append(f"{_both('fact_unit')}: {fact.unit}")
    if fact.signed:
        about.append(_both("fact_signed"))
    owner = book.fact_owners.get(fact.name)
    if owner is not None:
        place = book.jurisdiction(owner)
        about.append(f"{WORDS['fact_declared_by'].zh}{place.name_zh} / "
                     f"{WORDS['fact_declared_by'].en} {place.name_en}")
    names = " / ".join(name for name in (fact.zh, fact.en) if name) or fact.name
    return {"title": names, "description": "; ".join(about), **_values(fact, book, city)}


def _values(fact: Fact, book: RuleBook, city: str | None) -> dict[str, Any]:
    """What the fact's value may be written as (as parse_profile accepts it)."""
    if fact.type == "bool":
        words = sorted({*TRUE_WORDS, *FALSE_WORDS, *fact.true_names, *fact.false_names})
        return {"anyOf": [{"type": "boolean"}, {"enum": words}]}
    if fact.type in ("money", "number"):
        whole: dict[str, Any] = {"type": "integer"}
        if not fact.signed:
            whole["minimum"] = 0
        return {"anyOf": [whole, {"type": "string"}]}
    if fact.type == "date":
        return {"anyOf": [{"type": "string", "format": "date"},
                          {"type": "string", "pattern": CHINESE_DATE}]}
    if fact.type == "enum":
        return {"anyOf": [_enum_value(fact, value) for value in fact.values]}
    if fact.type == "city":
        places = [book.cities[city]] if city else list(book.cities.values())
        return {"enum": [name for place in places for name in (place.id, *place.aliases)]}
    if fact.type == "division" and city is not None:
        divisions = book.cities[city].divisions.values()
        return {"enum": [name for d in divisions for name in (d.name, *d.aliases)]}
    return {"type": "string"}


def _enum_value(fact: Fact, value: str) -> dict[str, Any]:
    names = [name for name, its in fact.aliases.items() if its == value and name != value
             and name != value.casefold()]
    written: list[Any] = [value, *names]
    if value.isdigit():
        written.append(int(value))  # hospital_level = 2
    return {"title": value, "description": "、".join(names) or value, "enum": written}
