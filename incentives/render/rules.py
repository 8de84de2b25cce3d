"""Rules as a reader sees them: a list of every rule, and one rule in full (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text as RichText

from incentives.load.rulebook import RuleBook
from incentives.model.jsonable import day
from incentives.model.money import format_rate
from incentives.model.rule import Offset, Rule
from incentives.render.words import citation_texts, label, pick


def rule_summaries(book: RuleBook, cities: list[str]) -> list[dict[str, Any]]:
    """One plain dict per rule version, for `rules list` (JSON or table)."""
    wanted = set(cities) | set(book.layers) if cities else None
    return [
        {
            "rule": rule.id,
            "jurisdiction": rule.city,
            "provision": rule.provision or None,
            "kind": rule.kind,
            "document": rule.document,
            "documents": [doc.id for doc in rule.cited],
            "article": rule.article,
            "effective_from": rule.effective_from.isoformat(),
            "effective_to": day(rule.effective_to),
            "restates": rule.restates,
            "title": {"zh": rule.title.zh, "en": rule.title.en},
            "file": f"{rule.file}:{rule.line}",
        }
        for rule in sorted(book.all_rules(), key=lambda r: (r.city, r.id, r.effective_from))
        if wanted is None or rule.city in wanted
    ]


def render_list(summaries: list[dict[str, Any]]) -> RenderableType:
    table = Table(show_lines=False)
    # an id is what a user types next (`rules show`, `explain`): never cut, whatever the width
    widest = max((len(s["rule"]) for s in summaries), default=4)
    table.add_column("rule", no_wrap=True, min_width=widest)
    table.add_column("provision", no_wrap=True)
    for column in ("kind", "document · article", "in force", "title"):
        table.add_column(column, overflow="fold")
    for s in summaries:
        until = s["effective_to"] or "…"
        table.add_row(s["rule"], s["provision"] or "", s["kind"],
                      f"{s['document']} {s['article']}", f"{s['effective_from']} – {until}",
                      f"{s['title']['zh']}\n{s['title']['en']}")
    return table


def render_rule(versions: list[Rule], lang: str = "en") -> RenderableType:
    """Every version of one rule, newest first; expressions as written, in `backticks`."""
    parts: list[RenderableType] = []
    for rule in sorted(versions, key=lambda r: r.effective_from, reverse=True):
        parts.append(RichText(f"{rule.id}  {rule.provision}", style="bold"))
        parts.extend(RichText(f"  {line}") for line in _lines(rule, lang))
    return Group(*parts)


def _lines(rule: Rule, lang: str) -> list[str]:
    def word(key: str) -> str:
        return label(f"show_{key}", lang)

    until = rule.effective_to.isoformat() if rule.effective_to else label("no_end", lang)
    lines = [
        pick(rule.title, lang),
        f"{word('kind')}: {label(rule.kind, lang)}; {word('in_force')} "
        f"{rule.effective_from.isoformat()} – {until}",
        *citation_texts(rule, lang),
        f"{word('applies_when')}: " + (f"`{rule.when.source}`" if rule.when else word("always")),
    ]
    if rule.restates:
        lines.append(f"{word('restates')}: {rule.restates}")
    for case in rule.amount:
        if case.when:
            when = f"{word('when')} `{case.when.source}`: "
        else:
            when = f"{word('otherwise')}: " if len(rule.amount) > 1 else ""
        named = f"  ({pick(case.label, lang)})" if case.label else ""
        lines.append(f"{label('amount', lang)}: {when}`{case.value.source}`{named}")
    if rule.payers:
        whole = sum(share for _, share in rule.payers)
        lines.append(f"{label('paid_by', lang)}: " + ", ".join(
            f"[{payer}] {format_rate(share / whole, 0)}" for payer, share in rule.payers))
    lines += [f"{label('instalment', lang)}: {format_rate(i.share, 0)} {label(i.timing, lang)} "
              f"{_offset(i.due, lang)} — {pick(i.label, lang)}" for i in rule.schedule]
    if rule.period is not None:
        lines.append(f"{label('period', lang)}: {_offset(rule.period, lang, period=True)}")
    if rule.date is not None:
        lines.append(f"{label('eligibility_date', lang)}: {_offset(rule.date, lang)}")
    lines += [f"{word('part')}: {pick(c.label, lang)}"
              + (f" — {word('when')} `{c.when.source}`" if c.when else "")
              + (f" — {word('up_to')} `{c.amount.source}`" if c.amount else "")
              for c in rule.components]
    lines += [f"{label('note', lang)}: {pick(n.text, lang)}"
              + (f" ({word('when')} `{n.when.source}`)" if n.when else "") for n in rule.notes]
    lines.append(f"{word('written_in')} {rule.file}:{rule.line}")
    return lines


def _offset(offset: Offset, lang: str, period: bool = False) -> str:
    start = f"[{offset.start}]" if offset.start else label("show_took_effect", lang)
    joiner = "" if lang == "zh" else ", "
    counts = joiner.join(label(unit, lang, short=n == 1).format(n=n)
                         for n, unit in ((offset.years, "years"), (offset.months, "months"),
                                         (offset.days, "days")) if n)
    if period:
        key = "show_for" if offset.bounded else "show_from_no_end"
        return label(key, lang).format(start=start, counts=counts)
    return f"{start} + {counts}" if counts else start
