"""Within reach: the smallest change of facts that makes a rule apply, and what it would give.

The engine is the oracle. Candidates come from the failing conditions — the literal a
number or date is compared with, every allowed value of a grade, kind or yes/no fact —
and a candidate is kept only if re-assessing the rule with it shows that the rule applies.
Numbers move on a grid of one fen (money), one (plain numbers) or one day (dates), and the
value named is exact: at it the rule applies, one step short of it it does not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import product
from typing import Any

from incentives.assessment.engine import assess_rule, events_from_now
from incentives.errors import InputError
from incentives.load.rulebook import RuleBook
from incentives.model.conditions import Compare, Context, FactRef, Node, Not, ParamRef
from incentives.model.facts import Fact, FactSchema
from incentives.model.money import CONTEXT, FEN
from incentives.model.params import resolve
from incentives.model.profile import Profile, Value
from incentives.model.result import ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE, Assessment, Result

MAX_COMBINATIONS = 256  # beyond this, only single-fact changes are tried
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "==",
           "in": "not in", "not in": "in"}
NUMERIC = ("money", "number", "date")


@dataclass
class Change:
    """One fact changed: from its value in the profile (None: unknown) to another."""

    fact: str
    before: Value | None
    after: Value | None

    @property
    def difference(self) -> Decimal | int | None:
        """after − before: yuan or units for numbers, days for dates; None otherwise."""
        a, b = self.after, self.before
        if isinstance(a, date) and isinstance(b, date):
            return (a - b).days
        if isinstance(a, Decimal) and isinstance(b, Decimal):
            return CONTEXT.subtract(a, b)
        return None


@dataclass
class Option:
    """A set of changes that makes a rule apply, and the rule re-assessed with them."""

    changes: list[Change]
    result: Result


@dataclass
class Reach:
    """A rule that does not apply now, and the smallest changes that would make it apply."""

    result: Result
    options: list[Option]


def applies(result: Result) -> bool:
    """The rule's condition holds and it is in force (its amount may still need a fact)."""
    if result.status == ELIGIBLE:
        return True
    return result.status == NEEDS_INFO and result.trace is not None and result.trace.outcome is True


def unit_of(fact: Fact) -> Decimal | timedelta:
    """The step a number moves by: one fen for money, one for numbers, one day for dates."""
    return {"money": FEN, "number": Decimal(1)}.get(fact.type, timedelta(days=1))


def within_reach(assessment: Assessment, book: RuleBook,
                 overrides: dict[str, Decimal] | None = None) -> list[Reach]:
    """For each rule that does not apply, the changes within reach; rules with none are left out."""
    found = []
    for result in assessment.results:
        if result.status == NOT_ELIGIBLE:
            reach = reach_for(result, assessment.profile, book, assessment.as_of, overrides)
            if reach.options:
                found.append(reach)
    return found


def reach_for(result: Result, profile: Profile, book: RuleBook, as_of: date,
              overrides: dict[str, Decimal] | None = None) -> Reach:
    """The smallest changes of facts that make this (not eligible) rule apply."""
    if result.trace is None or result.trace.outcome is not False:
        return Reach(result, [])  # not in force, or ended: no fact of the profile changes that
    rule, city = result.rule, book.cities[profile.city]
    names = frozenset().union(*(leaf.values.keys() for leaf in result.trace.leaves()))
    tables = book.param_tables(profile.city)
    params = resolve(tables, names & frozenset(tables), as_of, overrides or {})
    ctx = Context(profile.facts, {name: use.value for name, use in params.items()},
                  rule.dates_on(as_of))

    def oracle(changes: Mapping[str, Value]) -> Result:
        facts = {**profile.facts, **changes}
        facts.update(events_from_now([rule], facts, set(changes), as_of))
        changed = Profile(profile.city, facts)
        try:
            return assess_rule(rule, changed, city, book, as_of, overrides or {})
        except InputError:  # the change makes an amount too large to work out: no option
            return result

    candidates = _candidates(result, book.schema, ctx)
    search = _Search(profile.facts, book.schema, candidates, oracle)
    return Reach(result, search.run())


def _candidates(result: Result, schema: FactSchema, ctx: Context) -> dict[str, list[Value]]:
    """Values worth trying, fact by fact: thresholds for numbers and dates, every allowed
    value for the categorical facts the failing conditions read."""
    found: dict[str, list[Value]] = {}
    assert result.trace is not None
    for leaf in result.trace.leaves():
        if not leaf.decisive or leaf.outcome is not False or leaf.node is None:
            continue
        bound = threshold(leaf.node, schema, ctx)
        if bound is not None:
            fact, values = bound
            found.setdefault(fact, [])
            found[fact] += [v for v in values if v not in found[fact]]
            continue
        for name in leaf.values:
            fact_ = schema.facts.get(name)
            if fact_ is not None and _categorical(fact_) and name not in found:
                current = ctx.facts.get(name)
                domain: tuple[Value, ...] = (True, False) if fact_.type == "bool" else fact_.values
                found[name] = [v for v in domain if v != current]
    return found


def _categorical(fact: Fact) -> bool:
    return not fact.derived and (fact.type == "bool" or fact.type == "enum")


def threshold(node: Node, schema: FactSchema, ctx: Context) -> tuple[str, list[Value]] | None:
    """For `fact OP fixed` (either way round, under any number of `not`): the fact and the
    grid values that satisfy the comparison nearest its boundary."""
    negated = False
    while isinstance(node, Not):
        node, negated = node.a, not negated
    if not isinstance(node, Compare) or node.rank is not None:
        return None
    op, a, b = node.op, node.a, node.b
    if _is_fact(b, schema) and not _is_fact(a, schema) and op not in ("in", "not in"):
        a, b, op = b, a, _MIRROR[op]
    if not _is_fact(a, schema) or b.names & frozenset(schema.facts):
        return None
    assert isinstance(a, FactRef)
    fact = schema[a.name]
    limit = b.ev(ctx)
    if fact.type not in NUMERIC or limit is None or (
            isinstance(limit, Decimal) and limit.adjusted() >= CONTEXT.prec - 3):
        return None  # no profile reaches a number too long to work out to the fen
    op = _NEGATE[op] if negated else op
    step = unit_of(fact)
    if op == "in":
        return a.name, sorted(limit)
    if op == "not in":
        return None
    return a.name, _grid_targets(op, limit, step)


def _is_fact(node: Node, schema: FactSchema) -> bool:
    return isinstance(node, FactRef) and not isinstance(node, ParamRef) and node.name in schema


def _grid_targets(op: str, limit: Any, step: Decimal | timedelta) -> list[Value]:
    if isinstance(limit, date):
        assert isinstance(step, timedelta)
        dates: dict[str, list[Value]] = {
            ">=": [limit], "<=": [limit], "==": [limit], ">": [limit + step],
            "<": [limit - step], "!=": [limit + step, limit - step]}
        return dates[op]
    assert isinstance(step, Decimal)
    up = limit.quantize(step, rounding=ROUND_CEILING, context=CONTEXT)
    down = limit.quantize(step, rounding=ROUND_FLOOR, context=CONTEXT)
    return {">=": [up], "<=": [down], "==": [limit],
            ">": [CONTEXT.add(down, step)], "<": [CONTEXT.subtract(up, step)],
            "!=": [CONTEXT.add(limit, step), CONTEXT.subtract(limit, step)]}[op]


class _Search:
    """Single-fact changes first; only if none works, combinations of the facts."""

    def __init__(self, facts: Mapping[str, Value], schema: FactSchema,
                 candidates: dict[str, list[Value]], oracle: Callable[[Mapping[str, Value]], Result]
                 ) -> None:
        self.facts, self.schema, self.oracle = facts, schema, oracle
        self.candidates = {fact: self.nearest_first(fact, values) if self.numeric(fact) else values
                           for fact, values in candidates.items()}

    def nearest_first(self, fact: str, values: list[Value]) -> list[Value]:
        return sorted(values, key=lambda value: self.distance(fact, value))

    def numeric(self, fact: str) -> bool:
        return self.schema[fact].type in NUMERIC

    def distance(self, fact: str, value: Value) -> Decimal:
        change = Change(fact, self.facts.get(fact), value).difference
        return abs(Decimal(change)) if change is not None else Decimal(0)

    def run(self) -> list[Option]:
        options: list[Option] = []
        for fact, values in self.candidates.items():
            for value in values:
                result = self.oracle({fact: value})
                if applies(result):
                    options.append(self.option({fact: value}, result))
                    if self.numeric(fact):
                        break  # the nearest threshold that works
        if options or len(self.candidates) < 2:
            return options
        return self.combinations()

    def combinations(self) -> list[Option]:
        choices = [[None, *values] for values in self.candidates.values()]
        count = 1
        for values in choices:
            count *= len(values)
        if count > MAX_COMBINATIONS:
            return []
        tried = []
        for combo in product(*choices):
            changes = {f: v for f, v in zip(self.candidates, combo, strict=True) if v is not None}
            if changes:
                tried.append(changes)
        tried.sort(key=lambda c: (len(c), [self.distance(f, v) for f, v in c.items()]))
        kept: list[frozenset[Any]] = []
        options = []
        for changes in tried:
            signature = frozenset(f if self.numeric(f) else (f, v) for f, v in changes.items())
            if any(earlier <= signature for earlier in kept):
                continue
            result = self.oracle(changes)
            if applies(result):
                kept.append(signature)
                options.append(self.option(changes, result))
        return options

    def option(self, changes: dict[str, Value], result: Result) -> Option:
        """The option, each number moved back to the last grid step at which it still works."""
        for fact in [f for f in changes if self.numeric(f)]:
            changes[fact], result = self.tighten(changes, fact, result)
        return Option([Change(f, self.facts.get(f), v) for f, v in changes.items()], result)

    def tighten(self, changes: dict[str, Value], fact: str, result: Result) -> tuple[Value, Result]:
        current, target = self.facts.get(fact), changes[fact]
        if current is None or target == current:
            return target, result
        step: Any = unit_of(self.schema[fact])
        rising: bool = target > current  # type: ignore[operator]
        back = -step if rising else step

        def at(k: int) -> Any:
            return target + back * k

        def beyond(value: Any) -> bool:  # at or past the current value
            return bool(value <= current if rising else value >= current)

        if beyond(at(1)) or not applies(self.oracle({**changes, fact: at(1)})):
            return target, result
        low, high = 1, 2  # applies at `low`; find where it stops (assumes it stops only once)
        while not beyond(at(high)) and applies(self.oracle({**changes, fact: at(high)})):
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            if not beyond(at(middle)) and applies(self.oracle({**changes, fact: at(middle)})):
                low = middle
            else:
                high = middle
        value = at(low)
        return value, self.oracle({**changes, fact: value})
