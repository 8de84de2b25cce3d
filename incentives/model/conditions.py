"""The condition language: small expressions over profile facts, safe to take from strangers.

`newly_built and fixed_asset_investment >= 5000万 and kind in ['rehabilitation', 'nursing']`

An expression is parsed with Python's `ast` into a closed set of node types (names,
literals, comparisons, and/or/not, `in`, + - * / //, min/max/floor/date/known, and the
reserved dates `as_of`, `effective_from`, `effective_to`) and everything else is refused.
Every name and type is checked against the fact schema when the rule file is loaded, so a
typo fails then, with a caret, never at evaluation. Numbers are exact
Decimals (`5000万`, `1.2%` included) and never pass through float.

Unknown facts are a value of their own (None): a comparison with one is unknown, and
and/or/not follow three-valued logic. Evaluating with a trace records every leaf
condition with the values it saw, and which leaves decided the outcome.
"""

from __future__ import annotations

import ast
import bisect
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from itertools import chain
from typing import Any

from incentives.errors import ExprError, MoneyError, Suggestions
from incentives.model import logic
from incentives.model.facts import EARLIEST_DATE, LATEST_DATE, RESERVED_DATES, Fact, FactSchema
from incentives.model.money import CONTEXT, MAX_DIGITS, parse_amount

MAX_SOURCE_CHARS = 2000
MAX_NODES = 300
MAX_DEPTH = 32
# an expression with the named conditions it uses written out: what evaluating it costs
MAX_EXPANDED = 5000
MAX_EXPANDED_DEPTH = 120
FUNCTIONS = {"min", "max", "floor", "date", "known"}

_TOKEN = re.compile(
    r"(?P<str>'[^'\\\n]*'|\"[^\"\\\n]*\")"
    r"|(?P<num>(?<![\w.])\d+(?:\.\d+)?(?:万|亿|%)?)"
    r"|(?P<name>[^\W\d]\w*)"
)
_REFUSED = {
    ast.Tuple: "tuples (a, b)",
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "subscripts (a[b])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "starred expressions (*a)",
    ast.IfExp: "conditional expressions (a if b else c)",
    ast.Dict: "dictionaries",
    ast.Set: "sets {a, b}",
    ast.JoinedStr: "f-strings",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}
_HINTS = {
    ast.IfExp: "; write each case as one of the rule's amount cases (amount = [{ when, value }])",
    ast.Tuple: "; use a list [a, b]",
    ast.Set: "; use a list [a, b]",
}
# Operators the language leaves out, by the names a rule author knows them by.
_OPERATOR_WORDS = {
    ast.Mod: "the remainder (%)", ast.Pow: "powers (**)", ast.MatMult: "the operator @",
    ast.LShift: "shifts (<<)", ast.RShift: "shifts (>>)", ast.BitOr: "the operator |",
    ast.BitXor: "the operator ^", ast.BitAnd: "the operator &",
}


def names_in(source: str) -> set[str]:
    """The names an expression's text mentions (outside its quoted texts)."""
    return {m.group() for m in _TOKEN.finditer(source) if m.lastgroup == "name"}


def floor_divide(a: Decimal, b: Decimal) -> Decimal:
    """The whole number of times b goes into a, rounded down (toward minus infinity),
    exactly: Decimal's own `//` rounds toward zero."""
    try:
        quotient = CONTEXT.divide_int(a, b)
    except InvalidOperation:
        raise MoneyError("floor division (//) gives a number too large to work out") from None
    remainder = CONTEXT.subtract(a, CONTEXT.multiply(quotient, b))
    if remainder != 0 and (remainder < 0) != (b < 0):
        quotient = CONTEXT.subtract(quotient, 1)
    return quotient


def floor_of(a: Decimal) -> Decimal:
    """The largest whole number not above a, exactly."""
    return a.to_integral_value(rounding=ROUND_FLOOR, context=CONTEXT)


_BINOPS: dict[type, Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: CONTEXT.add,
    ast.Sub: CONTEXT.subtract,
    ast.Mult: CONTEXT.multiply,
    ast.Div: CONTEXT.divide,
    ast.FloorDiv: floor_divide,
}
BINARY_OPERATIONS = tuple(_BINOPS.values())  # what an Arith node's `fn` is one of
_SYMBOLS = {"add": "+", "subtract": "−", "multiply": "×", "divide": "÷", "floor_divide": "//"}
_CMP_TEXT = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}
ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {  # `operator`'s: no Python frame a call
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


@dataclass
class VType:
    """The static type of an expression: bool, number, date, enum (of a fact), text, list."""

    kind: str
    fact: Fact | None = None  # for enum values: whose
    item: VType | None = None  # for lists: of what

    def __str__(self) -> str:
        if self.kind == "enum" and self.fact:
            return f"{self.fact.name} value"
        return f"list of {self.item}" if self.kind == "list" and self.item else self.kind


BOOL, NUMBER, DATE, TEXT, STR = (VType("bool"), VType("number"), VType("date"), VType("text"),
                                 VType("str"))


@dataclass
class Env:
    """What names an expression may use: facts, dated parameters, declared constants."""

    schema: FactSchema
    params: frozenset[str] = frozenset()
    constants: Mapping[str, Any] = field(default_factory=dict)
    suggestions: Suggestions = field(default_factory=Suggestions)  # shared by a whole load
    conditions: Mapping[str, NamedCondition] = field(default_factory=dict)  # the folder's
    broken: frozenset[str] = frozenset()  # named conditions declared but refused


@dataclass
class NamedCondition:
    """A condition a folder declares once (`[conditions.NAME]` in city.toml) and its rules
    use by name; a trace shows the name with its label, and its own checks beneath."""

    name: str
    zh: str
    en: str
    expression: Expression
    line: int = 0


@dataclass
class Context:
    """What an evaluation reads: the profile's known facts, the parameters in force, and
    the reserved dates (`as_of`, the rule's `effective_from` and `effective_to`; None where
    a rule has no end)."""

    facts: Mapping[str, Any]
    params: Mapping[str, Decimal] = field(default_factory=dict)
    dates: Mapping[str, date | None] = field(default_factory=dict)


@dataclass
class Step:
    """One node of an evaluation trace: its text, outcome, the facts it read, its children."""

    text: str
    outcome: bool | None
    op: str = "leaf"  # leaf | and | or | not | named (a named condition, its one child)
    children: list[Step] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    decisive: bool = False
    node: Node | None = field(default=None, repr=False, compare=False)  # the leaf's node
    label: tuple[str, str] | None = None  # a named condition's (zh, en)

    def leaves(self) -> list[Step]:
        if self.op == "leaf":
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]


# --- nodes ---------------------------------------------------------------------------------


Eval = Callable[[Context], Any]
Trace = Callable[[Context], Step]
LEAF = "leaf"  # the tracers make Steps with every field given in order: keywords cost more


class Node:
    """A node of an expression's tree. `ev` and `step` walk the tree; `evaluator` and
    `tracer` give closures that compute the very same (see Expression.evaluate)."""

    text = ""
    names: frozenset[str] = frozenset()

    def ev(self, ctx: Context) -> Any:
        raise NotImplementedError

    def step(self, ctx: Context) -> Step:
        value = self.ev(ctx)
        values = {name: _lookup(ctx, name) for name in sorted(self.names)}
        return Step(self.text, value, values=values, node=self)

    def evaluator(self) -> Eval:
        """A closure computing `self.ev(ctx)`: built from the node's own checked fields and
        its children's closures, never from text."""
        return self.ev

    def tracer(self) -> Trace:
        """A closure computing `self.step(ctx)` (decisive leaves not yet marked)."""
        value, text = self.evaluator(), self.text
        readers = [(name, _reader(name)) for name in sorted(self.names)]
        if len(readers) == 1:
            [(name, read)] = readers

            def one(ctx: Context) -> Step:
                return Step(text, value(ctx), LEAF, [], {name: read(ctx)}, False, self)
            return one

        def leaf(ctx: Context) -> Step:
            return Step(text, value(ctx), LEAF, [], {name: read(ctx) for name, read in readers},
                        False, self)
        return leaf


def _lookup(ctx: Context, name: str) -> Any:
    if name in RESERVED_DATES:
        return ctx.dates.get(name)
    return ctx.facts.get(name, ctx.params.get(name))


def _reader(name: str) -> Eval:
    """`_lookup(ctx, name)` as a closure."""
    if name in RESERVED_DATES:
        return lambda ctx: ctx.dates.get(name)
    return lambda ctx: ctx.facts.get(name, ctx.params.get(name))


def rule_dates(as_of: date, effective_from: date, effective_to: date | None
               ) -> dict[str, date | None]:
    """The reserved dates an expression of a rule may read on an as-of date."""
    return {"as_of": as_of, "effective_from": effective_from, "effective_to": effective_to}


class Const(Node):
    def __init__(self, value: Any) -> None:
        self.value = value

    def ev(self, ctx: Context) -> Any:
        return self.value

    def evaluator(self) -> Eval:
        value = self.value
        return lambda ctx: value


class Named(Node):
    """A node that reads one name: a fact, a parameter, a reserved date, `known(fact)`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.names = frozenset([name])


class FactRef(Named):
    def ev(self, ctx: Context) -> Any:
        return ctx.facts.get(self.name)

    def evaluator(self) -> Eval:
        name = self.name
        return lambda ctx: ctx.facts.get(name)


class ParamRef(FactRef):
    def ev(self, ctx: Context) -> Any:
        return ctx.params.get(self.name)

    def evaluator(self) -> Eval:
        name = self.name
        return lambda ctx: ctx.params.get(name)


class DateRef(Named):
    """A reserved date: `as_of`, `effective_from` or `effective_to` (None: no end)."""

    def ev(self, ctx: Context) -> Any:
        return ctx.dates.get(self.name)

    def evaluator(self) -> Eval:
        name = self.name
        return lambda ctx: ctx.dates.get(name)


class Known(Named):
    """`known(fact)`: whether the profile gives the fact; never unknown itself."""

    def ev(self, ctx: Context) -> Any:
        return ctx.facts.get(self.name) is not None

    def evaluator(self) -> Eval:
        name = self.name
        return lambda ctx: ctx.facts.get(name) is not None


class Floor(Node):
    """`floor(x)`: the largest whole number not above x."""

    def __init__(self, a: Node) -> None:
        self.a, self.names = a, a.names

    def ev(self, ctx: Context) -> Any:
        a = self.a.ev(ctx)
        return None if a is None else floor_of(a)

    def evaluator(self) -> Eval:
        a = self.a.evaluator()

        def floor(ctx: Context) -> Any:
            value = a(ctx)
            return None if value is None else floor_of(value)
        return floor


class Arith(Node):
    def __init__(self, fn: Callable[[Decimal, Decimal], Decimal], a: Node, b: Node) -> None:
        self.fn, self.a, self.b = fn, a, b
        self.names = a.names | b.names

    @property
    def symbol(self) -> str:
        return _SYMBOLS.get(getattr(self.fn, "__name__", ""), "?")

    def ev(self, ctx: Context) -> Any:
        a, b = self.a.ev(ctx), self.b.ev(ctx)
        return None if a is None or b is None else self.fn(a, b)

    def evaluator(self) -> Eval:
        fn, a, b = self.fn, self.a.evaluator(), self.b.evaluator()

        def arith(ctx: Context) -> Any:
            left, right = a(ctx), b(ctx)
            return None if left is None or right is None else fn(left, right)
        return arith


class Neg(Node):
    def __init__(self, a: Node) -> None:
        self.a, self.names = a, a.names

    def ev(self, ctx: Context) -> Any:
        a = self.a.ev(ctx)
        return None if a is None else CONTEXT.minus(a)

    def evaluator(self) -> Eval:
        a = self.a.evaluator()

        def neg(ctx: Context) -> Any:
            value = a(ctx)
            return None if value is None else CONTEXT.minus(value)
        return neg


class MinMax(Node):
    def __init__(self, fn: Callable[..., Decimal], args: list[Node]) -> None:
        self.fn, self.args = fn, args
        self.names = frozenset().union(*(arg.names for arg in args))

    def ev(self, ctx: Context) -> Any:
        values = [arg.ev(ctx) for arg in self.args]
        return None if any(v is None for v in values) else self.fn(values)

    def evaluator(self) -> Eval:
        fn, args = self.fn, [arg.evaluator() for arg in self.args]

        def minmax(ctx: Context) -> Any:
            values = [arg(ctx) for arg in args]
            return None if any(v is None for v in values) else fn(values)
        return minmax


class Compare(Node):
    def __init__(self, op: str, a: Node, b: Node, rank: Fact | None) -> None:
        self.op, self.a, self.b, self.rank = op, a, b, rank
        self.fn = ORDER_OPS[op]
        self.names = a.names | b.names

    def ev(self, ctx: Context) -> Any:
        a, b = self.a.ev(ctx), self.b.ev(ctx)
        if a is None or b is None:
            return None
        if self.rank is not None:  # ordered enum: compare positions, lowest first
            a, b = self.rank.rank(a), self.rank.rank(b)
        return self.fn(a, b)

    def evaluator(self) -> Eval:
        fn, a, b, rank = self.fn, self.a.evaluator(), self.b.evaluator(), self.rank
        if isinstance(self.b, Const) and rank is None:  # the usual `fact >= 5000万`
            constant = self.b.value
            if type(self.a) is FactRef:
                name = self.a.name

                def fact_against(ctx: Context) -> Any:
                    left = ctx.facts.get(name)
                    return None if left is None or constant is None else fn(left, constant)
                return fact_against

            def against(ctx: Context) -> Any:
                left = a(ctx)
                return None if left is None or constant is None else fn(left, constant)
            return against

        def compare(ctx: Context) -> Any:
            left, right = a(ctx), b(ctx)
            if left is None or right is None:
                return None
            if rank is not None:
                left, right = rank.rank(left), rank.rank(right)
            return fn(left, right)
        return compare

    def tracer(self) -> Trace:
        if not (type(self.a) is FactRef and isinstance(self.b, Const) and self.rank is None):
            return super().tracer()
        # `fact op literal`, the commonest leaf: the fact read once for outcome and trace
        name, fn, constant, text = self.a.name, self.fn, self.b.value, self.text

        def fact_against(ctx: Context) -> Step:
            left = ctx.facts.get(name)
            seen = left if left is not None else _lookup(ctx, name)
            outcome = None if left is None or constant is None else fn(left, constant)
            return Step(text, outcome, LEAF, [], {name: seen}, False, self)
        return fact_against


class BoolLeaf(Node):
    """A bool-valued fact used as a condition on its own: `newly_built`."""

    def __init__(self, inner: Node) -> None:
        self.inner, self.names = inner, inner.names

    def ev(self, ctx: Context) -> Any:
        return self.inner.ev(ctx)

    def evaluator(self) -> Eval:
        return self.inner.evaluator()

    def tracer(self) -> Trace:
        if type(self.inner) is not FactRef:
            return super().tracer()
        name, text = self.inner.name, self.text

        def fact(ctx: Context) -> Step:
            value = ctx.facts.get(name)
            seen = value if value is not None else _lookup(ctx, name)
            return Step(text, value, LEAF, [], {name: seen}, False, self)
        return fact


class Not(Node):
    def __init__(self, a: Node) -> None:
        self.a, self.names = a, a.names

    def ev(self, ctx: Context) -> Any:
        return logic.outcome(logic.negation(logic.truth(self.a.ev(ctx))))

    def step(self, ctx: Context) -> Step:
        child = self.a.step(ctx)
        outcome = logic.outcome(logic.negation(logic.truth(child.outcome)))
        if child.op == "leaf":  # `not for_profit` reads best as one condition
            return Step(self.text, outcome, values=child.values, node=self)
        return Step(self.text, outcome, "not", [child])

    def evaluator(self) -> Eval:
        a = self.a.evaluator()
        return lambda ctx: logic.kleene_not(a(ctx))

    def tracer(self) -> Trace:
        child_step, text = self.a.tracer(), self.text

        def negated(ctx: Context) -> Step:
            child = child_step(ctx)
            outcome = logic.kleene_not(child.outcome)
            if child.op == "leaf":
                return Step(text, outcome, LEAF, [], child.values, False, self)
            return Step(text, outcome, "not", [child], {})
        return negated


class ConditionRef(Node):
    """A named condition used by its name: evaluated as its own expression, traced as the
    name (with its label) over that expression's steps."""

    def __init__(self, named: NamedCondition) -> None:
        self.named, self.inner = named, named.expression.root
        self.names = self.inner.names

    def ev(self, ctx: Context) -> Any:
        return self.inner.ev(ctx)

    def step(self, ctx: Context) -> Step:
        child = self.inner.step(ctx)
        return Step(self.text, child.outcome, "named", [child],
                    label=(self.named.zh, self.named.en))

    def evaluator(self) -> Eval:
        return self.inner.evaluator()

    def tracer(self) -> Trace:
        child_step, text, label = self.inner.tracer(), self.text, (self.named.zh, self.named.en)

        def named(ctx: Context) -> Step:
            child = child_step(ctx)
            return Step(text, child.outcome, "named", [child], {}, False, None, label)
        return named


class BoolOp(Node):
    def __init__(self, is_and: bool, items: list[Node]) -> None:
        self.is_and, self.items = is_and, items
        self.names = frozenset().union(*(item.names for item in items))

    def combine(self, outcomes: list[bool | None]) -> bool | None:
        join = logic.conjunction if self.is_and else logic.disjunction
        return logic.outcome(join([logic.truth(item) for item in outcomes]))

    def ev(self, ctx: Context) -> Any:
        return self.combine([item.ev(ctx) for item in self.items])

    def step(self, ctx: Context) -> Step:
        children = [item.step(ctx) for item in self.items]
        outcome = self.combine([child.outcome for child in children])
        return Step(self.text, outcome, "and" if self.is_and else "or", children)

    def evaluator(self) -> Eval:
        # every operand is evaluated, as `ev` does: one too large to work out is refused
        # whatever the others give
        items = [item.evaluator() for item in self.items]
        join = logic.kleene_and if self.is_and else logic.kleene_or
        return lambda ctx: join([item(ctx) for item in items])

    def tracer(self) -> Trace:
        steps, text = [item.tracer() for item in self.items], self.text
        join = logic.kleene_and if self.is_and else logic.kleene_or
        op = "and" if self.is_and else "or"

        def boolop(ctx: Context) -> Step:
            children = [step(ctx) for step in steps]
            return Step(text, join([child.outcome for child in children]), op, children, {})
        return boolop


# --- compiling ------------------------------------------------------------------------------


@dataclass
class Expression:
    """A compiled expression: its source, its result type, the facts and parameters it reads."""

    source: str
    root: Node
    type: VType
    facts: frozenset[str]
    params: frozenset[str]
    size: int = 1  # the nodes it evaluates, its named conditions written out
    depth: int = 1
    # its closures (Node.evaluator, Node.tracer), made the first time it is used
    _evaluate: Callable[[Context], Any] | None = field(
        default=None, init=False, repr=False, compare=False)
    _trace: Callable[[Context], Step] | None = field(
        default=None, init=False, repr=False, compare=False)

    def evaluate(self, ctx: Context) -> Any:
        return self.evaluator(ctx)

    @property
    def evaluator(self) -> Callable[[Context], Any]:
        """The closure `evaluate` calls: for a caller that evaluates it many times."""
        run = self._evaluate
        if run is None:
            run = self._evaluate = self.root.evaluator()
        return run

    def trace(self, ctx: Context) -> Step:
        """Evaluate a condition, keeping every step, with the decisive leaves marked."""
        run = self._trace
        if run is None:
            run = self._trace = self.root.tracer()
        step = run(ctx)
        mark_decisive(step)
        return step

    def trace_leaves(self, ctx: Context) -> tuple[Step, list[Step]]:
        """`trace`, and the trace's leaves (`Step.leaves`), in one walk."""
        run = self._trace
        if run is None:
            run = self._trace = self.root.tracer()
        step = run(ctx)
        leaves: list[Step] = []  # not `list[Step]()`: a generic alias made each call
        mark_and_collect(step, leaves)
        return step, leaves

    def working(self, ctx: Context) -> list[Calc]:
        """Evaluate a number, keeping each arithmetic step (innermost first), exactly as
        `evaluate` does it: the same nodes, the same Decimal context."""
        steps: list[Calc] = []
        _work(self.root, ctx, steps)
        return steps


@dataclass
class Operand:
    """One input of an arithmetic step: a literal, a fact, a parameter or an earlier step."""

    text: str
    value: Any
    kind: str  # literal | fact | param | calc


@dataclass
class Calc:
    """One arithmetic step: `a × b = value` (op is + − × ÷, min, max or neg)."""

    text: str
    op: str
    operands: list[Operand]
    value: Any


def _work(node: Node, ctx: Context, steps: list[Calc]) -> None:
    if isinstance(node, Arith):
        children, op = [node.a, node.b], node.symbol
    elif isinstance(node, Neg):
        children, op = [node.a], "neg"
    elif isinstance(node, Floor):
        children, op = [node.a], "floor"
    elif isinstance(node, MinMax):
        children, op = list(node.args), getattr(node.fn, "__name__", "?")
    else:
        return
    for child in children:
        _work(child, ctx, steps)
    steps.append(Calc(node.text, op, [_operand(child, ctx) for child in children], node.ev(ctx)))


def _operand(node: Node, ctx: Context) -> Operand:
    if isinstance(node, Const):
        kind = "literal"
    elif isinstance(node, ParamRef):
        kind = "param"
    elif isinstance(node, FactRef):
        kind = "fact"
    else:
        kind = "calc"
    return Operand(node.text, node.ev(ctx), kind)


def mark_and_collect(step: Step, leaves: list[Step], decisive: bool = True) -> None:
    """`mark_decisive`, and the leaves appended to `leaves` in order (Step.leaves)."""
    step.decisive = decisive
    op = step.op
    if op == "leaf":
        leaves.append(step)
        return
    outcome = step.outcome
    # every child decides a true `and`, a false `or`, a `not` and a named condition; else
    # the children whose outcome is the whole's
    every = outcome is True if op == "and" else outcome is False if op == "or" else True
    for child in step.children:
        deciding = decisive and (every or child.outcome == outcome)
        if child.op == "leaf":  # most children: marked here, without a call
            child.decisive = deciding
            leaves.append(child)
        else:
            mark_and_collect(child, leaves, deciding)


def mark_decisive(step: Step, decisive: bool = True) -> None:
    """Mark the steps that settle the outcome: the false operands of a false `and`, etc."""
    step.decisive = decisive
    for child in step.children:
        if step.op in ("not", "named"):
            deciding = True
        elif step.op == "and":
            deciding = step.outcome is True or child.outcome == step.outcome
        else:
            deciding = step.outcome is False or child.outcome == step.outcome
        mark_decisive(child, decisive and deciding)


def compile_expression(source: str, env: Env, expect: VType = BOOL) -> Expression:
    """Parse, check and compile one expression; ExprError (with a column) if it can't be."""
    compiler = _Compiler(source, env)
    node, vtype = compiler.compile()
    if vtype.kind != expect.kind:
        raise ExprError(f"this expression gives a {vtype}, but a {expect.kind} is needed", 0)
    facts = frozenset(n for n in node.names if n in env.schema)
    size, depth = _measure(node)
    if size > MAX_EXPANDED:
        raise ExprError(f"with the named conditions it uses written out, this expression has "
                        f"more than {MAX_EXPANDED:,} parts", 0)
    if depth > MAX_EXPANDED_DEPTH:
        raise ExprError(f"with the named conditions it uses written out, this expression is "
                        f"nested more than {MAX_EXPANDED_DEPTH} deep", 0)
    return Expression(source, node, vtype, facts, node.names - facts - RESERVED_DATES,
                      size, depth)


def _measure(node: Node) -> tuple[int, int]:
    """How many nodes an expression evaluates and how deep, its named conditions written
    out: a condition used twice counts twice (a chain of them, each using the last twice,
    would otherwise double at every link)."""
    if isinstance(node, ConditionRef):
        return node.named.expression.size + 1, node.named.expression.depth + 1
    children = [getattr(node, name) for name in ("a", "b", "inner")
                if isinstance(getattr(node, name, None), Node)]
    children += [*getattr(node, "items", []), *getattr(node, "args", [])]
    measured = [_measure(child) for child in children]
    return (1 + sum(size for size, _ in measured),
            1 + max((depth for _, depth in measured), default=0))


class _Compiler:
    def __init__(self, source: str, env: Env) -> None:
        self.original = source.replace("\n", " ").replace("\r", " ").replace("\t", " ")
        self.env = env
        self.literals: dict[str, Decimal] = {}
        self.new_starts: list[int] = []
        self.spans: list[tuple[int, int, int, int]] = []  # new start, new end, old start, old end

    def compile(self) -> tuple[Node, VType]:
        if len(self.original) > MAX_SOURCE_CHARS:
            raise ExprError(f"expression is longer than {MAX_SOURCE_CHARS} characters", 0)
        if not self.original.strip():
            raise ExprError("expression is empty", 0)
        text = self.substitute_literals()
        self.parsed = text.strip()
        try:
            tree = ast.parse(self.parsed, mode="eval")
        except SyntaxError as error:
            column = self.old_column((error.offset or 1) - 1 + (len(text) - len(text.lstrip())))
            raise ExprError(f"syntax error: {error.msg}", column) from None
        except (RecursionError, MemoryError):
            raise ExprError("expression is too deeply nested", 0) from None
        except ValueError as error:  # e.g. a lone surrogate, which no file can hold
            raise ExprError(f"cannot be read: {error}", 0) from None
        self.lead = len(text) - len(text.lstrip())
        self.check_size(tree)
        return self.build(tree.body)

    def substitute_literals(self) -> str:
        """Turn every number into a placeholder name bound to an exact Decimal."""
        out: list[str] = []
        last = 0
        for match in _TOKEN.finditer(self.original):
            if match.lastgroup == "name" and match.group().startswith("_"):
                raise ExprError("names may not start with '_'", match.start())
            if match.lastgroup != "num":
                continue
            literal = match.group()
            following = self.original[match.end():match.end() + 1]
            if following and (following.isalnum() or following in "_."):
                end = re.match(r"[\w.]*", self.original[match.end():])
                whole = literal + (end.group() if end else "")
                raise ExprError(f"{whole!r} is not a number; write e.g. 5000万, 1.2% or 0.5",
                                match.start())
            if len(re.sub(r"\D", "", literal)) > MAX_DIGITS:
                raise ExprError(f"number {literal[:30]}… has more than {MAX_DIGITS} digits",
                                match.start())
            placeholder = f"_n{len(self.literals)}"
            self.literals[placeholder] = parse_amount(literal)
            out.append(self.original[last:match.start()])
            new_start = sum(map(len, out))
            out.append(placeholder)
            self.new_starts.append(new_start)
            self.spans.append((new_start, new_start + len(placeholder), match.start(), match.end()))
            last = match.end()
        out.append(self.original[last:])
        return "".join(out)

    def old_column(self, new: int) -> int:
        index = bisect.bisect_right(self.new_starts, new) - 1
        if index < 0:
            return new
        _, new_end, old_start, old_end = self.spans[index]
        return old_start if new < new_end else old_end + (new - new_end)

    def char_offset(self, byte_offset: int) -> int:
        # ast reports UTF-8 byte offsets; the source has Chinese in it.
        return len(self.parsed.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))

    def segment(self, node: ast.AST) -> str:
        start = self.char_offset(node.col_offset)  # type: ignore[attr-defined]
        end = self.char_offset(node.end_col_offset)  # type: ignore[attr-defined]
        return self.original[self.old_column(start + self.lead):self.old_column(end + self.lead)]

    def fail(self, node: ast.AST, message: str) -> ExprError:
        start = self.char_offset(getattr(node, "col_offset", 0))
        return ExprError(message, self.old_column(start + self.lead))

    def check_size(self, tree: ast.AST) -> None:
        count = 0
        stack: list[tuple[ast.AST, int]] = [(tree, 0)]
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > MAX_NODES:
                raise ExprError(f"expression has more than {MAX_NODES} parts", 0)
            if depth > MAX_DEPTH:
                raise self.fail(node, f"expression is nested more than {MAX_DEPTH} deep")
            stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))

    def build(self, node: ast.AST) -> tuple[Node, VType]:
        refused = _REFUSED.get(type(node))
        if refused:
            hint = _HINTS.get(type(node), "")
            raise self.fail(node, f"{refused}: not allowed in a rule expression{hint}")
        method = getattr(self, f"build_{type(node).__name__}", None)
        if method is None:
            raise self.fail(node, f"{self.segment(node)!r} is not part of the rule language")
        built, vtype = method(node)
        built.text = self.segment(node)
        return built, vtype

    def build_Constant(self, node: ast.Constant) -> tuple[Node, VType]:
        if isinstance(node.value, bool):
            return Const(node.value), BOOL
        if isinstance(node.value, str):
            if len(node.value) > 200:
                raise self.fail(node, "text literal is longer than 200 characters")
            return Const(node.value), STR
        raise self.fail(node, f"the literal {self.segment(node)} is not allowed")

    def build_Name(self, node: ast.Name) -> tuple[Node, VType]:
        name = node.id
        if name in self.literals:
            return Const(self.literals[name]), NUMBER
        if name in RESERVED_DATES:
            return DateRef(name), DATE
        if name in self.env.schema:
            fact = self.env.schema[name]
            vtype = VType("enum", fact) if fact.type == "enum" else VType(fact.value_type)
            return FactRef(name), vtype
        if name in self.env.params:
            return ParamRef(name), NUMBER
        if name in self.env.constants:
            return self.constant(node, self.env.constants[name])
        if name in self.env.conditions:
            return ConditionRef(self.env.conditions[name]), BOOL
        if name in self.env.broken:
            raise ExprError(f"condition {name!r} is refused", 0, follow_on=True)
        candidates = chain(self.env.schema.facts, self.env.params, self.env.constants,
                           self.env.conditions, RESERVED_DATES)
        hint = self.env.suggestions.did_you_mean(name, candidates)
        raise self.fail(node, f"unknown name {name!r}{hint}")

    def constant(self, node: ast.AST, value: Any) -> tuple[Node, VType]:
        if isinstance(value, bool):
            return Const(value), BOOL
        if isinstance(value, Decimal):
            return Const(value), NUMBER
        if isinstance(value, str):
            return Const(value), STR
        if isinstance(value, tuple):
            return Const(value), VType("list", item=STR)
        raise self.fail(node, "constant has an unusable value")

    def build_List(self, node: ast.List | ast.Tuple) -> tuple[Node, VType]:
        items = [self.build(item) for item in node.elts]
        if not all(isinstance(item, Const) for item, _ in items):
            raise self.fail(node, "a list may hold only literal values")
        kinds = {vtype.kind for _, vtype in items}
        if len(kinds) > 1:
            raise self.fail(node, "a list must hold values of one type")
        item_type = items[0][1] if items else STR
        return Const(tuple(item.value for item, _ in items)), VType("list", item=item_type)  # type: ignore[attr-defined]

    build_Tuple = build_List

    def build_BoolOp(self, node: ast.BoolOp) -> tuple[Node, VType]:
        items = [self.expect_bool(value) for value in node.values]
        return BoolOp(isinstance(node.op, ast.And), items), BOOL

    def expect_bool(self, node: ast.AST) -> Node:
        built, vtype = self.build(node)
        if vtype.kind != "bool":
            raise self.fail(node, f"expected a condition (true or false), got a {vtype}")
        if isinstance(built, FactRef):
            leaf = BoolLeaf(built)
            leaf.text = built.text
            return leaf
        return built

    def build_UnaryOp(self, node: ast.UnaryOp) -> tuple[Node, VType]:
        if isinstance(node.op, ast.Not):
            return Not(self.expect_bool(node.operand)), BOOL
        operand, vtype = self.build(node.operand)
        if vtype.kind != "number" or isinstance(node.op, ast.Invert):
            raise self.fail(node, "only a number can be negated")
        return (Neg(operand) if isinstance(node.op, ast.USub) else operand), NUMBER

    def build_BinOp(self, node: ast.BinOp) -> tuple[Node, VType]:
        fn = _BINOPS.get(type(node.op))
        if fn is None:
            word = _OPERATOR_WORDS.get(type(node.op), "this operator")
            raise self.fail(node, f"{word}: not allowed in a rule expression")
        what = "floor division (//)" if isinstance(node.op, ast.FloorDiv) else "arithmetic"
        left, left_type = self.build(node.left)
        right, right_type = self.build(node.right)
        if left_type.kind != "number" or right_type.kind != "number":
            raise self.fail(node, f"{what} needs numbers, not {left_type} and {right_type}")
        if isinstance(node.op, ast.FloorDiv) and not (isinstance(right, Const)
                                                      and right.value != 0):
            raise self.fail(node.right, "floor division (//) only by a non-zero number literal")
        if isinstance(node.op, ast.Div) and not (isinstance(right, Const) and right.value != 0):
            raise self.fail(node.right, "divide only by a non-zero number literal")
        return Arith(fn, left, right), NUMBER

    def build_Call(self, node: ast.Call) -> tuple[Node, VType]:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise self.fail(node, f"only the functions {allowed} may be called")
        if node.keywords:
            raise self.fail(node, "keyword arguments are not allowed")
        if name == "date":
            return self.date_literal(node)
        if name == "known":
            return self.known(node)
        args = [self.build(arg) for arg in node.args]
        if name == "floor":
            if len(args) != 1 or args[0][1].kind != "number":
                raise self.fail(node, "floor() takes one number")
            return Floor(args[0][0]), NUMBER
        if len(args) < 2 or any(vtype.kind != "number" for _, vtype in args):
            raise self.fail(node, f"{name}() takes two or more numbers")
        return MinMax(min if name == "min" else max, [arg for arg, _ in args]), NUMBER

    def known(self, node: ast.Call) -> tuple[Node, VType]:
        arg = node.args[0] if len(node.args) == 1 else None
        if not isinstance(arg, ast.Name) or arg.id in self.literals:
            raise self.fail(node, "known() takes one fact name, e.g. known(opened_on)")
        if arg.id not in self.env.schema:
            hint = self.env.suggestions.did_you_mean(arg.id, self.env.schema.facts)
            raise self.fail(arg, f"known() takes a fact name; {arg.id!r} is not a fact{hint}")
        if self.env.schema[arg.id].type == "city":
            raise self.fail(arg, "every profile gives its city: known(city) is always true")
        return Known(arg.id), BOOL

    def date_literal(self, node: ast.Call) -> tuple[Node, VType]:
        arg = node.args[0] if len(node.args) == 1 else None
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            raise self.fail(node, "date() takes one text like '2018-08-06'")
        try:
            value = date.fromisoformat(arg.value)
        except ValueError:
            raise self.fail(arg, f"{arg.value!r} is not a date (YYYY-MM-DD)") from None
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise self.fail(arg, f"{arg.value!r} is not from {EARLIEST_DATE} to {LATEST_DATE}")
        return Const(value), DATE

    def build_Compare(self, node: ast.Compare) -> tuple[Node, VType]:
        parts: list[Node] = []
        left_node = node.left
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if type(op) not in _CMP_TEXT:  # `is`, `is not`: Python's identity, not a value's
                word = "is not" if isinstance(op, ast.IsNot) else "is"
                raise self.fail(node, f"'{word}' is not allowed; use == or != to compare values")
            parts.append(self.comparison(node, _CMP_TEXT[type(op)], left_node, right_node))
            left_node = right_node
        if len(parts) == 1:
            return parts[0], BOOL
        return BoolOp(True, parts), BOOL

    def comparison(self, whole: ast.AST, op: str, left_ast: ast.AST, right_ast: ast.AST) -> Node:
        left, left_type = self.build(left_ast)
        right, right_type = self.build(right_ast)
        if left_type.kind == "str" and right_type.kind == "enum":  # 'x' == kind: put fact first
            left, right, left_type, right_type = right, left, right_type, left_type
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        rank = self.check_comparison(right_ast, op, left_type, right_type, right)
        compare = Compare(op, left, right, rank)
        compare.text = f"{left.text} {op} {right.text}"
        return compare

    def check_comparison(
        self, at: ast.AST, op: str, left: VType, right: VType, right_node: Node
    ) -> Fact | None:
        """Check the two sides fit; canonicalise enum literals in place; the fact to rank by."""
        if op in ("in", "not in"):
            if right.kind != "list":
                raise self.fail(at, f"'{op}' needs a list on its right, not a {right}")
            if right_node.value and left.kind == "enum":  # type: ignore[attr-defined]
                right_node.value = frozenset(  # type: ignore[attr-defined]
                    self.enum_value(at, left.fact, v)
                    for v in right_node.value  # type: ignore[attr-defined]
                )
            elif right.item and not _same(left, right.item):
                raise self.fail(at, f"cannot look for a {left} in a {right}")
            else:
                right_node.value = frozenset(right_node.value)  # type: ignore[attr-defined]
            return None
        if left.kind == "enum" and right.kind == "str":
            right_node.value = self.enum_value(at, left.fact, right_node.value)  # type: ignore[attr-defined]
            right = left
        if not _same(left, right):
            raise self.fail(at, f"cannot compare a {left} with a {right}")
        if op in ("==", "!="):
            return None
        if left.kind == "enum":
            if not (left.fact and left.fact.ordered):
                name = left.fact.name if left.fact else left
                raise self.fail(at, f"{name} values have no order; use == or in")
            return left.fact
        if left.kind not in ("number", "date"):
            raise self.fail(at, f"'{op}' compares numbers, dates or grades, not a {left}")
        return None

    def enum_value(self, at: ast.AST, fact: Fact | None, text: Any) -> str:
        assert fact is not None
        canonical = fact.canonical(text) if isinstance(text, str) else None
        if canonical is None:
            shown = repr(text) if isinstance(text, str) else str(text)
            raise self.fail(at, f"{shown} is not a {fact.name}; one of {', '.join(fact.values)}")
        return canonical


def _same(a: VType, b: VType) -> bool:
    if {a.kind, b.kind} <= {"text", "str"}:
        return True
    if a.kind == "enum" and b.kind == "enum":
        return a.fact is b.fact
    return a.kind == b.kind
