"""The base fact schema, read from `facts.toml` at the package root."""

from __future__ import annotations

from pathlib import Path

from incentives.load.cache import parse_toml
from incentives.model.facts import FactSchema, fact_from_table, implication_problems

FACTS_FILE = Path(__file__).parent.parent / "facts.toml"


def load_base_schema() -> FactSchema:
    """The profile keys every city shares (the public profile contract)."""
    tables = parse_toml(FACTS_FILE.read_text(encoding="utf-8"))
    schema = FactSchema({name: fact_from_table(name, table) for name, table in tables.items()})
    for fact in schema.facts.values():
        problems = implication_problems(fact, schema)
        if problems:  # the bundled file is the program's own: a mistake in it is a bug
            raise ValueError(f"{FACTS_FILE}: {'; '.join(problems)}")
    return schema
