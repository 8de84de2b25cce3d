"""The fact schema: which facts a profile may state, their types and the names they go by.

The schema is data (`facts.toml` beside this module), so the same table drives profile
parsing, the type checks of rule conditions, and the documentation of the profile keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from incentives.errors import Suggestions, did_you_mean

# The dates a profile or a rule may name: wide enough for any institution and policy,
# narrow enough that a rule's offsets (at most 100 years, 100 months and 100 days) and a
# day either side stay within the calendar (years 1 to 9999).
EARLIEST_DATE, LATEST_DATE = date(1800, 1, 1), date(2199, 12, 31)
# names an expression reads as dates of the assessment, never facts of a profile
RESERVED_DATES = frozenset({"as_of", "effective_from", "effective_to"})
# Each type a fact may be declared with, and the type its values have in an expression (in
# both engines); money and number are both exact Decimals.
VALUE_TYPE = {
    "bool": "bool",
    "money": "number",
    "number": "number",
    "date": "date",
    "enum": "enum",
    "text": "text",
    "city": "text",
    "division": "text",
}
FACT_TYPES = frozenset(VALUE_TYPE)  # the types a fact may be declared with


@dataclass
class Fact:
    """One profile key: its type, its names in Chinese and English, its allowed values."""

    name: str
    type: str
    zh: str = ""
    en: str = ""
    unit: str = ""
    values: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # other name -> canonical value
    ordered: bool = False
    derived: bool = False
    signed: bool = False  # a money or number fact that may be below zero (a loss)
    # another enum fact each value implies: {fact: {this value: its value}} (grade 3A: level 3)
    implies: dict[str, dict[str, str]] = field(default_factory=dict)
    true_names: tuple[str, ...] = ()
    false_names: tuple[str, ...] = ()
    yes_no_en: tuple[str, str] = ("", "")  # how English says its yes and no ("for-profit")
    scope: str | None = None  # the city whose folder declares it; None: every city's
    english: dict[str, str] = field(default_factory=dict)  # an enum value -> its English name

    @property
    def value_type(self) -> str:
        """What the fact's values are to both engines: bool, number, date, enum or text."""
        return VALUE_TYPE[self.type]

    def canonical(self, text: str) -> str | None:
        """The enum value `text` stands for (a value or one of its names), or None."""
        if text in self.values:
            return text
        return self.aliases.get(text) or self.aliases.get(text.casefold())

    def rank(self, value: str) -> int:
        return self.values.index(value)

    def describe_values(self) -> str:
        names = {value: [n for n, v in self.aliases.items() if v == value] for value in self.values}
        return ", ".join(
            f"{value} ({'/'.join(names[value][:2])})" if names[value] else value
            for value in self.values
        )


class FactSchema:
    """All facts by name; built once from `facts.toml` (and, later, from rule folders)."""

    def __init__(self, facts: dict[str, Fact]) -> None:
        self.facts = facts

    def __contains__(self, name: object) -> bool:
        return name in self.facts

    def __getitem__(self, name: str) -> Fact:
        return self.facts[name]

    def key_for(self, name: str) -> str | None:
        """The fact a profile or a registry names by its key (`city`) or by its Chinese
        name (`所在城市`); None for any other name, and for a fact worked out, not given."""
        fact = self.facts.get(name)
        if fact is None:
            return self.chinese_names().get(name)
        return None if fact.derived else name

    def chinese_names(self) -> dict[str, str]:
        """Each fact a profile may give, by its Chinese name."""
        return {f.zh: n for n, f in self.facts.items() if f.zh and not f.derived}

    def suggest(self, name: str, budget: Suggestions | None = None) -> str:
        """"; did you mean '…'?" for the closest fact a profile may give, or "" (also when
        `budget` is spent). A Chinese name is matched against the Chinese names (城市:
        所在城市), a name that is part of one first."""
        if not name.isascii():
            chinese = self.chinese_names()
            within = [zh for zh in chinese if name in zh or zh in name]
            if within:
                return f"; did you mean {within[0]!r} ({chinese[within[0]]})?"
            names: Iterable[str] = chinese
        else:
            names = (n for n, f in self.facts.items() if not f.derived)
        return budget.did_you_mean(name, names) if budget else did_you_mean(name, names)


def implication_problems(fact: Fact, schema: FactSchema) -> list[str]:
    """What is wrong with the fact's `implies`: a fact that isn't an enum of the schema, or a
    value that fact doesn't have."""
    problems = []
    for name, mapping in fact.implies.items():
        other = schema.facts.get(name)
        if other is None or other.type != "enum" or other.derived or name == fact.name:
            problems.append(f"fact {fact.name!r}: implies {name!r}, which is not another "
                            "enum fact a profile may give")
            continue
        problems.extend(f"fact {fact.name!r}: {value!r} implies {name} = {its!r}, not one of "
                        f"{other.describe_values()}"
                        for value, its in mapping.items() if its not in other.values)
    return problems


def fact_from_table(name: str, table: dict[str, object]) -> Fact:
    """Build a Fact from its TOML table; raises ValueError naming what is wrong."""
    kind = table.get("type")
    if kind not in FACT_TYPES:
        raise ValueError(f"fact {name!r}: type {kind!r} is not one of {sorted(FACT_TYPES)}")
    signed = table.get("signed", False)
    if type(signed) is not bool or (signed and VALUE_TYPE[str(kind)] != "number"):
        raise ValueError(f"fact {name!r}: signed = true is for a money or number fact only")
    values: list[str] = []
    aliases: dict[str, str] = {}
    implies: dict[str, dict[str, str]] = {}
    english: dict[str, str] = {}
    for entry in table.get("values", []) or []:  # type: ignore[attr-defined]
        value = str(entry["value"])
        values.append(value)
        if entry.get("en"):
            english[value] = str(entry["en"])
        for alias in entry.get("names", []):
            aliases[str(alias)] = value
        aliases[value.casefold()] = value
        for other, its_value in dict(entry.get("implies", {})).items():
            implies.setdefault(str(other), {})[value] = str(its_value)
    return Fact(
        name=name,
        type=str(kind),
        zh=str(table.get("zh", "")),
        en=str(table.get("en", "")),
        unit=str(table.get("unit", "")),
        values=tuple(values),
        aliases=aliases,
        ordered=bool(table.get("ordered", False)),
        derived=bool(table.get("derived", False)),
        signed=bool(signed),
        implies=implies,
        english=english,
        true_names=tuple(str(n) for n in table.get("true_names", []) or []),  # type: ignore[attr-defined]
        false_names=tuple(str(n) for n in table.get("false_names", []) or []),  # type: ignore[attr-defined]
        yes_no_en=_pair(table.get("yes_no_en")),
    )




def _pair(value: object) -> tuple[str, str]:
    """A two-item list of texts as a pair; ("", "") for anything else."""
    if isinstance(value, list) and len(value) == 2:
        return str(value[0]), str(value[1])
    return "", ""
