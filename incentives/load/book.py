"""RuleBook: everything a load gives (rulebook.py loads it; book_cache.py keeps it whole)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from incentives.model.facts import FactSchema
from incentives.model.params import ParamTable
from incentives.model.place import City
from incentives.model.rule import Rule

PACKAGE = Path(__file__).resolve().parent.parent
BUNDLED = PACKAGE / "rules"
SOURCE_TREE = PACKAGE.parent / "rules"


def bundled_rules_dir() -> Path:
    """The rule files shipped with the package (in the wheel) or beside it (in a checkout)."""
    return BUNDLED if BUNDLED.is_dir() else SOURCE_TREE


@dataclass
class RuleBook:
    """Everything loaded: the fact schema, the cities and the layers that cover every city
    (national rules), their rules (every version), and the dated parameters."""

    schema: FactSchema
    cities: dict[str, City] = field(default_factory=dict)
    layers: dict[str, City] = field(default_factory=dict)
    rules: dict[str, list[Rule]] = field(default_factory=dict)
    params: dict[str, ParamTable] = field(default_factory=dict)
    city_params: dict[str, dict[str, ParamTable]] = field(default_factory=dict)
    # the jurisdiction whose folder's facts.toml declares a fact (the common ones: none)
    fact_owners: dict[str, str] = field(default_factory=dict)
    # what assessing works out once per city, date and overrides (assessment.engine.Plan):
    # a book is not changed once loaded, so what is derived from it stays true
    derived: dict[Any, Any] = field(default_factory=dict, init=False, repr=False,
                                    compare=False)

    def param_tables(self, city_id: str) -> dict[str, ParamTable]:
        """The parameters in force for a city: its own, then those shared by every city."""
        return {**self.params, **self.city_params.get(city_id, {})}

    def param_names(self) -> frozenset[str]:
        return frozenset(self.params).union(*self.city_params.values())

    def tables_named(self, name: str) -> list[ParamTable]:
        """Every table of a parameter: the shared one and each city's own."""
        found = [self.params.get(name), *(tables.get(name) for tables in self.city_params.values())]
        return [table for table in found if table is not None]

    def all_rules(self) -> list[Rule]:
        return [rule for rules in self.rules.values() for rule in rules]

    def rule(self, rule_id: str) -> Rule | None:
        """The newest version of a rule, or None."""
        versions = [r for r in self.all_rules() if r.id == rule_id]
        return max(versions, key=lambda r: r.effective_from) if versions else None

    def jurisdiction(self, jurisdiction_id: str) -> City:
        return self.cities.get(jurisdiction_id) or self.layers[jurisdiction_id]

    def rules_for(self, city_id: str, as_of: date) -> list[tuple[Rule, Rule | None]]:
        """The rules that speak to an institution in a city on a date, each with the layer
        rule it restates (if any); layer rules a city rule restates are not listed again."""
        own = _versions_on(self.rules.get(city_id, []), as_of)
        layer_rules = _versions_on([r for layer in self.layers for r in self.rules[layer]], as_of)
        by_id = {rule.id: rule for rule in layer_rules}
        restated = {rule.restates for rule in own if rule.restates}
        pairs = [(rule, by_id.get(rule.restates) if rule.restates else None) for rule in own]
        return pairs + [(rule, None) for rule in layer_rules if rule.id not in restated]


def _versions_on(rules: list[Rule], as_of: date) -> list[Rule]:
    """One version of each rule: the one in force on `as_of`, else the latest that started
    before it, else the earliest (so a rule not yet in force is still shown as such)."""
    chosen: dict[str, Rule] = {}
    for rule in sorted(rules, key=lambda r: r.effective_from):
        current = chosen.get(rule.id)
        if current is None or rule.effective_from <= as_of:
            chosen[rule.id] = rule
    return list(chosen.values())
