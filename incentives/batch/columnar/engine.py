"""Every rule of a city assessed over a chunk of rows at once: the columnar `engine.py`.

For each rule this works out, column by column, what `engine.assess_rule` works out row
by row: the status, the amount in fen (or, where unknown facts leave it open, its least
and most, `ranges.py`), the payers' parts, the instalments and their dates, the period,
and the facts that would settle it (as a bit mask over the schema's facts). The
condition's trace is kept as columns too (each node's outcome and whether it decided),
since the missing facts are read off it as `engine` reads them off its trace.
`tests/test_batch_columnar.py` holds the two engines to the same answers on every row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from incentives.assessment.engine import DERIVED_FROM
from incentives.batch.columnar.ranges import RangePlan, amount_ranges
from incentives.batch.columnar.vector import (
    Column,
    Cond,
    Frame,
    add,
    combine,
    condition,
    multiply,
    negate,
    number,
    to_fen,
)
from incentives.errors import Unsupported
from incentives.load.rulebook import RuleBook
from incentives.model.bounds import unbounding_facts
from incentives.model.conditions import BoolOp, ConditionRef, Expression, Node, Not
from incentives.model.params import resolve
from incentives.model.rule import Instalment, Offset, Rule

NOT, NEEDS, ELIGIBLE = 0, 1, 2  # ranked: the better result for the institution is higher
STATUS_NAMES = ("not_eligible", "needs_info", "eligible")
MAX_FACTS = 62
# money.to_fen refuses an amount of 10**37 yuan or more; such rows take the reference path
FEN_LIMIT = 10**38


@dataclass
class Dues:
    """One instalment over the rows: its date (ordinal) and each payer's part (fen)."""

    due: np.ndarray
    due_known: np.ndarray
    amount: Any
    parts: list[Any]
    month: bool = False  # a calendar month's window: `due` is its first day


@dataclass
class ExtentColumns:
    """One end of the rows' ranges: the amount (fen), each payer's part, the instalments."""

    amount: Any
    parts: list[Any] = field(default_factory=list)
    dues: list[Dues] = field(default_factory=list)


@dataclass
class RuleColumns:
    """One rule's result over the rows of a chunk."""

    rule: Rule
    status: np.ndarray
    missing: np.ndarray  # bit mask over FactBits
    fallback: np.ndarray  # rows to leave to the reference path (an amount it refuses)
    amount: Any = None  # fen; meaningful where amount_known
    amount_known: np.ndarray | None = None
    paid: np.ndarray | None = None  # rows with payers' parts (and instalments)
    parts: list[Any] = field(default_factory=list)  # per payer of rule.payers, fen
    dues: list[Dues] = field(default_factory=list)
    ranged: np.ndarray | None = None  # rows whose open amount has a range (amount unknown)
    least: ExtentColumns | None = None  # meaningful where ranged
    most: ExtentColumns | None = None
    period: np.ndarray | None = None  # rows that have a period
    start: np.ndarray | None = None
    start_known: np.ndarray | None = None
    end: np.ndarray | None = None
    end_known: np.ndarray | None = None
    open: np.ndarray | None = None  # rows given cash of an amount the text leaves open
    # the condition's trace: each node (post-order, the root last) with its outcome and
    # whether it decided the outcome, row by row
    trace: list[tuple[Node, Cond, np.ndarray]] = field(default_factory=list)

    def open_rows(self) -> np.ndarray:
        """The rows eligible to cash of an amount the text leaves open."""
        if self.open is None:
            return np.zeros(len(self.status), dtype=bool)
        rows: np.ndarray = self.open & (self.status == ELIGIBLE)
        return rows


class FactBits:
    """A bit for each fact a result can name as missing (derived facts as their source)."""

    def __init__(self, names: list[str]) -> None:
        self.names = sorted({DERIVED_FROM.get(n, n) for n in names})
        if len(self.names) > MAX_FACTS:
            raise Unsupported(f"more than {MAX_FACTS} facts")
        self.bit = {n: np.int64(1 << self.names.index(DERIVED_FROM.get(n, n))) for n in names}

    def unknown(self, facts: frozenset[str] | set[str], frame: Frame) -> np.ndarray:
        """The bits of those facts that are unknown, row by row."""
        bits = np.zeros(frame.size, dtype=np.int64)
        for name in sorted(facts):
            if name in self.bit:
                bits |= np.where(frame.columns[name].known, np.int64(0), self.bit[name])
        return bits

    def decode(self, mask: int) -> list[str]:
        return [name for index, name in enumerate(self.names) if mask >> index & 1]


class DayTable:
    """Something worked out once per distinct date and remembered: a table indexed by
    ordinal over the years 1700 to 2400 (every date a profile, a rule or an offset of
    one can name), filled in as dates turn up."""

    FIRST = date(1700, 1, 1).toordinal()
    SPAN = date(2400, 12, 31).toordinal() - FIRST + 1

    def __init__(self, fn: Any, dtype: Any = np.int64) -> None:
        self.fn = fn
        self.table = np.zeros(self.SPAN, dtype=dtype)
        self.done = np.zeros(self.SPAN, dtype=bool)

    def apply(self, ordinals: np.ndarray, known: np.ndarray) -> np.ndarray:
        """fn(date) for each known row (the table's zero value elsewhere)."""
        index = np.where(known, ordinals - self.FIRST, 0)
        if known.any() and (index[known].min() < 0 or index[known].max() >= self.SPAN):
            raise Unsupported("a date outside the years 1700 to 2400")
        todo = known & ~self.done[index]
        for position in np.unique(index[todo]).tolist():
            self.table[position] = self.fn(date.fromordinal(position + self.FIRST))
            self.done[position] = True
        found = self.table[index]
        found[~known] = self.table.dtype.type()
        return found


class DateMap(DayTable):
    """`Offset.point` or `Offset.last_day` over a column of ordinals, with dateutil,
    exactly as the engine does it."""

    def __init__(self, offset: Offset, last: bool) -> None:
        move = offset.last_day if last else offset.point
        super().__init__(lambda day: move(day).toordinal())


_DATE_MAPS: dict[tuple[int, int, int, bool], DateMap] = {}
_MONTH_MAPS: dict[tuple[int, int, int, bool], DayTable] = {}  # a calendar month's first day


class Prepared:
    """A rule ready to be assessed over columns on one date, its parameters resolved."""

    def __init__(self, rule: Rule, book: RuleBook, city: str, as_of: date,
                 overrides: dict[str, Decimal]) -> None:
        self.rule, self.as_of = rule, as_of
        uses = resolve(book.param_tables(city), rule.param_names, as_of, overrides)
        if not rule.benefit_params <= set(uses):  # (a saving's or a note's is not read here)
            raise Unsupported("a parameter with no value on the date")
        self.params = {name: use.value for name, use in uses.items()}
        self.dates = rule.dates_on(as_of)
        self.unbounding = unbounding_facts(rule.amount, self.params, book.schema)
        self.ranges = RangePlan(rule.amount, self.params, book.schema)
        self.in_force = rule.in_force_on(as_of)

    def moved(self, offset: Offset, ordinals: np.ndarray, known: np.ndarray,
              last: bool) -> np.ndarray:
        key = (offset.years, offset.months, offset.days, last)
        if key not in _DATE_MAPS:  # shared by every rule with the same offset
            _DATE_MAPS[key] = DateMap(offset, last)
        return _DATE_MAPS[key].apply(ordinals, known)

    def assess(self, frame: Frame, bits: FactBits) -> RuleColumns:
        rule, size = self.rule, frame.size
        frame = Frame(size, frame.columns, self.params, frame.inexact, self.dates)
        status = np.full(size, ELIGIBLE, dtype=np.int8)
        missing = np.zeros(size, dtype=np.int64)
        result = RuleColumns(rule, status, missing, np.zeros(size, dtype=bool))
        if not self.in_force:
            result.status[:] = NOT
            return result
        if rule.when is not None:
            outcome, missing_bits, result.trace = trace_missing(rule.when, frame, bits)
            status[outcome.known & ~outcome.value] = NOT
            unknown = ~outcome.known
            status[unknown] = NEEDS
            missing[unknown] = missing_bits[unknown]
        if rule.event is not None:
            self._event_is_new(frame, bits, result)
        self._window(frame, result)
        work = status == ELIGIBLE
        self.too_large = np.zeros(size, dtype=bool)
        if work.any():
            self._benefit(frame, bits, result, work)
        result.fallback |= self.too_large & work
        return result

    def _window(self, frame: Frame, result: RuleColumns) -> None:
        """A bounded period: set where its start is known (one that ended is past, still
        eligible)."""
        rule = self.rule
        if rule.period is None or not rule.period.bounded or not result.status.any():
            return
        start, known = _start(rule, rule.period, frame)
        known = known & (result.status != NOT)
        last = self.moved(rule.period, start, known, last=True)
        _set_period(result, known, start, known, last, known)

    def _event_is_new(self, frame: Frame, bits: FactBits, result: RuleColumns) -> None:
        """The rewarded event before the rule took effect: not eligible; unknown: needs
        information, naming it (as engine._event_is_new)."""
        assert self.rule.event is not None
        column = frame.columns[self.rule.event]
        before = column.known & (column.data < self.rule.effective_from.toordinal())
        open_rows = ~column.known & (result.status != NOT)
        result.status[before] = NOT
        result.missing[before] = 0
        result.status[open_rows] = NEEDS
        result.missing[open_rows] |= bits.bit[self.rule.event]

    def _benefit(self, frame: Frame, bits: FactBits, result: RuleColumns,
                 work: np.ndarray) -> None:
        rule, size = self.rule, frame.size
        missing = np.zeros(size, dtype=np.int64)
        amount: Any = np.zeros(size, dtype=np.int64)
        known = np.zeros(size, dtype=bool)
        self.deciders = np.zeros(size, dtype=np.int64)  # a range's: missing, not essential
        if rule.amount:
            amount, known = self._amount(frame, bits, missing)
            if (work & ~known).any():
                amount = self._bounded(frame, bits, result, work & ~known, amount, known,
                                       missing)
        if rule.components:
            total, all_known = self._components(frame, bits, missing)
            if rule.kind == "deduction" and not rule.amount:
                amount, known = total, all_known
        result.amount, result.amount_known = amount, known & work
        if rule.period is not None:
            start, start_known = _start(rule, rule.period, frame)
            missing |= self._needs(rule.period, frame, bits, start_known)
            end_known = start_known & rule.period.bounded
            end = self.moved(rule.period, start, end_known, last=True)
            _set_period(result, work, start, start_known & work, end, end_known & work)
        if rule.date is not None:
            start, start_known = _start(rule, rule.date, frame)
            missing |= self._needs(rule.date, frame, bits, start_known)
            point = self.moved(rule.date, start, start_known, last=False)
            none = np.zeros(size, dtype=bool)
            _set_period(result, work, point, start_known & work, point, none)
        essential = missing.copy()
        if rule.payers:
            paid = result.amount_known.copy()
            result.paid = paid
            self._split(frame, bits, result, paid, missing)
        if rule.unstated is not None:  # no amount; the instalments' dates (result.dues)
            result.open = work.copy()
            for instalment in rule.schedule:
                _, known = _start(rule, instalment.due, frame)
                missing |= np.where(work, self._needs(instalment.due, frame, bits, known), 0)
        missing |= self.deciders
        result.missing[work] = missing[work]
        result.status[work & (essential != 0)] = NEEDS

    def _bounded(self, frame: Frame, bits: FactBits, result: RuleColumns, open_rows: np.ndarray,
                 amount: Any, known: np.ndarray, missing: np.ndarray) -> Any:
        """An open amount's range (as `engine._bounded`): where least and most agree the
        amount is known; else `result.ranged`, the amount's facts no longer asked for but
        the deciding ones. `known` and `missing` are updated in place."""
        if not self.ranges.supported:  # a form worked out only row by row
            unbounded = np.zeros(frame.size, dtype=bool)
            for name in self.unbounding:
                unbounded |= ~frame.columns[name].known
            result.fallback |= open_rows & ~unbounded
            return amount
        rows = np.flatnonzero(open_rows)
        size = len(rows)
        columns = {name: Column(c.kind, c.data[rows], c.known[rows], c.exp, c.fact)
                   for name, c in ((n, frame.columns[n]) for n in self.ranges.read)}
        found = amount_ranges(self.ranges, Frame(size, columns, frame.params,
                                                 np.zeros(size, dtype=bool), frame.dates),
                              bits.bit)
        result.fallback[rows[found.refer]] = True
        least, most = (_spread(fen, rows, frame.size) for fen in (found.least, found.most))
        bounded = np.zeros(frame.size, dtype=bool)
        bounded[rows[found.bounded]] = True
        self.too_large |= bounded & ((abs(least) >= FEN_LIMIT) | (abs(most) >= FEN_LIMIT))
        exact = bounded & (least == most)
        ranged = bounded & ~exact
        known |= exact
        missing[bounded] = 0
        self.deciders[rows] = np.where(found.bounded & ~exact[rows], found.deciders, 0)
        result.ranged = ranged
        result.least, result.most = ExtentColumns(least), ExtentColumns(most)
        return _merge(amount, exact, least)

    def _needs(self, offset: Offset, frame: Frame, bits: FactBits,
               known: np.ndarray) -> np.ndarray:
        if offset.start is None:
            return np.zeros(frame.size, dtype=np.int64)
        return np.where(known, np.int64(0), bits.bit[offset.start])

    def _amount(self, frame: Frame, bits: FactBits, missing: np.ndarray) -> tuple[Any, Any]:
        """The first case whose condition holds; unknown where a case's condition or value
        is unknown (naming the facts); 0.00 where none holds."""
        size = frame.size
        amount: Any = np.zeros(size, dtype=np.int64)
        known = np.ones(size, dtype=bool)
        open_rows = np.ones(size, dtype=bool)
        for case in self.rule.amount:
            if case.when is None:
                applies = Cond(open_rows.copy(), np.ones(size, dtype=bool))
            else:
                applies = condition(case.when.root, frame)
                undecided = open_rows & ~applies.known
                missing |= np.where(undecided, bits.unknown(case.when.facts, frame), 0)
                known &= ~undecided
                open_rows &= ~undecided
            hit = open_rows & applies.known & applies.value
            if hit.any():
                value = number(case.value.root, frame)
                no_value = hit & ~value.known
                missing |= np.where(no_value, bits.unknown(case.value.facts, frame), 0)
                known &= ~no_value
                fen = to_fen(value)
                self_fallback = hit & value.known & (abs(fen) >= FEN_LIMIT)
                self.too_large |= self_fallback
                amount = _merge(amount, hit & value.known, fen)
            open_rows &= ~hit
        return amount, known

    def _components(self, frame: Frame, bits: FactBits, missing: np.ndarray
                    ) -> tuple[Any, Any]:
        """A deduction's amount: the sum of the items that apply, unknown if any item that
        may apply has no known amount."""
        size = frame.size
        total: Any = np.zeros(size, dtype=np.int64)
        known = np.ones(size, dtype=bool)
        for component in self.rule.components:
            applies = (Cond(np.ones(size, dtype=bool), np.ones(size, dtype=bool))
                       if component.when is None else condition(component.when.root, frame))
            maybe = ~applies.known
            if component.amount is not None and component.when is not None:
                missing |= np.where(maybe, bits.unknown(component.when.facts, frame), 0)
            applying = applies.value & applies.known
            if component.amount is None:
                known &= ~(applying | maybe)
                continue
            value = number(component.amount.root, frame)
            no_value = applying & ~value.known
            missing |= np.where(no_value, bits.unknown(component.amount.facts, frame), 0)
            known &= ~(no_value | maybe)
            fen = to_fen(value)
            self.too_large |= applying & value.known & (abs(fen) >= FEN_LIMIT)
            total = _merge(total, applying & value.known, add(total, fen))
        return total, known

    def _split(self, frame: Frame, bits: FactBits, result: RuleColumns, paid: np.ndarray,
               missing: np.ndarray) -> None:
        """The payers' parts and instalments of each known amount, and of both ends of
        each range (`engine._extent`); the instalments' unknown dates are missing."""
        ranged = result.ranged if result.ranged is not None else np.zeros_like(paid)
        result.parts, result.dues = self._extent(frame, result.amount, paid, result)
        if ranged.any():
            assert result.least is not None and result.most is not None
            for end in (result.least, result.most):
                end.parts, end.dues = self._extent(frame, end.amount, ranged, result)
        for instalment in self.rule.schedule:
            _, known = _start(self.rule, instalment.due, frame)
            missing |= np.where(paid | ranged, self._needs(instalment.due, frame, bits, known),
                                0)

    def _extent(self, frame: Frame, fen: Any, rows: np.ndarray, result: RuleColumns
                ) -> tuple[list[Any], list[Dues]]:
        rule = self.rule
        amount = np.where(rows, fen, 0)
        negative = amount < 0  # the reference path reports it
        result.fallback |= negative
        amount = np.where(negative, 0, amount)
        parts = split_columns(amount, [share for _, share in rule.payers])
        if not rule.schedule:
            return parts, []
        shares = [instalment.share for instalment in rule.schedule]
        columns = [split_columns(part, shares) for part in parts]
        dues = []
        for index, instalment in enumerate(rule.schedule):
            due, known = self._due(instalment, frame)
            pieces = [column[index] for column in columns]
            total: Any = pieces[0]
            for piece in pieces[1:]:
                total = add(total, piece)
            dues.append(Dues(due, known, total, pieces, instalment.month is not None))
        return parts, dues

    def _due(self, instalment: Instalment, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
        """An instalment's due date (ordinals) and where it is known; for a calendar month,
        the first day of its window, counted from a date fact or the as-of date."""
        if instalment.month is None:
            start, known = _start(self.rule, instalment.due, frame)
            return self.moved(instalment.due, start, known, last=False), known
        if instalment.due.start is None:
            start = np.full(frame.size, self.as_of.toordinal(), dtype=np.int64)
            known = np.ones(frame.size, dtype=bool)
        else:
            start, known = _start(self.rule, instalment.due, frame)
        key = (instalment.month, 0, 0, False)
        if key not in _MONTH_MAPS:
            _MONTH_MAPS[key] = DayTable(lambda day, i=instalment: i.window(day)[0].toordinal())
        return _MONTH_MAPS[key].apply(start, known), known


def _spread(values: Any, rows: np.ndarray, size: int) -> Any:
    """Values of a subset of rows put back at their rows (zero elsewhere)."""
    spread: Any = np.zeros(size, dtype=object if _is_object(values) else np.int64)
    spread[rows] = values
    return spread


def _merge(base: Any, mask: np.ndarray, values: Any) -> Any:
    if _is_object(values) or _is_object(base):
        base = np.asarray(base).astype(object)
    return np.where(mask, values, base)


def _is_object(ints: Any) -> bool:
    return isinstance(ints, np.ndarray) and ints.dtype.kind == "O"


def _start(rule: Rule, offset: Offset, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """The ordinals an offset counts from: a date fact, or the rule's own start date."""
    if offset.start is None:
        return (np.full(frame.size, rule.effective_from.toordinal(), dtype=np.int64),
                np.ones(frame.size, dtype=bool))
    column = frame.columns[offset.start]
    return column.data, column.known


def _set_period(result: RuleColumns, rows: np.ndarray, start: np.ndarray,
                start_known: np.ndarray, end: np.ndarray, end_known: np.ndarray) -> None:
    """Set the period of the given rows (the rows' other columns stay as they are)."""
    size = len(rows)
    if result.period is None:
        result.period = np.zeros(size, dtype=bool)
        result.start = np.zeros(size, dtype=np.int64)
        result.end = np.zeros(size, dtype=np.int64)
        result.start_known = np.zeros(size, dtype=bool)
        result.end_known = np.zeros(size, dtype=bool)
    assert result.start is not None and result.end is not None
    assert result.start_known is not None and result.end_known is not None
    result.period |= rows
    np.copyto(result.start, start, where=rows)
    np.copyto(result.end, end, where=rows)
    np.copyto(result.start_known, start_known, where=rows)
    np.copyto(result.end_known, end_known, where=rows)


def split_columns(fen: Any, shares: list[Decimal]) -> list[Any]:
    """`money.split` over a column of whole fen: floor each part, then the fen left over one
    each to the largest remainders, ties to the earlier share."""
    scale = max(0, *(-int(share.as_tuple().exponent) for share in shares))
    weights = [int(share.scaleb(scale)) for share in shares]
    total = sum(weights)
    if total == 0:
        raise Unsupported("shares that are all zero")
    products = [multiply(fen, weight) for weight in weights]
    parts = [product // total for product in products]
    remainders = [product % total for product in products]
    left = fen - sum(parts)
    for i, remainder in enumerate(remainders):
        ahead = sum((other > remainder) | ((other == remainder) & (j < i))
                    for j, other in enumerate(remainders) if j != i)
        parts[i] = parts[i] + (ahead < left)
    return parts


# --- the condition's trace, as columns ------------------------------------------------------

def trace_missing(expression: Expression, frame: Frame, bits: FactBits
                  ) -> tuple[Cond, np.ndarray, list[tuple[Node, Cond, np.ndarray]]]:
    """The condition's outcome, and the facts that would settle it: the unknown facts read
    by the decisive leaves whose outcome is unknown (as `engine._missing_in_trace`)."""
    nodes: list[tuple[Node, Cond, list[int], bool]] = []  # node, outcome, children, leaf
    _walk(expression.root, frame, nodes)
    decisive: list[np.ndarray] = [np.zeros(0, dtype=bool)] * len(nodes)
    decisive[len(nodes) - 1] = np.ones(frame.size, dtype=bool)
    missing = np.zeros(frame.size, dtype=np.int64)
    for index in range(len(nodes) - 1, -1, -1):
        node, outcome, children, leaf = nodes[index]
        if leaf:
            unknown = decisive[index] & ~outcome.known
            missing |= np.where(unknown, bits.unknown(node.names & frozenset(bits.bit), frame),
                                0)
            continue
        for child in children:
            child_outcome = nodes[child][1]
            if isinstance(node, Not | ConditionRef):
                deciding = np.ones(frame.size, dtype=bool)
            else:
                same = _same_outcome(child_outcome, outcome)
                settled = outcome.known & (outcome.value == node.is_and)  # type: ignore[attr-defined]
                deciding = settled | same
            decisive[child] = decisive[index] & deciding
    trace = [(node, outcome, decided) for (node, outcome, _, _), decided
             in zip(nodes, decisive, strict=True)]
    return nodes[-1][1], missing, trace


def _same_outcome(a: Cond, b: Cond) -> np.ndarray:
    same: np.ndarray = (a.known == b.known) & (~a.known | (a.value == b.value))
    return same


def _walk(node: Node, frame: Frame, nodes: list[tuple[Node, Cond, list[int], bool]]) -> int:
    """Post-order: children first; returns the node's index. A `not` of a leaf is a leaf,
    as in `Not.step`."""
    if isinstance(node, BoolOp):
        children = [_walk(item, frame, nodes) for item in node.items]
        outcome = combine(node, [nodes[c][1] for c in children])
        nodes.append((node, outcome, children, False))
    elif isinstance(node, Not) and not is_leaf(node.a):
        child = _walk(node.a, frame, nodes)
        nodes.append((node, negate(nodes[child][1]), [child], False))
    elif isinstance(node, ConditionRef):  # traced as its name over its own steps
        child = _walk(node.inner, frame, nodes)
        nodes.append((node, nodes[child][1], [child], False))
    else:
        nodes.append((node, condition(node, frame), [], True))
    return len(nodes) - 1


def is_leaf(node: Node) -> bool:
    """A node the trace shows as one check: a comparison, possibly negated."""
    if isinstance(node, BoolOp | ConditionRef):
        return False
    return is_leaf(node.a) if isinstance(node, Not) else True


def check_supported(rule: Rule) -> None:
    """Unsupported if a rule uses what the columnar path can't do exactly."""
    from incentives.model.conditions import Arith
    for expression in rule.expressions:
        for node in _nodes(expression.root):
            if isinstance(node, Arith) and getattr(node.fn, "__name__", "") == "divide":
                raise Unsupported(f"rule {rule.id}: division")


def _nodes(node: Node) -> list[Node]:
    found = [node]
    for child in ("a", "b", "inner"):
        if isinstance(getattr(node, child, None), Node):
            found += _nodes(getattr(node, child))
    for many in ("items", "args"):
        for item in getattr(node, many, []) or []:
            found += _nodes(item)
    return found


__all__ = ["ELIGIBLE", "NEEDS", "NOT", "STATUS_NAMES", "DateMap", "ExtentColumns", "FactBits",
           "Prepared", "RuleColumns", "check_supported", "split_columns", "trace_missing"]
