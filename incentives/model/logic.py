"""Kleene's three-valued logic: the one table both engines use.

A condition's outcome is held as a pair (surely true, surely false); neither means unknown.
The same functions combine pairs of Python bools (one institution) and pairs of numpy
boolean arrays (a block of a registry), so the row engine and the columnar engine cannot
disagree about what `and`, `or` and `not` do with an unknown:
a false operand settles `and`, a true one settles `or`, and `not` swaps the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import and_, or_
from typing import Any, TypeVar

T = TypeVar("T")
Truth = tuple[T, T]  # (surely true, surely false)


def conjunction(items: Sequence[Truth[Any]]) -> Truth[Any]:
    """`a and b and …`: true when every operand is, false when any operand is."""
    return reduce(and_, (true for true, _ in items)), reduce(or_, (false for _, false in items))


def disjunction(items: Sequence[Truth[Any]]) -> Truth[Any]:
    """`a or b or …`: true when any operand is, false when every operand is."""
    return reduce(or_, (true for true, _ in items)), reduce(and_, (false for _, false in items))


def negation(item: Truth[T]) -> Truth[T]:
    """`not a`: true where a is false, false where a is true, unknown stays unknown."""
    return item[1], item[0]


def truth(outcome: bool | None) -> Truth[bool]:
    """One outcome as a pair: True, False or None (unknown)."""
    return outcome is True, outcome is False


def outcome(pair: Truth[bool]) -> bool | None:
    """The pair back as True, False or None."""
    return True if pair[0] else False if pair[1] else None


# The same table for one institution's outcomes (True, False or None), without the pairs:
# what compiled expressions (conditions.Node.evaluator) use. tests/test_compiled.py holds
# them to the functions above.


def kleene_and(outcomes: Sequence[bool | None]) -> bool | None:
    """outcome(conjunction([truth(o) for o in outcomes])), at least one outcome."""
    found: bool | None = True
    for each in outcomes:
        if each is False:
            return False
        if each is not True:
            found = None
    return found


def kleene_or(outcomes: Sequence[bool | None]) -> bool | None:
    """outcome(disjunction([truth(o) for o in outcomes])), at least one outcome."""
    found: bool | None = False
    for each in outcomes:
        if each is True:
            return True
        if each is not False:
            found = None
    return found


def kleene_not(value: Any) -> bool | None:
    """outcome(negation(truth(value))): anything but True or False is unknown."""
    return False if value is True else True if value is False else None
