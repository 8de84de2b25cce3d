"""Conditions as sentences a person reads, in one language, built from the facts' declared
labels and values: `举办主体：社会办 ✓`, `固定资产投资（不含土地费用）8,650万元 ≥ 5,000万元 ✓`,
`Who runs it: social ✓`. A named condition reads as its label.

The raw expressions stay in `explain` and in the JSON; the reports use these.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from incentives.assessment.reach import Change, Option
from incentives.model.conditions import (
    BoolLeaf,
    Compare,
    Const,
    DateRef,
    FactRef,
    Known,
    Node,
    Not,
    Step,
)
from incentives.model.facts import FactSchema
from incentives.model.money import format_rate
from incentives.model.result import NEEDS_INFO, Check, Result
from incentives.render.words import MARK, WAN, WAN_YUAN, english, label, pick, yuan_text

SYMBOLS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_PAREN = re.compile(r"\s*[（(][^）)]*[）)]")


def fact_name(name: str, schema: FactSchema, lang: str) -> str:
    """A fact's declared label: the Chinese one whole, the English one without its
    parentheses and unit (`Fixed-asset investment excluding land`); else the key."""
    fact = schema.facts.get(name)
    if name in ("as_of", "effective_from", "effective_to"):
        return label(f"date_{name}", lang)
    if fact is None:
        return name
    if lang == "zh":
        return fact.zh or name
    text = _PAREN.sub("", fact.en or name)
    return re.sub(r", (yuan|m²)$", "", text).strip() or name


def fact_value(name: str, value: Any, schema: FactSchema, lang: str) -> str:
    """A value in the language: `8,650万元`, `社会办` / `social`, `非营利性` / `no`."""
    fact = schema.facts.get(name)
    if value is None:
        return label("unknown", lang)
    if isinstance(value, bool):
        names = (fact.true_names if value else fact.false_names) if fact else ()
        if lang == "zh" and names:
            return names[0]
        said = fact.yes_no_en[0 if value else 1] if fact and lang == "en" else ""
        return said or label("yes" if value else "no", lang)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if fact is None:  # a dated parameter
            return format_rate(value) if value < 1 else f"{value:,f}"
        if fact.type == "money":
            return money_words(value)
        unit = f" {fact.unit}" if fact.unit else ""
        return f"{value.normalize():,f}{unit}"
    if fact is not None and fact.type == "enum" and lang == "zh":
        return next((alias for alias, v in fact.aliases.items()
                     if v == value and alias != str(value).casefold()), str(value))
    if fact is not None and fact.type == "enum":
        return fact.english.get(str(value), str(value))
    return str(value)


def money_words(amount: Decimal) -> str:
    """`86500000` -> `8,650万元`; `1038000.5` -> `1,038,000.50 元`."""
    if abs(amount) >= WAN and amount % WAN == 0:
        return f"{(amount / WAN).normalize():,f}{WAN_YUAN}"
    return yuan_text(amount)


def step_sentences(step: Step, schema: FactSchema, lang: str, decisive_only: bool = False
                   ) -> list[str]:
    """The sentences of a trace: a named condition as its label, each other leaf as one
    sentence; with `decisive_only`, only the parts that decided the outcome."""
    if step.op == "named" and step.label is not None:
        if decisive_only and not any(leaf.decisive for leaf in step.leaves()):
            return []
        name = step.label[0] if lang == "zh" else english(step.label[1])
        return [f"{name} {MARK[step.outcome][0]}"]
    if (step.op != "leaf" and step.op != "not") or step.children:
        return [line for child in step.children
                for line in step_sentences(child, schema, lang, decisive_only)]
    if decisive_only and not step.decisive:
        return []
    return [leaf_sentence(step.node, step.values, step.outcome, schema, lang)]


def leaf_sentence(node: Node | None, values: dict[str, Any], outcome: bool | None,
                  schema: FactSchema, lang: str) -> str:
    """One comparison as a sentence, with its mark."""
    mark = MARK[outcome][0]
    colon = "：" if lang == "zh" else ": "
    inner = node.a if isinstance(node, Not) else node
    inner = inner.inner if isinstance(inner, BoolLeaf) else inner
    if isinstance(inner, Known):
        given = label("given" if values.get(inner.name) is not None else "not_given", lang)
        return f"{fact_name(inner.name, schema, lang)}{colon}{given} {mark}"
    if isinstance(inner, Compare) and isinstance(inner.a, FactRef | DateRef):
        text = _compare(inner, values, schema, lang)
        if text:
            return f"{text} {mark}"
    shown = [f"{fact_name(n, schema, lang)}{colon}{fact_value(n, v, schema, lang)}"
             for n, v in values.items()]
    return ("; ".join(shown) or label("applies", lang)) + f" {mark}"


def _compare(node: Compare, values: dict[str, Any], schema: FactSchema, lang: str) -> str:
    assert isinstance(node.a, FactRef | DateRef)
    name = node.a.name
    colon = "：" if lang == "zh" else ": "
    here = fact_name(name, schema, lang)
    value = fact_value(name, values.get(name), schema, lang)
    if node.op in ("in", "not in"):
        word = label("one_of" if node.op == "in" else "none_of", lang)
        if isinstance(node.b, Const) and len(node.b.value) <= 4:
            shown = sorted(fact_value(name, v, schema, lang) for v in node.b.value)
            listed = ("、" if lang == "zh" else ", ").join(shown)
            return f"{here}{colon}{value}（{word}{listed}）" if lang == "zh" else \
                f"{here}: {value} ({word} {listed})"
        return f"{here}{colon}{value}"
    other = _operand(node.b, name, values, schema, lang)
    if other is None:
        return ""
    if node.op == "==" and isinstance(node.b, Const):
        return f"{here}{colon}{value}"
    return f"{here} {value} {SYMBOLS[node.op]} {other}"


def _operand(node: Node, name: str, values: dict[str, Any], schema: FactSchema, lang: str
             ) -> str | None:
    if isinstance(node, Const):
        return fact_value(name, node.value, schema, lang)
    if isinstance(node, FactRef | DateRef):
        return f"{fact_name(node.name, schema, lang)} " \
            f"{fact_value(node.name, values.get(node.name), schema, lang)}"
    return None


def check_sentence(check: Check, schema: FactSchema, lang: str) -> str:
    """A check with no trace node: the rewarded event on or after the rule's first day
    (`取得该等级的日期 2012-05-01 ≥ 2018-08-06 ✗`), else its values."""
    event = re.fullmatch(r"(\w+) >= (\d{4}-\d\d-\d\d)", check.expr)
    if event and event.group(1) in check.values:
        name = event.group(1)
        value = fact_value(name, check.values[name], schema, lang)
        return f"{fact_name(name, schema, lang)} {value} ≥ {event.group(2)} " \
            f"{MARK[check.outcome][0]}"
    return leaf_sentence(None, check.values, check.outcome, schema, lang)


def result_sentences(result: Result, schema: FactSchema, lang: str, held: bool) -> list[str]:
    """The deciding conditions of a result: those that held (an eligible one) or those that
    failed or are unknown; the as-of date's check left out."""
    lines: list[str] = []
    if result.trace is not None:
        lines += step_sentences(result.trace, schema, lang, decisive_only=True)
    traced = {leaf.text for leaf in result.trace.leaves()} if result.trace else set()
    for check in result.checks:
        if check.expr in traced or not check.decisive or not check.values.keys() - {"as_of"}:
            continue
        if (check.outcome is True) == held:
            lines.append(check_sentence(check, schema, lang))
    want = MARK[True][0] if held else None
    return [line for line in lines if want is None or line.endswith(want)] if held else \
        [line for line in lines if not line.endswith(MARK[True][0])]


# --- within reach, in one language ----------------------------------------------------------


def gives_text(result: Result, schema: FactSchema, lang: str, keys: bool = True) -> str:
    """What a rule that applies gives, in a few words: `pays 1,000万元`, `可得 1,000万元`;
    the facts it still needs with their keys (for a user who types them) where `keys`."""
    if result.status == NEEDS_INFO:
        return label("gives_needs", lang).format(facts=", ".join(
            fact_name(name, schema, lang) + (f" [{name}]" if keys else "")
            for name in result.missing))
    if result.open is not None:
        return label("gives_open", lang)
    kind, amount = result.rule.kind, result.amount
    if kind in ("cash", "cap", "deduction") and amount is not None:
        basis = f" ({pick(result.basis, lang)})" if result.basis and kind != "deduction" else ""
        return label(f"gives_{kind}", lang).format(amount=money_words(amount)) + basis
    start, end = result.period or (None, None)
    if kind == "eligibility_date" and start:
        return label("gives_date", lang).format(day=start.isoformat())
    if kind == "tax_exemption" and start:
        key = "gives_exempt_to" if end else "gives_exempt"
        return label(key, lang).format(start=start.isoformat(), end=end.isoformat() if end else "")
    return label("applies", lang)


def change_sentence(change: Change, schema: FactSchema, lang: str) -> str:
    """`固定资产投资（不含土地费用）4,800万元，距 5,000万元 还差 200万元`."""
    name = fact_name(change.fact, schema, lang)
    before = fact_value(change.fact, change.before, schema, lang)
    after = fact_value(change.fact, change.after, schema, lang)
    difference = change.difference
    if isinstance(difference, int):
        key = "reach_days_before" if difference > 0 else "reach_days_after"
        return label(key, lang, short=abs(difference) == 1).format(
            name=name, before=before, after=after, n=abs(difference))
    if isinstance(difference, Decimal):
        gap = fact_value(change.fact, abs(difference), schema, lang)
        key = "reach_short" if difference > 0 else "reach_over"
        return label(key, lang).format(name=name, before=before, after=after, gap=gap)
    return label("reach_becomes", lang).format(name=name, before=before, after=after)


def option_sentence(option: Option, schema: FactSchema, lang: str, keys: bool = True) -> str:
    """One option: the changes, then what the rule would give with them."""
    joiner = label("reach_and", lang)
    changes = joiner.join(change_sentence(c, schema, lang) for c in option.changes)
    what = gives_text(option.result, schema, lang, keys)
    if all(c.difference is not None for c in option.changes):
        at = joiner.join(fact_value(c.fact, c.after, schema, lang) for c in option.changes)
        return label("reach_at", lang).format(changes=changes, at=at, gives=what)
    return label("reach_with", lang).format(changes=changes, gives=what)


def reach_sentences(options: list[Option], schema: FactSchema, lang: str,
                    keys: bool = True) -> list[str]:
    """The options of one rule; values of one fact that give the same are listed together."""
    groups: dict[tuple[str, str], list[Option]] = {}
    order: list[tuple[str, str] | Option] = []
    for option in options:
        change = option.changes[0]
        if len(option.changes) == 1 and change.difference is None:
            key = (change.fact, gives_text(option.result, schema, lang, keys))
            if key not in groups:
                order.append(key)
            groups.setdefault(key, []).append(option)
        else:
            order.append(option)
    lines = []
    for entry in order:
        if isinstance(entry, Option) or len(groups[entry]) == 1:
            one = entry if isinstance(entry, Option) else groups[entry][0]
            lines.append(option_sentence(one, schema, lang, keys))
            continue
        fact, what = entry
        group = groups[entry]
        values = [fact_value(fact, o.changes[0].after, schema, lang) for o in group]
        listed = label("reach_list", lang).format(
            some=("、" if lang == "zh" else ", ").join(values[:-1]), last=values[-1])
        becomes = label("reach_becomes", lang).format(
            name=fact_name(fact, schema, lang), after=listed,
            before=fact_value(fact, group[0].changes[0].before, schema, lang))
        lines.append(label("reach_with", lang).format(changes=becomes, gives=what))
    return lines
