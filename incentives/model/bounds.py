"""The least and the most an amount can be while some of the facts it reads are unknown.

A rule's amount is a list of cases (the first whose `when` holds gives the value). With
facts unknown it is still bounded when the unknown facts can only take so many values:
every yes/no and every listed value of the unknown bool and enum facts is tried (each
combination, in full — never a sample), and for each the amount is evaluated over the
interval an unknown number can still lie in (money and areas from 0 up, a signed fact
anywhere). Interval arithmetic is exact for an expression that reads each unknown number
once, which is the only kind bounded here: anything else, and any amount with no upper
bound (`investment × 1%` with the investment unknown), gives no range.

The facts that decide the amount are the unknown facts whose answer can change it: an
enum or bool fact whose values give different amounts for some answers to the others, and
every unknown number that moves it. `featured_services` is not one of them for a general
hospital: `kind in TRADITIONAL_KINDS and featured_services` is false whatever it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from typing import Any

from incentives.model.conditions import (
    Arith,
    Const,
    Context,
    Expression,
    FactRef,
    MinMax,
    Neg,
    Node,
    ParamRef,
)
from incentives.model.facts import FactSchema
from incentives.model.money import CONTEXT, to_fen
from incentives.model.rule import AmountCase

MAX_COMBINATIONS = 4096  # answers tried for the unknown yes/no and listed facts of one amount

Bound = Decimal | None  # None: no bound on that side (minus or plus infinity)


class NotBounded(Exception):
    """The amount has no finite range that can be worked out exactly."""


@dataclass(frozen=True)
class Span:
    """A closed interval of amounts; a missing end is unbounded."""

    low: Bound
    high: Bound

    def union(self, other: Span) -> Span:
        low = None if self.low is None or other.low is None else min(self.low, other.low)
        high = None if self.high is None or other.high is None else max(self.high, other.high)
        return Span(low, high)


@dataclass(frozen=True)
class Answer:
    """One answer to a deciding fact, and the least and most the amount is with it."""

    value: Any
    least: Decimal
    most: Decimal


@dataclass(frozen=True)
class Decider:
    """An unknown fact whose answer can change the amount; for a yes/no or a listed fact,
    what each answer gives."""

    fact: str
    answers: tuple[Answer, ...] = ()


@dataclass(frozen=True)
class AmountRange:
    """The least and the most an amount can be, to the fen, and the facts that decide it."""

    least: Decimal
    most: Decimal
    deciders: tuple[Decider, ...]


def amount_range(cases: list[AmountCase], ctx: Context, schema: FactSchema
                 ) -> AmountRange | None:
    """The range of the first applying case's value over every completion of the unknown
    facts the cases read, or None when it has no finite, exactly known range."""
    unknown = sorted({name for case in cases for name in case_facts(case)
                      if ctx.facts.get(name) is None and name in schema})
    finite = [name for name in unknown if _choices(name, schema) is not None]
    numbers = [name for name in unknown if name not in finite]
    if _combinations(finite, schema) > MAX_COMBINATIONS:
        return None
    spans: dict[tuple[Any, ...], Span] = {}
    try:
        for answers in product(*(_choices(name, schema) or () for name in finite)):
            filled = {**ctx.facts, **dict(zip(finite, answers, strict=True))}
            spans[answers] = _cases_span(cases, Context(filled, ctx.params, ctx.dates), numbers,
                                         schema)
    except NotBounded:
        return None
    whole = _union(spans.values())
    if whole.low is None or whole.high is None:
        return None
    deciders = [_decider(name, index, finite, spans) for index, name in enumerate(finite)]
    # an unknown number moves the amount where some answer leaves it more than one point
    moving = [Decider(name) for name in numbers] if _spread(spans) else []
    return AmountRange(to_fen(whole.low), to_fen(whole.high),
                       tuple(d for d in deciders if d is not None) + tuple(moving))


def case_facts(case: AmountCase) -> frozenset[str]:
    """Every fact a case reads, in its condition or its value."""
    return case.value.facts | (case.when.facts if case.when else frozenset())


def _choices(name: str, schema: FactSchema) -> tuple[Any, ...] | None:
    fact = schema[name]
    if fact.value_type == "bool":
        return (True, False)
    if fact.value_type == "enum":
        return fact.values
    return None


def _combinations(finite: list[str], schema: FactSchema) -> int:
    count = 1
    for name in finite:
        count *= len(_choices(name, schema) or ())
        if count > MAX_COMBINATIONS:
            break
    return count


def _cases_span(cases: list[AmountCase], ctx: Context, numbers: list[str],
                schema: FactSchema) -> Span:
    """The span of the amount with the listed facts answered: the first case that surely
    holds ends it; a case that may hold adds its value's span and the search goes on."""
    found: Span | None = None
    for case in cases:
        holds = True if case.when is None else case.when.evaluate(ctx)
        if holds is False:
            continue
        value = value_span(case.value, ctx, numbers, schema)
        if holds is None:
            if case.when is not None and case.when.facts & case.value.facts & set(numbers):
                raise NotBounded  # the condition narrows the value it gives: not exact
            found = value if found is None else found.union(value)
            continue
        return value if found is None else found.union(value)
    nothing = Span(Decimal(0), Decimal(0))
    return nothing if found is None else found.union(nothing)


def value_span(expression: Expression, ctx: Context, numbers: list[str],
               schema: FactSchema) -> Span:
    """The span of a number expression whose unknown numbers each occur at most once."""
    counts = _reads(expression)
    if any(counts.get(name, 0) > 1 for name in numbers if ctx.facts.get(name) is None):
        raise NotBounded
    return _span(expression.root, ctx, schema)


_READS_KEPT = 1024
_reads_of: dict[int, tuple[Expression, dict[str, int]]] = {}


def _reads(expression: Expression) -> dict[str, int]:
    """How many times the expression reads each fact (`fact_refs`), counted once."""
    found = _reads_of.get(id(expression))
    if found is None or found[0] is not expression:
        counts: dict[str, int] = {}
        for name in fact_refs(expression.root):
            counts[name] = counts.get(name, 0) + 1
        if len(_reads_of) >= _READS_KEPT:
            _reads_of.clear()
        found = _reads_of[id(expression)] = (expression, counts)  # kept: its id not reused
    return found[1]


def fact_refs(node: Node) -> Iterator[str]:
    """Each read of a fact in a number expression, once per occurrence."""
    if isinstance(node, ParamRef):
        return
    if isinstance(node, FactRef):
        yield node.name
    for child in children(node):
        yield from fact_refs(child)


def children(node: Node) -> list[Node]:
    """The operands of an arithmetic node (none for a leaf)."""
    if isinstance(node, Arith):
        return [node.a, node.b]
    if isinstance(node, Neg):
        return [node.a]
    if isinstance(node, MinMax):
        return list(node.args)
    return []


def _span(node: Node, ctx: Context, schema: FactSchema) -> Span:
    if isinstance(node, (Const, ParamRef)) or (isinstance(node, FactRef)
                                               and ctx.facts.get(node.name) is not None):
        value = node.ev(ctx)
        if not isinstance(value, Decimal):
            raise NotBounded
        return Span(value, value)
    if isinstance(node, FactRef):
        return Span(None if schema[node.name].signed else Decimal(0), None)  # a loss: < 0
    if isinstance(node, Neg):
        inner = _span(node.a, ctx, schema)
        return Span(_negate(inner.high), _negate(inner.low))
    if isinstance(node, MinMax):
        spans = [_span(arg, ctx, schema) for arg in node.args]
        return _min_max(spans, node.fn is min)
    if isinstance(node, Arith):
        return _arith(node.symbol, _span(node.a, ctx, schema), _span(node.b, ctx, schema))
    raise NotBounded


def _negate(bound: Bound) -> Bound:
    return None if bound is None else CONTEXT.minus(bound)


def _min_max(spans: list[Span], is_min: bool) -> Span:
    lows, highs = [s.low for s in spans], [s.high for s in spans]
    if is_min:  # an unbounded low pulls the low down; an unbounded high never wins
        low = None if None in lows else min(b for b in lows if b is not None)
        known_highs = [b for b in highs if b is not None]
        return Span(low, min(known_highs) if known_highs else None)
    high = None if None in highs else max(b for b in highs if b is not None)
    known_lows = [b for b in lows if b is not None]
    return Span(max(known_lows) if known_lows else None, high)


def _arith(symbol: str, a: Span, b: Span) -> Span:
    if symbol == "+":
        return Span(_add(a.low, b.low), _add(a.high, b.high))
    if symbol == "−":
        return Span(_add(a.low, _negate(b.high)), _add(a.high, _negate(b.low)))
    if symbol == "×":
        return _multiply(a, b)
    if symbol == "÷" and b.low is not None and b.high is not None and b.low == b.high != 0:
        return _multiply(a, Span(CONTEXT.divide(1, b.low), CONTEXT.divide(1, b.low)))
    raise NotBounded  # a division by an unknown: not bounded here


def _add(a: Bound, b: Bound) -> Bound:
    return None if a is None or b is None else CONTEXT.add(a, b)


def _multiply(a: Span, b: Span) -> Span:
    """Interval product; an end at infinity is carried as a signed infinity, and 0 × ∞ is
    0 (the product of a point at zero and anything is zero)."""
    ends = [_times(x, y) for x in _ends(a) for y in _ends(b)]
    low, high = min(ends), max(ends)
    return Span(None if low == -_INF else low, None if high == _INF else high)


_INF = Decimal("Infinity")


def _ends(span: Span) -> tuple[Decimal, Decimal]:
    return (-_INF if span.low is None else span.low, _INF if span.high is None else span.high)


def _times(x: Decimal, y: Decimal) -> Decimal:
    if x == 0 or y == 0:
        return Decimal(0)
    return CONTEXT.multiply(x, y)


def _union(spans: Any) -> Span:
    result: Span | None = None
    for span in spans:
        result = span if result is None else result.union(span)
    return result or Span(Decimal(0), Decimal(0))


def _decider(name: str, index: int, finite: list[str],
             spans: Mapping[tuple[Any, ...], Span]) -> Decider | None:
    """The fact at `index` of the answers, if changing it alone changes some span."""
    by_rest: dict[tuple[Any, ...], set[Span]] = {}
    for answers, span in spans.items():
        rest = answers[:index] + answers[index + 1:]
        by_rest.setdefault(rest, set()).add(span)
    if all(len(found) == 1 for found in by_rest.values()):
        return None
    given = []
    for value in dict.fromkeys(a[index] for a in spans):
        span = _union(s for a, s in spans.items() if a[index] == value)
        assert span.low is not None and span.high is not None
        given.append(Answer(value, to_fen(span.low), to_fen(span.high)))
    return Decider(name, tuple(given))


def _spread(spans: Mapping[tuple[Any, ...], Span]) -> bool:
    """Whether some answer to the listed facts leaves a span of more than one point (which
    only the unknown numbers can do)."""
    return any(span.low != span.high for span in spans.values())


def unbounding_facts(cases: list[AmountCase], params: Mapping[str, Decimal],
                     schema: FactSchema) -> frozenset[str]:
    """The number facts that, left unknown, leave the amount without a finite most whatever
    else is known: each case's value grows without end with it (`investment × 1%`; not
    `min(surplus, contribution × 1.2 × rate)`, bounded by the other operand)."""
    numbers = {name for case in cases for name in case.value.facts
               if name in schema and _choices(name, schema) is None}
    found = set()
    for name in numbers:
        for case in cases:
            others = {other: Decimal(1) for other in case.value.facts if other != name}
            try:
                span = _span(case.value.root, Context(others, params), schema)
            except NotBounded:
                span = Span(None, None)
            if span.high is not None:
                break
        else:
            found.add(name)
    return frozenset(found)
