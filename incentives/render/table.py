"""Assessment -> a terminal report (rich): eligible, needs information, not eligible, money
by payer and year, the timeline, the parameters used.

Every line says what the institution gets (amount, payers, dates), or which condition
failed with the profile's actual value, or which facts are missing; each cites its
article and quotes its sentence. Labels are in the language asked for (`lang`).
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text as RichText

from incentives.model.facts import FactSchema
from incentives.model.money import format_rate, format_yuan
from incentives.model.params import ParamUse
from incentives.model.result import ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE, Assessment, Result
from incentives.render.document import (
    Block,
    if_counted_lines,
    money_blocks,
    open_texts,
    parameter_lines,
    range_lines,
    saving_lines,
    summary_lines,
    timeline_blocks,
)
from incentives.render.sentences import fact_name, result_sentences
from incentives.render.words import (
    STATUS_MARK,
    YUAN,
    citation_lines,
    city_name,
    ended_text,
    label,
    note_if,
    pick,
    when_due,
    yuan,
)

SECTIONS = tuple((status, *STATUS_MARK[status]) for status in (ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE))


def render(assessment: Assessment, schema: FactSchema, lang: str = "en") -> RenderableType:
    """The whole report as one rich renderable."""
    parts: list[RenderableType] = [_header(assessment, lang),
                                   RichText(f"{label('summary', lang)}", style="bold")]
    parts += [RichText(f"  {line}") for line in summary_lines(assessment, schema, lang)]
    for status, mark, style in SECTIONS:
        results = [r for r in assessment.results if r.status == status]
        if results:
            parts.append(RichText(f"\n{label(status, lang)} ({len(results)})",
                                  style=f"bold {style}"))
            parts.extend(_result(r, mark, style, schema, lang) for r in results)
    parts += [rich_block(b) for b in money_blocks(assessment, lang) + timeline_blocks(assessment,
                                                                                        lang)]
    parameters = _parameters(assessment, lang)
    if parameters:
        parts.append(parameters)
    return Group(*parts)


def print_report(assessment: Assessment, schema: FactSchema, console: Console,
                 lang: str = "en") -> None:
    console.print(render(assessment, schema, lang))


def rich_block(block: Block) -> RenderableType:
    """A document block (a heading or a table) for the terminal."""
    if block.kind == "table":
        head, *rows = block.rows
        table = Table(show_edge=False)
        for index, cell in enumerate(head):
            amounts = all(row[index].endswith(YUAN) or not row[index] for row in rows)
            table.add_column(cell, justify="right" if amounts else "left")
        for row in rows:
            table.add_row(*row)
        return table
    return RichText(f"\n{block.text}", style="bold" if block.kind == "heading" else "")


def _header(assessment: Assessment, lang: str) -> RenderableType:
    facts = assessment.profile.facts
    city = assessment.city
    where = f"{city_name(city, lang)}"
    if "district" in facts:
        where += f" · {facts['district']}"
    title = RichText(assessment.profile.name or label("unnamed", lang), style="bold")
    title.append(f"\n{where} · {label('as_of', lang)} {assessment.as_of.isoformat()} · "
                 f"{len(assessment.results)} {label('provisions', lang)}", style="dim")
    return title


def _result(result: Result, mark: str, style: str, schema: FactSchema, lang: str
            ) -> RenderableType:
    rule = result.rule
    head = RichText(f"{mark} ", style=f"bold {style}")
    head.append(f"{rule.provision} " if rule.provision else "", style="bold")
    head.append(pick(rule.title, lang), style="bold")
    head.append(f"  [{label(rule.kind, lang)}]", style="dim")
    if result.past:  # still the entitlement; every date of it is behind
        head.append(f" [{label('past', lang)}]", style="dim")
    body: list[RichText] = []
    if result.status == ELIGIBLE:
        body += _benefit_lines(result, schema, lang)
        body += _because_lines(result, schema, lang)
    elif result.status == NEEDS_INFO:
        body += _missing_lines(result, schema, lang)
    else:
        body += _failed_lines(result, schema, lang)
        body += [RichText(line, style="dim") for line in if_counted_lines(result, lang)]
    for cited in (result, *result.also):
        for index, (where, quote, source) in enumerate(citation_lines(cited.rule, lang)):
            cite = RichText(f"{where}: " if quote else where, style="cyan")
            cite.append(f"“{quote}”" if quote else "", style="dim")
            cite.append(f"  ({source})" if source else "", style="italic dim")
            if cited is not result and index == 0:
                cite.append(f"  ({label('also_cited', lang)} {label(cited.status, lang)})",
                            style="italic dim")
            body.append(cite)
    body += [RichText(f"{label('note', lang)}: {pick(note, lang)}", style="italic dim")
             for note in result.notes]
    body += [RichText(f"{note_if(note.depends_on, lang)}: {pick(note.text, lang)}",
                      style="italic dim") for note in result.open_notes]
    return Group(head, Padding(Group(*body), (0, 0, 0, 4)))


def _benefit_lines(result: Result, schema: FactSchema, lang: str) -> list[RichText]:
    lines = [RichText(line, style="bold" if index == 0 else "")
             for index, line in enumerate(range_lines(result, schema, lang))]
    lines += [RichText(line, style="bold" if index == 0 else "")
              for index, line in enumerate(open_texts(result, lang))]
    if result.amount is not None:
        line = RichText(yuan(result.amount, lang), style="bold")
        if result.basis:
            line.append(f"  {pick(result.basis, lang)}", style="")
        lines.append(line)
    if result.payers:
        lines.append(RichText(f"{label('paid_by', lang)}: " + " · ".join(
            f"{p.label} {format_yuan(p.amount)} ({format_rate(p.share, 0)})"
            for p in result.payers)))
    for due in result.schedule:
        lines.append(RichText(f"{when_due(due.timing, due.due, due.until, lang)}: "
                              f"{yuan(due.amount, lang)} — {pick(due.label, lang)}"))
    if result.period:
        lines.append(RichText(_period_text(result, lang)))
    for component in result.components:
        if component.applies is False:
            continue
        amount = f": ≤ {yuan(component.amount, lang)}" if component.amount else ""
        maybe = f" ({label('may_apply', lang)})" if component.applies is None else ""
        lines.append(RichText(f"• {pick(component.label, lang)}{amount}{maybe}"))
    lines += [RichText(line) for line in saving_lines(result, schema, lang)]
    deciding = {decider.fact for decider in result.range.deciders} if result.range else set()
    undated = [name for name in result.missing if name not in deciding]
    if undated:
        lines.append(RichText(f"{label('complete_dates', lang)}: " + ", ".join(undated),
                              style="yellow"))
    return lines


def _because_lines(result: Result, schema: FactSchema, lang: str) -> list[RichText]:
    held = result_sentences(result, schema, lang, held=True)
    if not held:
        return []
    return [RichText(f"{label('because', lang)}: " + " · ".join(held), style="dim")]


def _period_text(result: Result, lang: str) -> str:
    start, end = result.period or (None, None)
    if result.rule.kind == "eligibility_date":
        return f"{label('may_apply_from', lang)}: {start.isoformat() if start else '?'}"
    first = start.isoformat() if start else "?"
    if end:
        return f"{label('period', lang)}: {first} – {end.isoformat()} " \
            f"({label('last_day_included', lang)})"
    return f"{label('period', lang)}: {first} – {label('no_end', lang)}"


def _missing_lines(result: Result, schema: FactSchema, lang: str) -> list[RichText]:
    names = [f"{fact_name(name, schema, lang)} [{name}]" for name in result.missing]
    lines = [RichText(f"{label('give', lang)}: " + ", ".join(names), style="yellow")]
    return lines + [RichText(line) for line in result_sentences(result, schema, lang, False)]


def _failed_lines(result: Result, schema: FactSchema, lang: str) -> list[RichText]:
    ended = ([RichText(f"{result.ended.document} {ended_text(result.ended, lang)}",
                       style="bold")] if result.ended else [])
    return ended + [RichText(line, style="bold")
                    for line in result_sentences(result, schema, lang, held=False)]


def _parameters(assessment: Assessment, lang: str) -> RenderableType | None:
    uses: dict[str, ParamUse] = {}
    for result in assessment.results:
        for use in result.parameters:
            uses.setdefault(use.name, use)
    if not uses:
        return None
    lines = [RichText(f"\n{label('parameters', lang)}", style="bold")]
    return Group(*lines, *(RichText(line) for line in parameter_lines(list(uses.values()), lang)))
