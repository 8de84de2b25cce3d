"""Questions about an institution: which facts to ask, how to ask them, how to read answers.

Used by `incentives init` and `check --ask`: both ask, one at a time, only the facts whose
answer can still change a result (`missing_facts`), assessing again after each answer, so a
non-profit is never asked whether it reinvests its income as a for-profit must. Answers are
read with the profile's own converters, so a questionnaire accepts exactly what a profile
file accepts. No click here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from incentives.errors import FactError
from incentives.model.facts import Fact, FactSchema
from incentives.model.place import City
from incentives.model.profile import Value, convert
from incentives.model.result import ELIGIBLE, NEEDS_INFO, Assessment, Result

_HINTS = {
    "en": {
        "bool": "yes or no",
        "money": "yuan; e.g. 8650万, 1.2亿 or 86500000",
        "number": "a number",
        "date": "YYYY-MM-DD, e.g. 2025-04-28",
        "text": "text",
        "blank": "leave blank if unknown",
        "one of": "one of",
    },
    "zh": {
        "bool": "是或否",
        "money": "元，可写作 8650万、1.2亿 或 86500000",
        "number": "数字",
        "date": "YYYY-MM-DD，如 2025-04-28，或 2025年4月28日",
        "text": "文字",
        "blank": "不清楚可留空",
        "one of": "可选",
    },
}


@dataclass
class Question:
    """One fact to ask about: its label and a hint with the allowed values or the unit."""

    fact: Fact
    label: str
    hint: str
    required: bool = False


def question(fact: Fact, lang: str, cities: Mapping[str, City], city: City | None = None
             ) -> Question:
    """How to ask for a fact in `lang` (zh or en), with what may be answered."""
    words = _HINTS[lang]
    label = (fact.zh if lang == "zh" else f"{fact.en} ({fact.zh})" if fact.zh else fact.en)
    label = label or fact.name
    if fact.type == "enum":
        hint = f"{words['one of']}: {describe_values(fact)}"
    elif fact.type == "bool":
        names = "/".join(["true", "false", *fact.true_names, *fact.false_names])
        hint = f"{words['bool']} ({names}; 是/否)"
    elif fact.type == "city":
        hint = f"{words['one of']}: " + ", ".join(f"{c.id} ({c.name_zh})" for c in cities.values())
    elif fact.type == "division" and city is not None:
        hint = f"{words['one of']}: " + ", ".join(city.divisions)
    elif fact.type == "number" and fact.unit:
        hint = f"{words['number']}, {fact.unit}"
    else:
        hint = words.get(fact.type, words["text"])
    required = fact.type == "city"
    if not required:
        hint += f"; {words['blank']}"
    return Question(fact, label, hint, required)


def describe_values(fact: Fact) -> str:
    """`general (综合医院), tcm (中医医院/中医), …`: each value with up to two other names."""
    parts = []
    for value in fact.values:
        names = [n for n, v in fact.aliases.items() if v == value and n != value.casefold()]
        parts.append(f"{value} ({'/'.join(names[:2])})" if names else value)
    return ", ".join(parts)


def read_answer(fact: Fact, text: str, cities: Mapping[str, City], city: City | None = None
                ) -> Value | None:
    """An answer as the fact's value; None for a blank (unknown). ValueError says why not."""
    text = text.strip()
    if not text:
        if fact.type == "city":
            names = ", ".join(cities)
            raise FactError(f"a city is needed; one of {names}", "需要填写城市；可选："
                            + "、".join(c.name_zh or key for key, c in cities.items()))
        return None
    if fact.type == "division" and city is not None:
        division = city.division(text)
        if division is None:
            names = ", ".join(city.divisions)
            raise FactError(f"{text!r} is not in {city.name_zh}; one of: {names}",
                            f"{text!r} 不属于{city.name_zh}；可选：{names}")
        return division.name
    return convert(fact, text, cities)


def missing_facts(assessment: Assessment, schema: FactSchema) -> dict[str, list[str]]:
    """The facts whose answer can change a result, each with the rules it would change:
    those that would settle a rule needing information, that decide an amount left open,
    that date an instalment of an eligible award, or that a tax estimate of an eligible
    exemption needs (property_value, land_area). In the schema's order."""
    needed: dict[str, list[str]] = {}
    given = assessment.profile.facts
    for result in assessment.results:
        for name in _deciding(result, given):
            if name in schema and not schema[name].derived:
                needed.setdefault(name, []).append(result.rule.id)
    order = {name: index for index, name in enumerate(schema.facts)}
    return dict(sorted(needed.items(), key=lambda item: order.get(item[0], len(order))))


def _deciding(result: Result, given: Mapping[str, Value]) -> list[str]:
    if result.status == NEEDS_INFO:
        return list(result.missing)
    if result.status != ELIGIBLE:
        return []
    names = [d.fact for d in result.range.deciders] if result.range else []
    if any(due.due is None for due in result.schedule):
        names += [i.due.start for i in result.rule.schedule
                  if i.due.start and given.get(i.due.start) is None]
    names += [name for saving in result.savings for name in saving.missing]
    return list(dict.fromkeys(names))
