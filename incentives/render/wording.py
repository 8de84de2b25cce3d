"""Sentences about facts, values and changes, shared by the terminal views and the JSON.

The words themselves (statuses, units, `unknown`) come from `words.py`; this module puts
them together with a profile's values.

Money reads as the policy writes it when it is a whole number of 万 (4,800万), else in yuan
with two decimals; an enum value comes with its Chinese name (3A 三级甲等); dates are ISO.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from incentives.assessment.reach import Change, Option
from incentives.model.facts import Fact, FactSchema
from incentives.model.result import ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE, Result
from incentives.render.sentences import fact_name as short_name
from incentives.render.sentences import result_sentences
from incentives.render.words import STATUS_MARK, WAN, WAN_UNIT, label, yuan_range, yuan_text


def money_text(amount: Decimal) -> str:
    """`48000000` -> `4,800万`; `1038000` -> `1,038,000.00 元`."""
    if amount >= WAN and amount % WAN == 0:
        return f"{(amount / WAN).normalize():,f}{WAN_UNIT}"
    return yuan_text(amount)


def number_text(value: Decimal) -> str:
    """An exact number with thousands separators and no trailing zeros: `86,500,000`."""
    return f"{value.normalize():,f}" if value == value.to_integral() else f"{value:,f}"


def fact_label(name: str, schema: FactSchema) -> str:
    """A fact's short Chinese name (without its parenthesis), else its key."""
    fact = schema.facts.get(name)
    short = re.sub(r"（.*?）|\(.*?\)", "", fact.zh).strip() if fact else ""
    return short or name


def value_text(name: str, value: Any, schema: FactSchema) -> str:
    """A fact's value as a person reads it: `4,800万`, `3A 三级甲等`, `false 非营利性`."""
    fact = schema.facts.get(name)
    if value is None:
        return label("unknown", "en")
    if isinstance(value, bool):
        names = (fact.true_names if value else fact.false_names) if fact else ()
        word = "true" if value else "false"
        return f"{word} {names[0]}" if names else word
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if fact is not None and fact.type == "money":
            return money_text(value)
        unit = f" {fact.unit}" if fact and fact.unit else ""
        return number_text(value) + unit
    if fact is not None and fact.type == "enum":
        zh = enum_name(fact, str(value))
        return f"{value} {zh}" if zh else str(value)
    return str(value)


def enum_name(fact: Fact, value: str) -> str:
    """The first Chinese (or other) name an enum value goes by, or ''."""
    return next((alias for alias, v in fact.aliases.items()
                 if v == value and alias != value.casefold()), "")


def gives(result: Result) -> str:
    """What a rule that applies gives, in a few words."""
    if result.status == NEEDS_INFO:
        needed = ", ".join(result.missing) or "more facts"
        return f"applies; to work out what it gives, give {needed}"
    basis = f" ({result.basis.en})" if result.basis else ""
    amount = money_text(result.amount) if result.amount is not None else ""
    kind = result.rule.kind
    if result.open is not None:
        return f"pays an amount the text leaves open ({result.open.text.en})"
    if kind == "cash" and amount:
        return f"pays {amount}{basis}"
    if kind == "cap" and amount:
        return f"allows up to {amount}{basis}"
    if kind == "deduction" and amount:
        return f"deducts up to {amount}"
    start, end = result.period or (None, None)
    if kind == "eligibility_date" and start:
        return f"may be applied for from {start.isoformat()}"
    if kind == "tax_exemption" and start:
        until = f" to {end.isoformat()}" if end else ", no end date"
        return f"exempts from {start.isoformat()}{until}"
    return "applies"


def change_text(change: Change, schema: FactSchema) -> str:
    """`固定资产投资 4,800万 is 200万 short of 5,000万`; `医院等级 3A 三级甲等 (now ungraded)`."""
    label = fact_label(change.fact, schema)
    before = value_text(change.fact, change.before, schema)
    after = value_text(change.fact, change.after, schema)
    difference = change.difference
    if isinstance(difference, int):
        days = f"{abs(difference)} day{'s' if abs(difference) != 1 else ''}"
        return f"{label} {before} is {days} {'before' if difference > 0 else 'after'} {after}"
    if isinstance(difference, Decimal):
        gap = value_text(change.fact, abs(difference), schema)
        return f"{label} {before} is {gap} {'short of' if difference > 0 else 'over'} {after}"
    return f"{label} {after} (now {before})"


def option_text(option: Option, schema: FactSchema) -> str:
    """One option in a sentence: the changes, then what the rule would give with them."""
    changes = " and ".join(change_text(c, schema) for c in option.changes)
    numeric = all(c.difference is not None for c in option.changes)
    if numeric:
        at = " and ".join(value_text(c.fact, c.after, schema) for c in option.changes)
        return f"{changes}; at {at} this {gives(option.result)}"
    return f"with {changes}, this {gives(option.result)}"


def summary_text(result: Result | None, schema: FactSchema, lang: str = "en",
                 keys: bool = True) -> str:
    """A result in a few words: what it gives, what it needs (with each fact's key, for a
    user who types it, where `keys`), or why not (as sentences, each marked ✗)."""
    if result is None:
        return f"— {label('no_such_rule', lang)}"
    if result.status == NEEDS_INFO:
        needed = ", ".join(short_name(n, schema, lang) + (f" [{n}]" if keys else "")
                           for n in result.missing)
        return f"{STATUS_MARK[NEEDS_INFO][0]} {label('give', lang)}: {needed}"
    if result.status != ELIGIBLE:
        # each failed sentence carries its own ✗ (and must: `2016-09-01 ≥ 2018-08-06`
        # without it would read as a claim), so the status is not marked again
        failed = result_sentences(result, schema, lang, held=False)
        return "; ".join(failed) or f"{STATUS_MARK[NOT_ELIGIBLE][0]} {label(result.status, lang)}"
    return f"{STATUS_MARK[ELIGIBLE][0]} {_benefit(result, lang)}"


def _benefit(result: Result, lang: str) -> str:
    kind = result.rule.kind
    if result.range is not None:
        return yuan_range(result.range.least.amount, result.range.most.amount, lang,
                          cap=kind == "cap")
    if result.open is not None:
        return label("amount_open", lang)
    if result.amount is not None:
        prefix = "≤ " if kind in ("cap", "deduction") else ""
        return f"{prefix}{yuan_text(result.amount)}"
    if result.period:
        start, end = result.period
        first = start.isoformat() if start else "?"
        if kind == "eligibility_date":
            return f"{label('may_apply_from', lang)} {first}"
        return f"{first} – {end.isoformat() if end else label('no_end', lang)}"
    return label("applies", lang)
