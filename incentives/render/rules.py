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
from incentives.render.words import citation_texts, label


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


def render_rule(versions: list[Rule]) -> RenderableType:
    """Every version of one rule, newest first."""
    parts: list[RenderableType] = []
    for rule in sorted(versions, key=lambda r: r.effective_from, reverse=True):
        parts.append(RichText(f"{rule.id}  {rule.provision}", style="bold"))
        parts.extend(RichText(f"  {line}") for line in _lines(rule))
    return Group(*parts)


def _lines(rule: Rule) -> list[str]:
    until = rule.effective_to.isoformat() if rule.effective_to else label("no_end", "en")
    lines = [
        f"{rule.title.zh} — {rule.title.en}",
        f"kind: {rule.kind}; in force {rule.effective_from.isoformat()} – {until}",
        *citation_texts(rule, "en"),
        f"applies when: {rule.when.source if rule.when else '(always)'}",
    ]
    if rule.restates:
        lines.append(f"restates: {rule.restates}")
    for case in rule.amount:
        if case.when:
            when = f"when {case.when.source}: "
        else:
            when = "otherwise: " if len(rule.amount) > 1 else ""
        named = f"  ({case.label.en})" if case.label else ""
        lines.append(f"amount: {when}{case.value.source}{named}")
    if rule.payers:
        whole = sum(share for _, share in rule.payers)
        lines.append("paid by: " + ", ".join(f"{payer} {format_rate(share / whole, 0)}"
                                             for payer, share in rule.payers))
    lines += [f"instalment: {format_rate(i.share, 0)} {label(i.timing, 'en')} "
              f"{_offset(i.due)} — {i.label.en}" for i in rule.schedule]
    if rule.period is not None:
        lines.append(f"period: {_offset(rule.period, period=True)}")
    if rule.date is not None:
        lines.append(f"{label('eligibility_date', 'en')}: {_offset(rule.date)}")
    lines += [f"part: {c.label.en}" + (f" — when {c.when.source}" if c.when else "")
              + (f" — up to {c.amount.source}" if c.amount else "") for c in rule.components]
    lines += [f"note: {n.text.en}" + (f" (when {n.when.source})" if n.when else "")
              for n in rule.notes]
    lines.append(f"written in {rule.file}:{rule.line}")
    return lines


def _offset(offset: Offset, period: bool = False) -> str:
    start = offset.start or "the date the rule took effect"
    counts = [f"{n} {unit}" for n, unit in ((offset.years, "years"), (offset.months, "months"),
                                           (offset.days, "days")) if n]
    if period:
        return f"from {start} for {', '.join(counts)}" if offset.bounded else \
            f"from {start}, no end"
    return f"{start} + {', '.join(counts)}" if counts else start
