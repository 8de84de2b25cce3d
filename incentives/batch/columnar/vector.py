"""Rule expressions evaluated over whole columns at once (numpy), exactly.

The columnar batch path evaluates each compiled expression (the node tree of
`conditions.py`) once per chunk of rows instead of once per row. Values are columns:

- a condition is a pair of boolean arrays, (value, known): three-valued logic, as in
  `conditions.py`, where a row whose outcome is unknown has known False;
- a number is an integer array and a decimal exponent: `ints × 10**-exp`, the same
  coefficient and exponent a Decimal would have. Integers stay in int64 while every
  product and sum provably fits, and move to Python integers (object arrays) when one
  might not, so no value is ever rounded or wrapped;
- a date is an array of proleptic ordinals (`date.toordinal()`), an enum value its index
  in the fact's list of values (so an ordered enum compares by position), a text an
  object array of strings. The reserved dates (`as_of`, `effective_from`, `effective_to`)
  are constant date columns, and `known(fact)` is the fact column's known mask.

Unknown values hold 0 (or "") where `known` is False, so no stray value can overflow.
Floor division by a literal and `floor()` are exact integer floor divisions of the
coefficients. Anything this module cannot do exactly (division, which Decimal rounds at 40
digits)
raises `Unsupported` when the rules are prepared, and the batch then keeps to the
row-by-row reference path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from incentives.errors import Unsupported
from incentives.model import logic
from incentives.model.conditions import (
    ORDER_OPS,
    Arith,
    BoolLeaf,
    BoolOp,
    Compare,
    ConditionRef,
    Const,
    DateRef,
    FactRef,
    Floor,
    Known,
    MinMax,
    Neg,
    Node,
    Not,
    ParamRef,
)
from incentives.model.facts import Fact

INT64_SAFE = 2**62
DECIMAL_EXACT = 10**39  # money.CONTEXT holds 40 digits




@dataclass
class Num:
    ints: Any  # int64 or object ndarray, or a Python int for a constant
    exp: int
    known: np.ndarray


@dataclass
class Cond:
    value: np.ndarray
    known: np.ndarray

    def truth(self) -> logic.Truth[np.ndarray]:
        """As the pair (surely true, surely false) that model.logic combines."""
        return self.value & self.known, ~self.value & self.known

    @staticmethod
    def of(pair: logic.Truth[np.ndarray]) -> Cond:
        true, false = pair
        return Cond(true, true | false)


@dataclass
class Other:
    """A date (ordinals), an enum (codes), a text (strings) or a literal list."""

    data: Any
    known: np.ndarray
    kind: str  # date | enum | text | bool | list
    fact: Fact | None = None


@dataclass
class Column:
    """One fact over the rows of a chunk."""

    kind: str  # bool | number | date | enum | text
    data: np.ndarray
    known: np.ndarray
    exp: int = 0
    fact: Fact | None = None


@dataclass
class Frame:
    """The facts of a chunk of rows, as columns, and the parameters in force."""

    size: int
    columns: Mapping[str, Column]
    params: Mapping[str, Decimal]
    # rows where a value reached 40 digits, which Decimal would round: the reference
    # path takes them (never seen with real amounts; kept so exactness never rests on luck)
    inexact: np.ndarray | None = None
    dates: Mapping[str, date | None] = field(default_factory=dict)  # as conditions.Context's

    def flag(self, num: Num) -> Num:
        if self.inexact is not None and not isinstance(num.ints, int) \
                and num.ints.dtype == object:
            self.inexact |= abs(num.ints) >= DECIMAL_EXACT
        return num

    def all_known(self) -> np.ndarray:
        return np.ones(self.size, dtype=bool)


def decimal_parts(value: Decimal) -> tuple[int, int]:
    """A finite Decimal as (coefficient, exponent to divide by): 1.20 -> (120, 2)."""
    sign, digits, exponent = value.as_tuple()
    coefficient = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    assert isinstance(exponent, int)
    if exponent > 0:
        return coefficient * 10**exponent, 0
    return coefficient, -exponent


def max_abs(ints: Any) -> int:
    if isinstance(ints, int):
        return abs(ints)
    if ints.size == 0:
        return 0
    return int(np.abs(ints).max())


def _exact(ints: Any, bound: int) -> Any:
    """`ints` as Python integers (object array) once a result could pass int64."""
    if bound < INT64_SAFE or isinstance(ints, int) or ints.dtype == object:
        return ints
    return ints.astype(object)


def multiply(a: Any, b: Any) -> Any:
    # the bound of the operands too: a column of zeros (every row unknown) times a
    # constant past int64 must not be computed in int64
    bound = max(max_abs(a) * max_abs(b), max_abs(a), max_abs(b))
    return _exact(a, bound) * _exact(b, bound)


def add(a: Any, b: Any, subtract: bool = False) -> Any:
    bound = max_abs(a) + max_abs(b)
    a, b = _exact(a, bound), _exact(b, bound)
    return a - b if subtract else a + b


def rescale(num: Num, exp: int) -> Any:
    """The integers of `num` at a larger exponent (more decimal places)."""
    return num.ints if exp == num.exp else multiply(num.ints, 10 ** (exp - num.exp))


def to_fen(num: Num) -> Any:
    """Whole fen, rounded half-up (away from zero on a tie), as `money.to_fen` does."""
    if num.exp <= 2:
        return rescale(num, 2)
    step = 10 ** (num.exp - 2)
    ints = _broadcast(num.ints, len(num.known))
    ints = _exact(ints, max_abs(ints) + step)
    magnitude = (abs(ints) + step // 2) // step
    return np.where(ints < 0, -magnitude, magnitude)


def evaluate(node: Node, frame: Frame) -> Num | Cond | Other:
    """The value of one expression node over every row of the frame."""
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise Unsupported(f"{type(node).__name__} nodes")
    return handler(node, frame)


def condition(node: Node, frame: Frame) -> Cond:
    value = evaluate(node, frame)
    if isinstance(value, Cond):
        return value
    if isinstance(value, Other) and value.kind == "bool":
        return Cond(value.data.astype(bool), value.known)
    raise Unsupported("a condition that is not true or false")


def number(node: Node, frame: Frame) -> Num:
    value = evaluate(node, frame)
    if not isinstance(value, Num):
        raise Unsupported("a number that is not a number")
    return value


def _const(node: Const, frame: Frame) -> Num | Cond | Other:
    known = frame.all_known()
    value = node.value
    if isinstance(value, bool):
        return Cond(np.full(frame.size, value), known)
    if isinstance(value, Decimal):
        ints, exp = decimal_parts(value)
        return Num(ints, exp, known)
    if isinstance(value, date):
        return Other(value.toordinal(), known, "date")
    if isinstance(value, str):
        return Other(value, known, "text")
    return Other(value, known, "list")


def _fact(node: FactRef, frame: Frame) -> Num | Cond | Other:
    column = frame.columns[node.name]
    if column.kind == "number":
        return Num(column.data, column.exp, column.known)
    if column.kind == "bool":
        return Cond(column.data, column.known)
    return Other(column.data, column.known, column.kind, column.fact)


def _param(node: ParamRef, frame: Frame) -> Num:
    ints, exp = decimal_parts(frame.params[node.name])
    return Num(ints, exp, frame.all_known())


def _date(node: DateRef, frame: Frame) -> Other:
    day = frame.dates.get(node.name)
    if day is None:  # no end to the rule: every comparison with it unknown
        return Other(0, np.zeros(frame.size, dtype=bool), "date")
    return Other(day.toordinal(), frame.all_known(), "date")


def _known(node: Known, frame: Frame) -> Cond:
    return Cond(frame.columns[node.name].known.copy(), frame.all_known())


def _floor(node: Floor, frame: Frame) -> Num:
    a = number(node.a, frame)
    return frame.flag(_blank(Num(floor_divide(a.ints, 10**a.exp), 0, a.known)))


def floor_divide(ints: Any, divisor: int) -> Any:
    """Integer floor division (toward minus infinity, as Python's and numpy's `//`) of a
    column by a non-zero whole number, in Python integers once int64 might not hold it."""
    if isinstance(ints, int):
        return ints // divisor
    return _exact(ints, max(max_abs(ints), abs(divisor))) // divisor


def _arith(node: Arith, frame: Frame) -> Num:
    name = getattr(node.fn, "__name__", "")
    a, b = number(node.a, frame), number(node.b, frame)
    known = a.known & b.known
    if name == "floor_divide" and isinstance(b.ints, int) and b.ints != 0:
        # a / b = (a.ints × 10**b.exp) / (b.ints × 10**a.exp), floored: a whole number
        numerator = multiply(a.ints, 10**b.exp)
        divisor = b.ints * 10**a.exp
        if divisor < 0:
            numerator, divisor = -numerator, -divisor
        return frame.flag(_blank(Num(floor_divide(numerator, divisor), 0, known)))
    if name == "multiply":
        return frame.flag(_blank(Num(multiply(a.ints, b.ints), a.exp + b.exp, known)))
    if name in ("add", "subtract"):
        exp = max(a.exp, b.exp)
        total = add(rescale(a, exp), rescale(b, exp), name == "subtract")
        return frame.flag(_blank(Num(total, exp, known)))
    raise Unsupported(f"the operation {name}")


def _neg(node: Neg, frame: Frame) -> Num:
    a = number(node.a, frame)
    return Num(-a.ints, a.exp, a.known)


def _minmax(node: MinMax, frame: Frame) -> Num:
    args = [number(arg, frame) for arg in node.args]
    exp = max(arg.exp for arg in args)
    scaled = [_broadcast(rescale(arg, exp), frame.size) for arg in args]
    if any(s.dtype == object for s in scaled):
        scaled = [s.astype(object) for s in scaled]
    pick = np.minimum if node.fn is min else np.maximum
    result = scaled[0]
    for other in scaled[1:]:
        result = pick(result, other)
    known = np.logical_and.reduce([arg.known for arg in args])
    return _blank(Num(result, exp, known))


def _blank(num: Num) -> Num:
    """Zero where unknown, so an unknown row never carries a value on."""
    if isinstance(num.ints, int) or num.known.all():
        return num
    return Num(np.where(num.known, num.ints, 0), num.exp, num.known)


def _broadcast(ints: Any, size: int) -> np.ndarray:
    if isinstance(ints, int):
        return np.full(size, ints, dtype=object if abs(ints) >= INT64_SAFE else np.int64)
    return ints  # type: ignore[no-any-return]


def _compare(node: Compare, frame: Frame) -> Cond:
    a, b = evaluate(node.a, frame), evaluate(node.b, frame)
    known = a.known & b.known
    if isinstance(a, Num) and isinstance(b, Num):
        exp = max(a.exp, b.exp)
        left, right = rescale(a, exp), rescale(b, exp)
    elif isinstance(a, Cond) and isinstance(b, Cond):
        left, right = a.value, b.value
    elif isinstance(a, Other) and isinstance(b, Other):
        left, right = _operands(a, b, node.op)
    else:
        raise Unsupported("a comparison of unlike values")
    value = _COMPARE[node.op](left, right)
    value = np.broadcast_to(value, known.shape)
    return Cond(value & known, known)


def _operands(a: Other, b: Other, op: str) -> tuple[Any, Any]:
    if op in ("in", "not in"):
        if a.kind == "enum":
            assert a.fact is not None
            return a.data, [a.fact.values.index(v) for v in b.data]
        return a.data, list(b.data)
    if a.kind == "enum" and b.kind == "text":  # an enum against a canonical literal
        assert a.fact is not None
        return a.data, a.fact.values.index(b.data)
    if b.kind == "enum" and a.kind == "text":
        assert b.fact is not None
        return b.fact.values.index(a.data), b.data
    return a.data, b.data


def _isin(left: Any, right: list[Any]) -> np.ndarray:
    return np.isin(left, right) if len(right) else np.zeros(np.shape(left), dtype=bool)


# the reference engine's comparisons work on arrays as they are; only `in` needs numpy's
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    **ORDER_OPS,
    "in": _isin,
    "not in": lambda a, b: ~_isin(a, b),
}


def _bool_leaf(node: BoolLeaf, frame: Frame) -> Cond:
    return condition(node.inner, frame)


def _named(node: ConditionRef, frame: Frame) -> Cond:
    return condition(node.inner, frame)


def _not(node: Not, frame: Frame) -> Cond:
    return negate(condition(node.a, frame))


def _bool_op(node: BoolOp, frame: Frame) -> Cond:
    return combine(node, [condition(item, frame) for item in node.items])


def negate(item: Cond) -> Cond:
    return Cond.of(logic.negation(item.truth()))


def combine(node: BoolOp, items: list[Cond]) -> Cond:
    """The `and` or `or` of a BoolOp over its operands' outcomes, by model.logic's table."""
    join = logic.conjunction if node.is_and else logic.disjunction
    return Cond.of(join([item.truth() for item in items]))


_HANDLERS: dict[type, Callable[[Any, Frame], Num | Cond | Other]] = {
    Const: _const,
    FactRef: _fact,
    ParamRef: _param,
    DateRef: _date,
    Known: _known,
    Floor: _floor,
    Arith: _arith,
    Neg: _neg,
    MinMax: _minmax,
    Compare: _compare,
    BoolLeaf: _bool_leaf,
    ConditionRef: _named,
    Not: _not,
    BoolOp: _bool_op,
}
