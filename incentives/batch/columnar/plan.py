"""Every city's rules prepared for a batch, and a city's rows of a block assessed by them.

`Plan` resolves each rule's parameters for the as-of date once; `assess_city` runs every
rule of a city (and each national rule a city rule restates) over the rows of a block
that are in that city, and says, row by row, which of the two leads (`engine._shown_once`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from incentives.batch.columnar.engine import FactBits, Prepared, RuleColumns, check_supported
from incentives.batch.columnar.frame import Facts
from incentives.batch.columnar.vector import Column, Frame
from incentives.load.rulebook import RuleBook
from incentives.model.place import City


@dataclass
class Slot:
    """One result of an assessment: a rule, and the national rule it restates (if any)."""

    rule: Prepared
    restated: Prepared | None


class Plan:
    """Every city's rules prepared for one as-of date and set of overrides."""

    def __init__(self, book: RuleBook, as_of: date, overrides: dict[str, Decimal]) -> None:
        self.book, self.as_of = book, as_of
        self.bits = FactBits(list(book.schema.facts))
        self.slots: dict[str, list[Slot]] = {}
        for city in book.cities:
            pairs = book.rules_for(city, as_of)
            for rule, restated in pairs:
                check_supported(rule)
                if restated is not None:
                    check_supported(restated)
            self.slots[city] = [
                Slot(Prepared(rule, book, city, as_of, overrides),
                     None if restated is None else Prepared(restated, book, city, as_of,
                                                            overrides))
                for rule, restated in pairs]


@dataclass
class Assessed:
    """One city's rows of a block, assessed: each slot's result and which rule leads."""

    city: City
    rows: np.ndarray  # positions in the block's plain rows
    primary: list[RuleColumns]
    other: list[RuleColumns | None]
    lead_other: list[np.ndarray]  # where the restated rule leads
    inexact: np.ndarray  # rows where a value grew too long to be sure of (see vector.Frame)

    def chosen(self, slot: int) -> list[tuple[RuleColumns, np.ndarray]]:
        """The slot's results with the rows where each is the one shown."""
        other = self.other[slot]
        if other is None:
            return [(self.primary[slot], np.ones(len(self.rows), dtype=bool))]
        lead = self.lead_other[slot]
        return [(self.primary[slot], ~lead), (other, lead)]


def assess_city(plan: Plan, city: str, facts: Facts, rows: np.ndarray) -> Assessed:
    """Every rule of the city over the given rows of the block."""
    size = len(rows)
    columns = {name: Column(c.kind, c.data[rows], c.known[rows], c.exp, c.fact)
               for name, c in facts.columns.items()}
    frame = Frame(size, columns, {}, np.zeros(size, dtype=bool))
    primary, other, lead = [], [], []
    for slot in plan.slots[city]:
        mine = slot.rule.assess(frame, plan.bits)
        theirs = None if slot.restated is None else slot.restated.assess(frame, plan.bits)
        primary.append(mine)
        other.append(theirs)
        lead.append(np.zeros(size, dtype=bool) if theirs is None
                    else _leads(slot, theirs.status, mine.status))
    assert frame.inexact is not None
    return Assessed(plan.book.cities[city], rows, primary, other, lead, frame.inexact)


def _leads(slot: Slot, theirs: np.ndarray, mine: np.ndarray) -> np.ndarray:
    """Where the restated rule leads: better for the row, or as good and alone in force
    (as `engine._shown_once`)."""
    assert slot.restated is not None
    as_of = slot.rule.as_of
    alone = slot.restated.rule.in_force_on(as_of) and not slot.rule.rule.in_force_on(as_of)
    return (theirs > mine) | ((theirs == mine) & alone)  # type: ignore[no-any-return]


def fallback_rows(assessed: Assessed) -> np.ndarray:
    """Rows of the city's group that the reference path must assess instead."""
    found = assessed.inexact.copy()
    for result in [*assessed.primary, *(o for o in assessed.other if o is not None)]:
        found |= result.fallback
    return found
