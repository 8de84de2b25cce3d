"""Asking at the terminal (click prompts): `init`'s questionnaire and `check --ask`.

Both ask one fact at a time, only while its answer can still change a result, and assess
again after each answer (`questions.missing_facts`): a non-profit is not asked what only a
for-profit needs. Each answer is checked as it is typed, by the profile's own converters;
a bad one is refused with the reason, in the chosen language, and asked again. A blank
answer leaves the fact unknown. When the input ends or the user presses Ctrl-C, the answers
given so far are kept (`Asked.interrupted`), for the caller to offer to save.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import click

from incentives.assessment.engine import assess
from incentives.assessment.questions import missing_facts, question, read_answer
from incentives.assessment.whatif import apply_changes
from incentives.errors import FactError, InputError
from incentives.load.rulebook import RuleBook
from incentives.model.place import City
from incentives.model.profile import Profile, Value
from incentives.model.result import Assessment


@dataclass
class Asked:
    """Where a round of questions ended: the assessment with every answer given, how many
    facts were answered, and whether the user stopped before the end."""

    assessment: Assessment
    answered: int
    interrupted: bool = False


def ask_fact(book: RuleBook, name: str, lang: str, city: City | None = None,
             err: bool = False, note: str = "") -> Value | None:
    """Ask for one fact until the answer is usable; None if left blank. click.Abort when
    the input ends or the user presses Ctrl-C."""
    fact = book.schema[name]
    q = question(fact, lang, book.cities, city)
    click.echo(f"\n{q.label} [{name}]" + (f"  ({note})" if note else ""), err=err)
    click.echo(f"  {q.hint}", err=err)
    while True:
        text: str = click.prompt(f"  {name}", default="", show_default=False, err=err)
        try:
            return read_answer(fact, text, book.cities, city)
        except ValueError as error:
            why = error.text(lang) if isinstance(error, FactError) else str(error)
            click.echo(f"  {'错误' if lang == 'zh' else 'Error'}: {why}", err=err)


def questionnaire(book: RuleBook, lang: str, as_of: date) -> Asked:
    """`init`: the name, the city and its district, then the facts whose answers can change
    a result under that city's rules, one at a time."""
    facts: dict[str, Value] = {}
    interrupted = False
    try:
        for name in ("name", "city", "district"):
            city = book.cities.get(str(facts.get("city")))
            value = ask_fact(book, name, lang, city)
            if value is not None:
                facts[name] = value
    except click.Abort:
        if "city" not in facts:
            raise  # nothing worth keeping
        interrupted = True
    profile = apply_changes(Profile(str(facts["city"]), {"city": facts["city"]}), book, facts,
                            "answers")
    assessment = assess(profile, book, as_of)
    if interrupted:
        return Asked(assessment, len(facts), interrupted=True)
    asked = settle(book, assessment, {}, lang, err=False, asked={"name", "city", "district"})
    asked.answered += len(facts)
    return asked


def ask_missing(book: RuleBook, assessment: Assessment, overrides: dict[str, Decimal],
                lang: str = "en") -> Asked:
    """`check --ask`: the facts that can change a result, one at a time (on standard error,
    so the report on standard output stays clean)."""
    return settle(book, assessment, overrides, lang, err=True)


def settle(book: RuleBook, assessment: Assessment, overrides: dict[str, Decimal], lang: str,
           err: bool, asked: set[str] | None = None) -> Asked:
    """Ask, one at a time, each fact whose answer can still change a result, assessing
    again after every answer; each fact once (and none of `asked`)."""
    asked = set(asked or ())
    city = book.cities[assessment.profile.city]
    answered = 0
    while True:
        needed = {name: rules for name, rules in missing_facts(assessment, book.schema).items()
                  if name not in asked}
        if not needed:
            return Asked(assessment, answered)
        name, rules = next(iter(needed.items()))
        asked.add(name)
        note = _for_rules(rules, lang)
        try:
            changed = _answer(book, assessment, name, lang, city, err, note)
        except click.Abort:
            click.echo("", err=err)
            return Asked(assessment, answered, interrupted=True)
        if changed is not None:
            assessment = assess(changed, book, assessment.as_of, overrides)
            answered += 1


def _for_rules(rules: list[str], lang: str) -> str:
    """`for a, b` (`用于 a、b`), and how many more past three."""
    shown = ", ".join(rules[:3])
    more = len(rules) - 3
    if lang == "zh":
        return f"用于 {shown}" + (f" 等 {len(rules)} 项规定" if more > 0 else "")
    return f"for {shown}" + (f" and {more} more" if more > 0 else "")


def _answer(book: RuleBook, assessment: Assessment, name: str, lang: str, city: City,
            err: bool, note: str) -> Profile | None:
    """The profile with the answer to `name` (None if left blank); an answer the other
    facts contradict (a level below the grade) is refused and asked again."""
    while True:
        value = ask_fact(book, name, lang, city, err, note)
        if value is None:
            return None
        try:
            return apply_changes(assessment.profile, book, {name: value}, "answers")
        except InputError as error:
            for problem in error.problems:
                click.echo(f"  {'错误' if lang == 'zh' else 'Error'}: {problem.text(lang)}",
                           err=err)
