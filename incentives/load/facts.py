"""The base fact schema, read from `facts.toml` at the package root."""

from __future__ import annotations

from pathlib import Path

from incentives.load.cache import read_toml, record_valid
from incentives.model.facts import FactSchema, fact_from_table, implication_problems

FACTS_FILE = Path(__file__).parent.parent / "facts.toml"


def load_base_schema() -> FactSchema:
    """The profile keys every city shares (the public profile contract)."""
    text = FACTS_FILE.read_text(encoding="utf-8")
    parsed = read_toml(text, "facts")
    tables = parsed.tables
    if not parsed.valid:
        from incentives.load.schema import FactsFile

        FactsFile.model_validate(tables)  # the program's own file: a mistake is a bug
        record_valid(text, "facts")
    schema = FactSchema({name: fact_from_table(name, table) for name, table in tables.items()})
    for fact in schema.facts.values():
        problems = implication_problems(fact, schema)
        if problems:  # the bundled file is the program's own: a mistake in it is a bug
            raise ValueError(f"{FACTS_FILE}: {'; '.join(problems)}")
    return schema
