"""Compiled expressions (Node.evaluator and Node.tracer in model/conditions.py) and the
plan an assessment keeps per date (assessment/engine.Plan): the same answers and traces as
the tree walk and as working everything out afresh."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incentives import assess, load_profile
from incentives.assessment import engine
from incentives.load.rulebook import RuleBook, load_rulebook
from incentives.model import logic
from incentives.model.conditions import Context, Expression, Step, mark_decisive
from incentives.model.facts import Fact
from incentives.render.json import assessment_to_dict
from tests.conftest import AS_OF, BOOK, ROOT

CITIES = ROOT / "tests" / "cities"
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


def _books() -> list[RuleBook]:
    extra = [path for path in sorted(CITIES.iterdir()) if (path / "city.toml").is_file()]
    loaded = [BOOK]
    for folder in extra:
        try:
            loaded.append(load_rulebook([folder], bundled=True))
        except Exception:  # a folder that is meant to be refused
            continue
    return loaded


def _expressions() -> list[tuple[str, Expression, RuleBook]]:
    found = []
    for book in _books():
        for rule in book.all_rules():
            for index, expression in enumerate(rule.expressions):
                found.append((f"{rule.id}#{index}", expression, book))
    return found


EXPRESSIONS = _expressions()


def _samples(fact: Fact) -> list[Any]:
    """Values a fact can take, the unknown among them."""
    kind = fact.value_type
    if kind == "bool":
        return [None, True, False]
    if kind == "number":
        return [None, Decimal("0"), Decimal("49999999.99"), Decimal("50000000"),
                Decimal("-3.5"), Decimal("1E+9")]
    if kind == "date":
        return [None, date(2015, 1, 1), date(2018, 8, 6), date(2026, 11, 22)]
    if kind == "enum":
        return [None, *fact.values]
    return [None, "x"]


def _contexts(expression: Expression, book: RuleBook) -> list[Context]:
    names = sorted(expression.facts)
    choices = [_samples(book.schema[name]) for name in names]
    params = {name: Decimal("0.0435") for name in expression.params}
    dates = {"as_of": AS_OF, "effective_from": date(2018, 8, 6), "effective_to": None}
    combos = list(itertools.islice(itertools.product(*choices), 400))
    facts = [{n: v for n, v in zip(names, combo, strict=True) if v is not None}
             for combo in combos]
    return [Context(each, params, dates) for each in facts] + [Context({}, {}, dates)]


def _reference_trace(expression: Expression, ctx: Context) -> Step:
    step = expression.root.step(ctx)
    mark_decisive(step)
    return step


def _nodes(step: Step) -> list[Any]:
    return [step.node, step.op, *(node for child in step.children for node in _nodes(child))]


def test_there_are_expressions_to_check() -> None:
    assert len(EXPRESSIONS) > 50


@pytest.mark.parametrize(("where", "expression", "book"), EXPRESSIONS,
                         ids=[where for where, _, _ in EXPRESSIONS])
def test_compiled_gives_what_the_tree_gives(where: str, expression: Expression,
                                            book: RuleBook) -> None:
    compiled, traced = expression.root.evaluator(), expression.root.tracer()
    for ctx in _contexts(expression, book):
        try:
            wanted = expression.root.ev(ctx)
        except Exception as error:  # e.g. an amount too large: refused the same way
            with pytest.raises(type(error)):
                compiled(ctx)
            continue
        got = compiled(ctx)
        assert got == wanted and type(got) is type(wanted), (where, ctx.facts)
        if expression.type.kind == "bool":
            step = traced(ctx)
            mark_decisive(step)
            reference = _reference_trace(expression, ctx)
            assert step == reference, (where, ctx.facts)
            assert _nodes(step) == _nodes(reference)  # the same nodes, for within reach
            assert expression.trace(ctx) == reference
            traced_step, leaves = expression.trace_leaves(ctx)
            assert traced_step == reference
            assert leaves == reference.leaves()
            assert [leaf.decisive for leaf in leaves] == [
                leaf.decisive for leaf in reference.leaves()]


OUTCOMES = st.sampled_from([True, False, None, Decimal(1), "x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(OUTCOMES, min_size=1, max_size=5))
def test_kleene_functions_follow_the_one_table(outcomes: list[Any]) -> None:
    pairs = [logic.truth(o) for o in outcomes]
    assert logic.kleene_and(outcomes) is logic.outcome(logic.conjunction(pairs))
    assert logic.kleene_or(outcomes) is logic.outcome(logic.disjunction(pairs))
    assert logic.kleene_not(outcomes[0]) is logic.outcome(logic.negation(pairs[0]))


# --- the plan kept per (book, city, date, overrides) ----------------------------------------


def _fresh_book() -> RuleBook:
    return load_rulebook()


def test_parameters_are_resolved_once_per_date(monkeypatch: pytest.MonkeyPatch) -> None:
    book = _fresh_book()
    profile = load_profile(EXAMPLES[0], book)
    calls: list[date] = []
    real = engine.resolve

    def counting(*args: Any) -> Any:
        calls.append(args[2])
        return real(*args)

    monkeypatch.setattr(engine, "resolve", counting)
    first = assess_to_json(profile, book, AS_OF)
    once = len(calls)
    assert once > 0
    assert assess_to_json(profile, book, AS_OF) == first
    assert len(calls) == once  # the second assessment on that date resolved nothing
    assess(profile, book, date(2020, 1, 1))
    assert len(calls) > once  # another date is worked out anew


def assess_to_json(profile: Any, book: RuleBook, as_of: date,
                   overrides: dict[str, Decimal] | None = None) -> Any:
    return assessment_to_dict(assess(profile, book, as_of, overrides))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_a_kept_plan_gives_what_a_new_book_gives(path: Path) -> None:
    book = _fresh_book()
    profile = load_profile(path, book)
    for as_of in (date(2019, 6, 1), AS_OF, date(2019, 6, 1), date(2031, 1, 1), AS_OF):
        fresh = _fresh_book()
        assert assess_to_json(profile, book, as_of) == assess_to_json(
            load_profile(path, fresh), fresh, as_of)


def test_overrides_written_differently_are_kept_apart() -> None:
    book = _fresh_book()
    profile = load_profile(EXAMPLES[0], book)
    plain = assess(profile, book, AS_OF)
    shown = {use.name: use.value for r in plain.results for use in r.parameters}
    name = next(iter(sorted(shown)))
    a = assess(profile, book, AS_OF, {name: Decimal("0.0435")})
    b = assess(profile, book, AS_OF, {name: Decimal("0.04350")})
    values = {str(use.value) for result in (a, b) for r in result.results
              for use in r.parameters if use.name == name}
    assert values == {"0.0435", "0.04350"}
    again = assess(profile, book, AS_OF)
    assert assessment_to_dict(again) == assessment_to_dict(plain)


def test_the_plans_a_book_keeps_are_bounded() -> None:
    book = _fresh_book()
    profile = load_profile(EXAMPLES[0], book)
    for day in range(engine.PLANS_KEPT + 10):
        assess(profile, book, date(2025, 1, 1).fromordinal(date(2025, 1, 1).toordinal() + day))
    assert len(book.derived) == engine.PLANS_KEPT
