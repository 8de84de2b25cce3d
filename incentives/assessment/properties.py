"""Edge cases generated from the rules (`incentives rules test --properties`).

For each rule, its boundary inventory: every threshold a condition or an amount case
compares a money, number or date fact with (`fixed_asset_investment >= 5000万`,
`beds_added_on >= effective_from`), and the first day of what it rewards (`event` on or
after `effective_from`). Around each bound, starting from the author's own cases where the
rule applies, the checks are:

- at the bound the comparison holds and one fen / one unit / one day on the other side it
  does not, and on at least one case profile the rule's status or amount changes there
  (a bound that never decides anything is a mistake, or masked by another condition);
- with the fact drawn by Hypothesis anywhere around the bound: every split between payers
  and every schedule adds up to the amount, to the fen; an amount never falls as a fact
  the rule names in `monotone_in` grows; and the range given while the fact is unknown
  contains the amount of every completion.

A failure comes with the profile (TOML) that shows it, shrunk, for a case file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from incentives.assessment.cases import Outcome
from incentives.assessment.engine import assess_rule
from incentives.assessment.reach import unit_of
from incentives.errors import InputError
from incentives.load.rulebook import RuleBook
from incentives.model.conditions import Compare, Const, DateRef, FactRef, Known, Node
from incentives.model.profile import Profile
from incentives.model.result import ELIGIBLE, NOT_ELIGIBLE, Result
from incentives.model.rule import Rule

EXAMPLES = 60  # Hypothesis examples per property and bound
NEAR = 100  # steps of one unit either side of a bound, and as far as FAR goes
FAR = {"money": 10**10, "number": 10**5, "date": 3650}  # 1亿 yuan in fen, 10 years
FLIP = {">=": ("at", "below"), ">": ("above", "at"), "<=": ("at", "above"),
        "<": ("below", "at")}  # which side of the bound holds, which does not
MIRROR = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}


@dataclass(frozen=True)
class Bound:
    """A threshold of one rule: `fact op value`, as its leaf is written."""

    fact: str
    op: str
    value: Any
    text: str


@dataclass
class Finding:
    """What one check found for one bound of one rule: passed, or why not and the profile
    that shows it."""

    rule: str
    bound: str
    check: str
    passed: bool
    detail: str = ""
    profile: dict[str, Any] | None = None
    as_of: date | None = None


@dataclass
class Report:
    """Every check of every rule, and the rules that had no case to start from."""

    findings: list[Finding] = field(default_factory=list)
    unseeded: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if not f.passed]


# --- the inventory ----------------------------------------------------------------------------


def bounds_of(rule: Rule, book: RuleBook) -> list[Bound]:
    """Each threshold the rule compares a money, number or date fact with."""
    roots = [e.root for e in ([rule.when] if rule.when else [])]
    roots += [case.when.root for case in rule.amount if case.when is not None]
    found: dict[tuple[str, str, Any], Bound] = {}
    for root in roots:
        for node in _walk(root):
            bound = _bound(node, rule, book)
            if bound is not None:
                found.setdefault((bound.fact, bound.op, bound.value), bound)
    if rule.event and rule.event in book.schema.facts:
        first = Bound(rule.event, ">=", rule.effective_from,
                      f"{rule.event} >= effective_from (the event it rewards)")
        found.setdefault((first.fact, first.op, first.value), first)
    return list(found.values())


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in ("a", "b", "inner"):
        inner = getattr(node, child, None)
        if isinstance(inner, Node):
            yield from _walk(inner)
    for item in [*(getattr(node, "items", None) or []), *(getattr(node, "args", None) or [])]:
        if isinstance(item, Node):
            yield from _walk(item)


def _bound(node: Node, rule: Rule, book: RuleBook) -> Bound | None:
    if not isinstance(node, Compare) or node.rank is not None or node.op not in FLIP:
        return None
    pairs = [(node.a, node.b, node.op), (node.b, node.a, MIRROR[node.op])]
    for side, other, op in pairs:
        fact = book.schema.facts.get(side.name) if isinstance(side, FactRef) else None
        if fact is None or fact.derived or fact.type not in ("money", "number", "date"):
            continue
        value = _constant(other, rule)
        if value is not None:
            return Bound(fact.name, op, value, node.text or f"{fact.name} {op} {value}")
    return None


def _constant(node: Node, rule: Rule) -> Any:
    if isinstance(node, Const) and isinstance(node.value, Decimal | int | date):
        return Decimal(node.value) if isinstance(node.value, int) else node.value
    if isinstance(node, DateRef) and node.name == "effective_from":
        return rule.effective_from
    return None


# --- the checks -------------------------------------------------------------------------------


@dataclass
class Seed:
    """A case profile where the rule applies, and its date."""

    profile: Profile
    as_of: date


def check_rules(rules: list[Rule], outcomes: list[Outcome], book: RuleBook) -> Report:
    """Every bound of every rule checked around the author's cases where it applies."""
    report = Report()
    for rule in rules:
        seeds = _seeds(rule, outcomes)
        if not seeds:
            report.unseeded.append(rule.id)
            continue
        for bound in bounds_of(rule, book):
            report.findings += _check_bound(rule, bound, seeds, book)
        report.findings += _check_splits(rule, seeds, book)
    return report


def _seeds(rule: Rule, outcomes: list[Outcome]) -> list[Seed]:
    seeds = []
    for outcome in outcomes:
        if outcome.assessment is None or outcome.overrides:
            continue
        for shown in outcome.assessment.results:
            if any(r.rule is rule and r.status == ELIGIBLE for r in (shown, *shown.also)):
                seeds.append(Seed(outcome.assessment.profile, outcome.assessment.as_of))
    return seeds


def _assess(rule: Rule, book: RuleBook, seed: Seed, changes: dict[str, Any]) -> Result | None:
    facts = {**seed.profile.facts, **changes}
    facts = {name: value for name, value in facts.items() if value is not None}
    profile = Profile(seed.profile.city, facts, seed.profile.implied)
    try:
        return assess_rule(rule, profile, book.cities[profile.city], book, seed.as_of, {})
    except InputError:  # an amount too large to work out: not a finding of the rule
        return None


def _sides(bound: Bound, book: RuleBook) -> tuple[Any, Any]:
    """The value on the side where the comparison holds, and the one beside it where not."""
    unit = unit_of(book.schema.facts[bound.fact])
    places = {"at": bound.value, "below": bound.value - unit, "above": bound.value + unit}
    holds, fails = FLIP[bound.op]
    return places[holds], places[fails]


def _check_bound(rule: Rule, bound: Bound, seeds: list[Seed], book: RuleBook
                 ) -> list[Finding]:
    inside, outside = _sides(bound, book)
    decided = None
    for seed in seeds:
        here, there = (_assess(rule, book, seed, {bound.fact: v}) for v in (inside, outside))
        if here is None or there is None:
            continue
        if (here.status, here.amount) != (there.status, there.amount):
            decided = (seed, here, there)
            break
    name = f"{bound.text}: at {_shown(inside)} and {_shown(outside)}"
    if decided is None:
        seed = seeds[0]
        return [Finding(rule.id, bound.text, "the bound decides", False,
                        f"{name}, no case profile's status or amount changes: the bound "
                        "decides nothing (is another condition masking it?)",
                        _profile(seed, {bound.fact: inside}), seed.as_of)]
    seed, here, there = decided
    findings = [Finding(rule.id, bound.text, "the bound decides", True,
                        f"{name}: {_outcome(here)} / {_outcome(there)}")]
    findings += _hypothesis_checks(rule, bound, seed, book)
    return findings


def _outcome(result: Result) -> str:
    amount = f" {result.amount:,f}" if result.amount is not None else ""
    return f"{result.status}{amount}"


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else f"{value:,f}"


def _profile(seed: Seed, changes: dict[str, Any]) -> dict[str, Any]:
    facts = {**seed.profile.facts, **changes}
    out: dict[str, Any] = {"city": seed.profile.city}
    for name, value in facts.items():
        if value is None or name in seed.profile.implied or name == "division_type":
            continue
        out[name] = f"{value:f}" if isinstance(value, Decimal) else value
    return out


# --- Hypothesis around a bound ----------------------------------------------------------------


def _hypothesis_checks(rule: Rule, bound: Bound, seed: Seed, book: RuleBook) -> list[Finding]:
    from hypothesis import strategies as st

    fact = book.schema.facts[bound.fact]
    unit, far = unit_of(fact), FAR[fact.type]
    steps = st.one_of(st.integers(-NEAR, NEAR), st.integers(-far, far))  # a fen off, or 10万
    around = steps.map(lambda k: _moved(bound.value, unit, k))
    unknown = _assess(rule, book, seed, {bound.fact: None})
    checks: list[tuple[str, Callable[..., str | None], Any]] = [
        ("splits add up to the fen", lambda v: _adds_up(_assess(rule, book, seed,
                                                                {bound.fact: v})), around)]
    if bound.fact not in _read_by_known(rule):  # there, a fact not given is false, not unknown
        checks.append(("the unknown fact's range holds every completion",
                       lambda v: _within(unknown, _assess(rule, book, seed, {bound.fact: v})),
                       around))
    if bound.fact in rule.monotone_in:
        checks.append(("never less as it grows", lambda pair: _monotone(
            *(_assess(rule, book, seed, {bound.fact: v}) for v in sorted(pair))),
            st.tuples(around, around)))
    return [_run(rule, bound, seed, name, check, strategy) for name, check, strategy in checks]


def _read_by_known(rule: Rule) -> set[str]:
    """The facts the rule asks `known(…)` of (its named conditions' included)."""
    roots = [e.root for e in rule.expressions]
    return {node.name for root in roots for node in _walk(root) if isinstance(node, Known)}


def _moved(value: Any, unit: Decimal | timedelta, steps: int) -> Any:
    moved = value + unit * steps
    if isinstance(moved, Decimal) and moved < 0:
        return Decimal(0)
    return moved


def _run(rule: Rule, bound: Bound, seed: Seed, name: str,
         check: Callable[[Any], str | None], strategy: Any) -> Finding:
    from hypothesis import HealthCheck, given, settings

    last: list[tuple[Any, str]] = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(strategy)
    def prop(value: Any) -> None:
        why = check(value)
        if why is not None:
            last[:] = [(value, why)]
            raise AssertionError(why)

    try:
        prop()
    except AssertionError:
        value, why = last[0]
        shown = max(value) if isinstance(value, tuple) else value  # the higher of a pair
        return Finding(rule.id, bound.text, name, False, why,
                       _profile(seed, {bound.fact: shown}), seed.as_of)
    return Finding(rule.id, bound.text, name, True, f"{EXAMPLES} profiles around the bound")


def _adds_up(result: Result | None) -> str | None:
    if result is None or result.status != ELIGIBLE or result.amount is None:
        return None
    if result.payers and sum(p.amount for p in result.payers) != result.amount:
        return (f"the payers' parts {[f'{p.amount:f}' for p in result.payers]} do not add "
                f"up to {result.amount:f}")
    if result.schedule and sum(d.amount for d in result.schedule) != result.amount:
        return (f"the instalments {[f'{d.amount:f}' for d in result.schedule]} do not add "
                f"up to {result.amount:f}")
    return None


def _within(unknown: Result | None, known: Result | None) -> str | None:
    if unknown is None or known is None:
        return None
    if unknown.status == NOT_ELIGIBLE and known.status != NOT_ELIGIBLE:
        return f"not eligible while the fact is unknown, but {known.status} once it is known"
    if unknown.status == ELIGIBLE and known.status != ELIGIBLE:
        return f"eligible while the fact is unknown, but {known.status} once it is known"
    if known.status != ELIGIBLE or known.amount is None:
        return None
    if unknown.range is not None:
        least, most = unknown.range.least.amount, unknown.range.most.amount
        if not least <= known.amount <= most:
            return (f"{known.amount:,f} is outside the range {least:,f} – {most:,f} given "
                    "while the fact was unknown")
    elif unknown.amount is not None and unknown.amount != known.amount:
        return f"{unknown.amount:,f} while unknown, {known.amount:,f} once known"
    return None


def _monotone(low: Result | None, high: Result | None) -> str | None:
    if low is None or high is None or low.amount is None or high.amount is None:
        return None
    if ELIGIBLE == low.status == high.status and high.amount < low.amount:
        return f"the amount falls from {low.amount:,f} to {high.amount:,f} as the fact grows"
    return None


def _check_splits(rule: Rule, seeds: list[Seed], book: RuleBook) -> list[Finding]:
    """Every case where the rule pays: its payers' parts and instalments add up."""
    if not (rule.payers or rule.schedule) or not rule.amount:
        return []
    for seed in seeds:
        why = _adds_up(_assess(rule, book, seed, {}))
        if why is not None:
            return [Finding(rule.id, "", "splits add up to the fen", False, why,
                            _profile(seed, {}), seed.as_of)]
    return [Finding(rule.id, "", "splits add up to the fen", True,
                    f"in the {len(seeds)} case profiles where it applies")]
