"""The least and the most an open amount can be, over columns: `model.bounds` row by row.

For the rows whose amount the unknown facts leave open, every combination of the yes/no
and listed facts the amount's cases read is tried as one frame, in which each of those
facts takes the combination's value where the row doesn't know it (a row that knows it
keeps its own value, so the combinations only repeat its consistent ones). In each frame
the cases are worked out over intervals, column by column, exactly as `bounds._cases_span`
and `bounds._span` do it: an unknown number lies in [0, ∞), or anywhere if it is signed;
ends at infinity are carried as signs; 0 × ∞ is 0. A row gets no range where
`bounds.amount_range` gives None (too many combinations, an unknown number read twice by
a value, a condition narrowing the value it gives, an infinite end), and the deciding facts
are those of `bounds._decider` and `bounds._spread`. Division never reaches here (the
columnar path refuses it); a value of any other form than the ones below leaves the open
rows to the row engine (`RangePlan.supported`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from typing import Any

import numpy as np

from incentives.batch.columnar.vector import (
    DECIMAL_EXACT,
    Column,
    Frame,
    Num,
    add,
    condition,
    decimal_parts,
    multiply,
    rescale,
    to_fen,
)
from incentives.model.bounds import MAX_COMBINATIONS, case_facts, children, fact_refs
from incentives.model.conditions import Arith, Const, FactRef, MinMax, Neg, Node, ParamRef
from incentives.model.facts import FactSchema
from incentives.model.rule import AmountCase

FINITE = ("bool", "enum")
_STACKED = 1 << 16  # rows × combinations worked out in one frame


@dataclass
class End:
    """One end of an interval over the rows: `ints × 10**-exp`, or an infinity where `inf`
    is -1 or +1 (ints 0 there)."""

    ints: Any
    exp: int
    inf: np.ndarray


@dataclass
class Found:
    """The ranges of a subset of rows."""

    bounded: np.ndarray  # rows with a finite range worked out exactly
    least: Any  # fen
    most: Any
    deciders: np.ndarray  # bit mask of the deciding facts
    refer: np.ndarray  # rows to leave to the row engine


@dataclass
class CaseFacts:
    """What one case's value reads more than once, and what its condition shares with it."""

    doubled: list[str]
    shared: list[str]


class RangePlan:
    """A rule's amount cases, looked at once: the facts they read, and whether every value
    has a form worked out here."""

    def __init__(self, cases: list[AmountCase], params: dict[str, Decimal],
                 schema: FactSchema) -> None:
        self.cases = cases
        read = sorted({name for case in cases for name in case_facts(case)})
        self.supported = all(name in schema for name in read) and all(
            _form(case.value.root, params, schema) for case in cases)
        kinds = {name: schema[name].value_type for name in read if name in schema}
        self.finite = [name for name in read if kinds.get(name) in FINITE]
        self.others = [name for name in read if name not in self.finite]
        self.read = self.finite + self.others  # every fact the cases read, and no other
        self.choices = {name: (True, False) if kinds[name] == "bool"
                        else tuple(range(len(schema[name].values))) for name in self.finite}
        self.signed = {name: schema[name].signed for name in read if name in schema}
        self.case_facts = [self._case_facts(case) for case in cases]

    def _case_facts(self, case: AmountCase) -> CaseFacts:
        counts: dict[str, int] = {}
        for name in fact_refs(case.value.root):
            counts[name] = counts.get(name, 0) + 1
        doubled = [name for name, count in counts.items()
                   if count > 1 and name in self.others]
        when = case.when.facts if case.when is not None else frozenset()
        return CaseFacts(doubled, sorted(when & case.value.facts & set(self.others)))


def _form(node: Node, params: dict[str, Decimal], schema: FactSchema) -> bool:
    """Whether `_span` below works the value out as `bounds._span` does."""
    if isinstance(node, ParamRef):
        return isinstance(params.get(node.name), Decimal)
    if isinstance(node, FactRef):
        return node.name in schema and schema[node.name].value_type == "number"
    if isinstance(node, Const):
        return isinstance(node.value, Decimal) and not isinstance(node.value, bool)
    if isinstance(node, Arith) and node.symbol not in ("+", "−", "×"):
        return False
    if isinstance(node, MinMax) and node.fn not in (min, max):
        return False
    if not isinstance(node, (Arith, Neg, MinMax)):
        return False
    return all(_form(child, params, schema) for child in children(node))


def amount_ranges(plan: RangePlan, frame: Frame, bits: dict[str, np.int64]) -> Found:
    """The range of each row of `frame` (every row's amount open), as `bounds.amount_range`
    gives it; `bits` are the facts' bits for the deciders. Rows are taken together by
    which of the listed and yes/no facts they don't know, so that each group tries the
    combinations of its own unknown facts alone (for a row, a fact it knows takes its
    value in every combination: trying the others changes nothing). Rows that agree on
    every fact the cases read are worked out once (a range reads nothing else)."""
    frame = Frame(frame.size, {name: frame.columns[name] for name in plan.read}, frame.params,
                  frame.inexact, frame.dates)
    first, where = _distinct_rows(frame, plan.read)
    if len(first) * 2 > frame.size:
        return _grouped(plan, frame, bits)
    found = _grouped(plan, _rows_of(frame, first), bits)
    return Found(found.bounded[where], _taken(found.least, where), _taken(found.most, where),
                 found.deciders[where], found.refer[where])


def _distinct_rows(frame: Frame, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A row for each distinct combination of the facts' values (known or not) and of
    `frame.inexact`, and the combination of each row: rows[where] stands for the frame.
    Every row stands for itself where a fact's values are Python objects."""
    columns = [frame.columns[name] for name in names]
    if any(column.data.dtype == object for column in columns):
        every = np.arange(frame.size)
        return every, every
    keys = [(c.known, np.where(c.known, c.data, 0)) for c in columns]
    if frame.inexact is not None:
        keys.append((frame.inexact, frame.inexact))
    code = np.zeros(frame.size, dtype=np.int64)
    for known, data in keys:
        part = np.unique(data, return_inverse=True)[1].reshape(-1) * 2 + known
        code = np.unique(code * (int(part.max(initial=0)) + 1) + part,
                         return_inverse=True)[1].reshape(-1)
    return np.unique(code, return_index=True)[1], code


def _taken(fen: Any, where: np.ndarray) -> Any:
    return fen if np.ndim(fen) == 0 else np.asarray(fen)[where]


def _grouped(plan: RangePlan, frame: Frame, bits: dict[str, np.int64]) -> Found:
    """`amount_ranges` by groups of rows with the same unknown listed and yes/no facts."""
    size = frame.size
    pattern = np.zeros(size, dtype=np.int64)
    for index, name in enumerate(plan.finite[:62]):
        pattern |= (~frame.columns[name].known).astype(np.int64) << index
    codes = np.unique(pattern)
    if len(codes) <= 1 or len(plan.finite) > 62:
        return _ranges_of(plan, frame, bits)
    bounded = np.zeros(size, dtype=bool)
    refer = np.zeros(size, dtype=bool)
    deciders = np.zeros(size, dtype=np.int64)
    least: list[tuple[np.ndarray, Any]] = []
    most: list[tuple[np.ndarray, Any]] = []
    for code in codes.tolist():
        rows = np.flatnonzero(pattern == code)
        found = _ranges_of(plan, _rows_of(frame, rows), bits)
        bounded[rows], refer[rows], deciders[rows] = found.bounded, found.refer, found.deciders
        least.append((rows, found.least))
        most.append((rows, found.most))
    return Found(bounded, _scattered(least, size), _scattered(most, size), deciders, refer)


def _rows_of(frame: Frame, rows: np.ndarray) -> Frame:
    columns = {name: Column(c.kind, c.data[rows], c.known[rows], c.exp, c.fact)
               for name, c in frame.columns.items()}
    inexact = None if frame.inexact is None else frame.inexact[rows]
    return Frame(len(rows), columns, frame.params, inexact, frame.dates)


def _scattered(parts: list[tuple[np.ndarray, Any]], size: int) -> np.ndarray:
    """Fen of groups of rows put back in the rows' places (Python integers if any group
    has them)."""
    values = [np.broadcast_to(np.asarray(fen), (len(rows),)) for rows, fen in parts]
    wide = any(value.dtype == object for value in values)
    found = np.zeros(size, dtype=object if wide else np.int64)
    for (rows, _), value in zip(parts, values, strict=True):
        found[rows] = value
    return found


def _ranges_of(plan: RangePlan, frame: Frame, bits: dict[str, np.int64]) -> Found:
    """`amount_ranges` for rows taken together."""
    size = frame.size
    columns = frame.columns
    unknown = {name: ~columns[name].known for name in plan.read}
    count = np.ones(size, dtype=np.int64)
    for name in plan.finite:
        count = np.where(unknown[name], np.minimum(count * len(plan.choices[name]),
                                                   MAX_COMBINATIONS + 1), count)
    rows = count <= MAX_COMBINATIONS  # more combinations than that: no range
    varied = [name for name in plan.finite if (unknown[name] & rows).any()]
    total = 1
    for name in varied:
        total *= len(plan.choices[name])
    nothing = np.zeros(size, dtype=bool)
    if total > MAX_COMBINATIONS:  # each row has few, all together too many to try here
        return Found(nothing, 0, 0, np.zeros(size, dtype=np.int64), rows)
    spans: dict[tuple[Any, ...], tuple[End, End]] = {}
    bad = ~rows
    combinations = list(product(*(plan.choices[name] for name in varied)))
    step = max(1, _STACKED // max(size, 1))
    for start in range(0, len(combinations), step):
        part = combinations[start:start + step]
        low, high, unbounded = _stacked(plan, frame, unknown, varied, part)
        bad |= unbounded
        if step >= len(combinations) and _plain(low) and _plain(high):
            break  # every combination in one frame, in int64: taken together below
        for index, answers in enumerate(part):
            rows_of = slice(index * size, (index + 1) * size)
            spans[answers] = (_part(low, rows_of), _part(high, rows_of))
    if spans:
        ends = list(spans.values())
        low, high = ends[0]
        for other_low, other_high in ends[1:]:
            low, high = _min(low, other_low), _max(high, other_high)
        deciders = _deciders(plan, varied, spans, unknown, bits, size)
    else:
        shape = (*(len(plan.choices[name]) for name in varied), size)
        low, high, deciders = _together(plan, varied, low, high, shape, unknown, bits)
    bounded = ~bad & (low.inf == 0) & (high.inf == 0)
    refer = frame.inexact if frame.inexact is not None else nothing
    return Found(bounded & ~refer, _fen(low), _fen(high), deciders, refer.copy())


def _stacked(plan: RangePlan, frame: Frame, unknown: dict[str, np.ndarray], varied: list[str],
             combinations: list[tuple[Any, ...]]) -> tuple[End, End, np.ndarray]:
    """The cases worked out for several combinations at once, in one frame of the rows
    repeated, a copy for each combination (in order): the span of each copy; the rows
    not bounded exactly in any of them; and `frame.inexact` marked."""
    size, copies = frame.size, len(combinations)
    columns = {name: Column(c.kind, np.tile(c.data, copies), np.tile(c.known, copies), c.exp,
                            c.fact) for name, c in frame.columns.items()}
    for index, name in enumerate(varied):
        column = columns[name]
        values = np.repeat(np.array([answers[index] for answers in combinations]), size)
        columns[name] = Column(column.kind, np.where(column.known, column.data, values),
                               np.ones(size * copies, dtype=bool), column.exp, column.fact)
    inexact = None if frame.inexact is None else np.tile(frame.inexact, copies)
    low, high, unbounded = _cases(plan, Frame(size * copies, columns, frame.params, inexact,
                                              frame.dates),
                                  {name: np.tile(mask, copies) for name, mask in unknown.items()})
    if frame.inexact is not None and inexact is not None:
        frame.inexact |= inexact.reshape(copies, size).any(axis=0)
    return low, high, np.any(unbounded.reshape(copies, size), axis=0)


def _plain(end: End) -> bool:
    return np.ndim(end.ints) == 1 and end.ints.dtype == np.int64


def _together(plan: RangePlan, varied: list[str], low: End, high: End, shape: tuple[int, ...],
              unknown: dict[str, np.ndarray], bits: dict[str, np.int64]
              ) -> tuple[End, End, np.ndarray]:
    """The least of the lows and the most of the highs over every combination, and the
    deciders (`_deciders`), from the spans of all combinations in one frame (int64 ends,
    a combination's rows after another's, in the order of `product`): as arrays of
    `shape`, an axis for each varied fact and the rows last. An infinite end holds 0."""
    size = shape[-1]
    lows, low_inf = low.ints.reshape(shape), low.inf.reshape(shape)
    highs, high_inf = high.ints.reshape(shape), high.inf.reshape(shape)
    axes = tuple(range(len(shape) - 1))
    least_inf = low_inf.min(axis=axes)
    least = np.where(low_inf == 0, lows, np.iinfo(np.int64).max).min(axis=axes)
    most_inf = high_inf.max(axis=axes)
    most = np.where(high_inf == 0, highs, np.iinfo(np.int64).min).max(axis=axes)
    joined_low = End(np.where(least_inf == 0, least, 0), low.exp, least_inf.astype(np.int8))
    joined_high = End(np.where(most_inf == 0, most, 0), high.exp, most_inf.astype(np.int8))

    def same(a: Any, a_inf: Any, b: Any, b_inf: Any) -> Any:
        return (a_inf == b_inf) & ((a_inf != 0) | (a == b))

    found = np.zeros(size, dtype=np.int64)
    moving = np.any(~same(lows, low_inf, highs, high_inf), axis=axes)
    for name in plan.others:
        found |= np.where(moving & unknown[name], bits[name], np.int64(0))
    for index, name in enumerate(varied):
        first = tuple(slice(0, 1) if axis == index else slice(None) for axis in range(len(shape)))
        kept = same(lows, low_inf, lows[first], low_inf[first]) & same(
            highs, high_inf, highs[first], high_inf[first])
        changes = np.any(~kept, axis=axes)
        found |= np.where(changes & unknown[name], bits[name], np.int64(0))
    return joined_low, joined_high, found


def _part(end: End, part: slice) -> End:
    ints = end.ints[part] if np.ndim(end.ints) else end.ints
    return End(ints, end.exp, end.inf[part])


def _fen(end: End) -> Any:
    return to_fen(Num(end.ints, end.exp, end.inf == 0))


def _cases(plan: RangePlan, frame: Frame, unknown: dict[str, np.ndarray]
           ) -> tuple[End, End, np.ndarray]:
    """`bounds._cases_span` over the rows: the span of the first case that surely holds,
    joined with every case before it that may hold (and with 0 if none surely holds); and
    the rows where it is not bounded exactly."""
    size = frame.size
    reached = np.ones(size, dtype=bool)
    bad = np.zeros(size, dtype=bool)
    zero = _point(np.zeros(size, dtype=np.int64), 0, size)
    low, high = zero, zero
    found = np.zeros(size, dtype=bool)
    for case, facts in zip(plan.cases, plan.case_facts, strict=True):
        if case.when is None:
            holds, maybe = reached.copy(), np.zeros(size, dtype=bool)
        else:
            outcome = condition(case.when.root, frame)
            holds, maybe = outcome.known & outcome.value, ~outcome.known
        active = reached & (holds | maybe)
        if active.any():
            for name in facts.doubled:
                bad |= active & unknown[name]
            for name in facts.shared:
                bad |= reached & maybe & unknown[name]
            value_low, value_high = _span(case.value.root, frame, plan)
            low = _pick(active & found, _min(low, value_low), _pick(active, value_low, low))
            high = _pick(active & found, _max(high, value_high),
                         _pick(active, value_high, high))
            found |= active
        reached &= ~holds
    low = _pick(reached & found, _min(low, zero), _pick(reached, zero, low))
    high = _pick(reached & found, _max(high, zero), _pick(reached, zero, high))
    return low, high, bad


def _point(ints: Any, exp: int, size: int) -> End:
    if isinstance(ints, int):
        ints = np.full(size, ints, dtype=object if abs(ints) >= 2**62 else np.int64)
    return End(ints, exp, np.zeros(size, dtype=np.int8))


def _span(node: Node, frame: Frame, plan: RangePlan) -> tuple[End, End]:
    size = frame.size
    if isinstance(node, ParamRef):
        ints, exp = decimal_parts(frame.params[node.name])
        return _point(ints, exp, size), _point(ints, exp, size)
    if isinstance(node, FactRef):
        column = frame.columns[node.name]
        known = column.known
        data = np.where(known, column.data, 0)
        bottom = -1 if plan.signed.get(node.name) else 0  # a loss is below zero
        return (End(data, column.exp, np.where(known, 0, bottom).astype(np.int8)),
                End(data, column.exp, np.where(known, 0, 1).astype(np.int8)))
    if isinstance(node, Const):
        value, places = decimal_parts(node.value)
        return _point(value, places, size), _point(value, places, size)
    if isinstance(node, Neg):
        low, high = _span(node.a, frame, plan)
        return _negate(high), _negate(low)
    if isinstance(node, MinMax):
        spans = [_span(arg, frame, plan) for arg in node.args]
        pick = _min if node.fn is min else _max
        low, high = spans[0]
        for other_low, other_high in spans[1:]:
            low, high = pick(low, other_low), pick(high, other_high)
        return low, high
    assert isinstance(node, Arith)
    (a_low, a_high), (b_low, b_high) = _span(node.a, frame, plan), _span(node.b, frame, plan)
    if node.symbol == "+":
        return _flag(frame, _add(a_low, b_low)), _flag(frame, _add(a_high, b_high))
    if node.symbol == "−":
        return (_flag(frame, _add(a_low, _negate(b_high))),
                _flag(frame, _add(a_high, _negate(b_low))))
    ends = [_flag(frame, _times(x, y)) for x in (a_low, a_high) for y in (b_low, b_high)]
    low, high = ends[0], ends[0]
    for end in ends[1:]:
        low, high = _min(low, end), _max(high, end)
    return low, high


def _flag(frame: Frame, end: End) -> End:
    """Rows where a value reached 40 digits (Decimal would round it) go to the row engine."""
    if frame.inexact is not None and end.ints.dtype == object:
        frame.inexact |= abs(end.ints) >= DECIMAL_EXACT
    return end


def _negate(end: End) -> End:
    return End(-end.ints, end.exp, -end.inf)


def _aligned(a: End, b: End) -> tuple[Any, Any, int]:
    exp = max(a.exp, b.exp)
    known = np.ones(len(a.inf), dtype=bool)
    return rescale(Num(a.ints, a.exp, known), exp), rescale(Num(b.ints, b.exp, known), exp), exp


def _add(a: End, b: End) -> End:
    """An end plus an end of the same side (never +∞ and -∞ together)."""
    left, right, exp = _aligned(a, b)
    inf = np.where(a.inf != 0, a.inf, b.inf).astype(np.int8)
    return End(np.where(inf == 0, add(left, right), 0), exp, inf)


def _sign(end: End) -> np.ndarray:
    finite = (end.ints > 0).astype(np.int8) - (end.ints < 0).astype(np.int8)
    return np.where(end.inf != 0, end.inf, finite).astype(np.int8)


def _times(a: End, b: End) -> End:
    """`bounds._times`: 0 × anything is 0; a product with an infinity is a signed one."""
    zero = ((a.inf == 0) & (a.ints == 0)) | ((b.inf == 0) & (b.ints == 0))
    infinite = ~zero & ((a.inf != 0) | (b.inf != 0))
    inf = np.where(infinite, _sign(a) * _sign(b), 0).astype(np.int8)
    return End(np.where(inf == 0, multiply(a.ints, b.ints), 0), a.exp + b.exp, inf)


def _less(a: End, b: End) -> np.ndarray:
    left, right, _ = _aligned(a, b)
    less: np.ndarray = (a.inf < b.inf) | ((a.inf == 0) & (b.inf == 0) & (left < right))
    return less


def _equal(a: End, b: End) -> np.ndarray:
    left, right, _ = _aligned(a, b)
    same: np.ndarray = (a.inf == b.inf) & ((a.inf != 0) | (left == right))
    return same


def _pick(mask: np.ndarray, a: End, b: End) -> End:
    left, right, exp = _aligned(a, b)
    return End(np.where(mask, left, right), exp, np.where(mask, a.inf, b.inf).astype(np.int8))


def _min(a: End, b: End) -> End:
    return _pick(_less(a, b), a, b)


def _max(a: End, b: End) -> End:
    return _pick(_less(b, a), a, b)


def _deciders(plan: RangePlan, varied: list[str], spans: dict[tuple[Any, ...], tuple[End, End]],
              unknown: dict[str, np.ndarray], bits: dict[str, np.int64], size: int
              ) -> np.ndarray:
    """`bounds._decider` and `bounds._spread`: a listed or yes/no fact the row doesn't know
    decides if changing it alone changes some combination's span; every other unknown fact
    the cases read, if some combination's span is not a single point."""
    found = np.zeros(size, dtype=np.int64)
    moving = np.zeros(size, dtype=bool)
    for low, high in spans.values():
        moving |= ~_equal(low, high)
    for name in plan.others:
        found |= np.where(moving & unknown[name], bits[name], np.int64(0))
    for index, name in enumerate(varied):
        first = plan.choices[name][0]
        changes = np.zeros(size, dtype=bool)
        for answers, (low, high) in spans.items():
            if answers[index] != first:
                continue
            for value in plan.choices[name][1:]:
                other_low, other_high = spans[(*answers[:index], value, *answers[index + 1:])]
                changes |= ~(_equal(low, other_low) & _equal(high, other_high))
        found |= np.where(changes & unknown[name], bits[name], np.int64(0))
    return found
