"""Asking at the terminal (click prompts): `init`'s questionnaire and `check --ask`.

Each answer is checked as it is typed, by the profile's own converters; a bad one is
refused with the reason and asked again. A blank answer leaves the fact unknown.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import click

from incentives.assessment.engine import assess
from incentives.assessment.questions import facts_used, missing_facts, question, read_answer
from incentives.assessment.whatif import apply_changes
from incentives.load.rulebook import RuleBook
from incentives.model.place import City
from incentives.model.profile import Profile, Value
from incentives.model.result import Assessment


def ask_fact(book: RuleBook, name: str, lang: str, city: City | None = None,
             err: bool = False, note: str = "") -> Value | None:
    """Ask for one fact until the answer is usable; None if left blank."""
    fact = book.schema[name]
    q = question(fact, lang, book.cities, city)
    click.echo(f"\n{q.label} [{name}]" + (f"  ({note})" if note else ""), err=err)
    click.echo(f"  {q.hint}", err=err)

    def check(text: str) -> Value | None:
        try:
            return read_answer(fact, text, book.cities, city)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None

    answer: Value | None = click.prompt(
        f"  {name}", default="", show_default=False, value_proc=check, err=err)
    return answer


def questionnaire(book: RuleBook, lang: str) -> Profile:
    """`init`: ask for the city, then only what the loaded rules of that city use."""
    facts: dict[str, Value] = {}
    for name in ("name", "city"):
        value = ask_fact(book, name, lang)
        if value is not None:
            facts[name] = value
    city = book.cities[str(facts["city"])]
    rules = list(book.rules.get(city.id, []))
    rules += [rule for layer in book.layers for rule in book.rules.get(layer, [])]
    for name in facts_used(rules, book.schema):
        if name in ("name", "city") or _implied(book, facts, name):
            continue  # asked first, or given by an answer (a grade gives its level)
        value = ask_fact(book, name, lang, city)
        if value is not None:
            facts[name] = value
    return apply_changes(Profile(city.id, {"city": city.id}), book, facts, "answers")


def _implied(book: RuleBook, facts: dict[str, Value], name: str) -> bool:
    return any(str(value) in book.schema[given].implies.get(name, {})
               for given, value in facts.items())


def ask_missing(book: RuleBook, assessment: Assessment, as_of: date,
                overrides: dict[str, Decimal], lang: str = "en") -> Assessment:
    """`check --ask`: ask for the facts that would settle the rules needing information,
    re-assess, and ask again for any fact that turns out to be needed (each fact once)."""
    asked: set[str] = set()
    city = book.cities[assessment.profile.city]
    while True:
        needed = {name: rules for name, rules in missing_facts(assessment, book.schema).items()
                  if name not in asked and name in book.schema}
        if not needed:
            return assessment
        answers: dict[str, Value] = {}
        for name, rules in needed.items():
            asked.add(name)
            value = ask_fact(book, name, lang, city, err=True, note="for " + ", ".join(rules))
            if value is not None:
                answers[name] = value
        if not answers:
            return assessment
        profile = apply_changes(assessment.profile, book, answers, "answers")
        assessment = assess(profile, book, as_of, overrides)
