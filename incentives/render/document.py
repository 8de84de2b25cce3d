"""A report to hand over: an assessment (or a comparison) as Markdown or one HTML file.

The content is built once as a list of blocks (headings, paragraphs, tables, lists,
quotes) and then written as Markdown or as a self-contained HTML page that prints well.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from incentives.assessment.compare import Comparison
from incentives.assessment.reach import Reach
from incentives.assessment.timeline import UNDATED, cash_by_year, savings_by_year, timeline
from incentives.model.facts import FactSchema
from incentives.model.money import format_rate
from incentives.model.params import ParamUse
from incentives.model.result import ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE, Assessment, Result
from incentives.render.sentences import (
    fact_name,
    fact_value,
    money_words,
    reach_sentences,
    result_sentences,
)
from incentives.render.wording import summary_text
from incentives.render.words import (
    citation_texts,
    city_name,
    ended_text,
    english,
    label,
    note_if,
    open_awards,
    pick,
    when_due,
    yuan,
    yuan_range,
    yuan_wan,
)


@dataclass
class Block:
    """heading (level 1-3) | para | table | items | quote."""

    kind: str
    text: str = ""
    level: int = 2
    rows: list[list[str]] = field(default_factory=list)  # a table's first row is its header
    items: list[str] = field(default_factory=list)
    amounts_right: bool = True  # a table's cells that are amounts right-aligned (HTML)


def assessment_blocks(assessment: Assessment, schema: FactSchema, lang: str,
                      reaches: Sequence[Reach] = ()) -> list[Block]:
    """A check report: the summary, the facts used, the money by year, each result, what
    is within reach, the facts to supply, the dates, the assumptions and the citations."""
    city = assessment.city
    where = f"{city_name(city, lang)}"
    if "district" in assessment.profile.facts:
        where += f" · {assessment.profile.facts['district']}"
    blocks = [Block("heading", assessment.profile.name or label("institution", lang), 1),
              Block("para", f"{where} · {label('as_of', lang)} {assessment.as_of.isoformat()}"),
              Block("heading", label("summary", lang), 2),
              Block("items", items=_joined(summary_lines(assessment, schema, lang, None))),
              *_fact_blocks(assessment, schema, lang),
              *money_blocks(assessment, lang)]
    for status in (ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE):
        results = [r for r in assessment.results if r.status == status]
        if results:
            blocks.append(Block("heading", f"{label(status, lang)} ({len(results)})", 2))
            for result in results:
                blocks += _result_blocks(result, schema, lang)
    blocks += reach_blocks(reaches, schema, lang)
    blocks += supply_blocks(assessment, schema, lang)
    blocks += timeline_blocks(assessment, lang)
    blocks += _assumption_blocks(assessment, lang)
    blocks += _citation_blocks(assessment.results, lang)
    blocks.append(footer(assessment.as_of.isoformat(), lang))
    return blocks


def reach_blocks(reaches: Sequence[Reach], schema: FactSchema, lang: str) -> list[Block]:
    """Each rule not met that a change of facts would meet, and what it would give."""
    if not reaches:
        return []
    blocks = [Block("heading", f"{label('within_reach_check', lang)} ({len(reaches)})", 2)]
    for reach in reaches:
        rule = reach.result.rule
        blocks += [Block("heading", f"{rule.provision} {pick(rule.title, lang)}".strip(), 3),
                   Block("items", items=reach_sentences(reach.options, schema, lang,
                                                            keys=False))]
    return blocks


def supply_blocks(assessment: Assessment, schema: FactSchema, lang: str) -> list[Block]:
    """Each fact still to supply and the rules its answer decides."""
    deciding: dict[str, list[str]] = {}
    for result in assessment.results:
        for name in result.missing:
            rule = result.rule
            deciding.setdefault(name, []).append(
                f"{rule.provision} {pick(rule.title, lang)}".strip())
    if not deciding:
        return []
    joiner = "；" if lang == "zh" else "; "
    items = [f"{fact_name(name, schema, lang)} — "
             + label("supply_decides", lang).format(rules=joiner.join(rules))
             for name, rules in deciding.items()]
    return [Block("heading", label("to_supply", lang), 2), Block("items", items=items)]


def _joined(lines: list[str]) -> list[str]:
    """The summary's indented payer lines joined to the total they split."""
    out: list[str] = []
    for line in lines:
        if line.startswith("    ") and out:
            out[-1] += ("；" if "：" in out[-1] or "（" in out[-1] else " · ") + line.strip()
        else:
            out.append(line)
    return out


def footer(as_of: str, lang: str) -> Block:
    """The as-of date, the rule set's version, and that the figures are an estimate."""
    return Block("para", label("footer", lang).format(as_of=as_of, version=rules_version()))


def rules_version() -> str:
    """The installed package's version (the bundled rule set ships with it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("incentives")
    except PackageNotFoundError:
        return "0"


def _fact_blocks(assessment: Assessment, schema: FactSchema, lang: str) -> list[Block]:
    """The facts the assessment used, by their labels, with their values."""
    rows = [[label("fact", lang), label("value", lang)]]
    rows += [[fact_name(name, schema, lang),
              city_name(assessment.city, lang) if name == "city" else
              fact_value(name, value, schema, lang)]
             for name, value in assessment.profile.facts.items()
             if name in schema.facts and name != "name" and value is not None]
    return [Block("heading", label("facts_used", lang), 2),
            Block("table", rows=rows, amounts_right=False)]  # one column of mixed values


def summary_lines(assessment: Assessment, schema: FactSchema, lang: str,
                  width: int | None = 78) -> list[str]:
    """The answer first, short enough for one 80-column screen: cash certain and possible
    by payer, the tax an exemption saves, the next dates, the facts still to supply. With
    a `width`, a line is cut to it, but the facts to supply are wrapped: none is dropped."""
    total, by_payer = assessment.cash_totals()
    most, most_by_payer = assessment.cash_totals(most=True)
    names = {p.payer: p.label for r in assessment.results for extent in (r.end(False), r.end(True))
             if extent for p in extent.payers}
    lines = [f"{label('certain', lang)}: {money_words(total)}",
             *(f"    {names.get(p, p)} {money_words(a)}" for p, a in by_payer.items())]
    if most != total:
        lines += [f"{label('possible', lang)}: {money_words(most)}",
                  *(f"    {names.get(p, p)} {money_words(a)}" for p, a in most_by_payer.items())]
    saved = sum(savings_by_year(assessment).values(), Decimal(0))
    if saved:
        lines.append(f"{label('tax_saved', lang)}: {money_words(saved)}")
    upcoming = [e for e in timeline(assessment) if not e.past][:3]
    for event in upcoming:
        amount = f" {money_words(event.amount)}" if event.amount is not None else ""
        lines.append(f"{label('next_date', lang)}: {event.day.isoformat()}{amount} "
                     f"{pick(event.label, lang)}")
    if width is not None:
        lines = [_fit(line, width) for line in lines]
    missing = list(dict.fromkeys(n for r in assessment.results for n in r.missing))
    if missing:
        facts = [fact_name(n, schema, lang) for n in missing]
        lines += _wrapped(f"{label('to_supply', lang)}: ", facts, width)
    return lines


def _columns(text: str) -> int:
    """How wide `text` is on a terminal (a Chinese character is two columns)."""
    return sum(2 if "\u2e80" <= char <= "\uffef" else 1 for char in text)


def _fit(line: str, width: int) -> str:
    """A summary line cut to the screen."""
    used, out = 0, list[str]()
    for char in line:
        used += _columns(char)
        if used > width - 1:
            return "".join(out) + "…"
        out.append(char)
    return line


def _wrapped(head: str, names: list[str], width: int | None) -> list[str]:
    """`head` and every name, over as many lines of `width` as they need (the later ones
    indented past the head); one line without a width."""
    if width is None:
        return [head + ", ".join(names)]
    lines, line = [], head
    for index, name in enumerate(names):
        piece = name + ("," if index < len(names) - 1 else "")
        if line.strip() and line != head and _columns(line + piece) > width:
            lines.append(line.rstrip())
            line = "  "
        line += piece + " "
    return [*lines, line.rstrip()]


def money_blocks(assessment: Assessment, lang: str) -> list[Block]:
    """Cash by year and payer, and tax saved. Where a range leaves amounts open a cell
    reads certain – possible: the least sure to be paid, and the most that may be."""
    total, by_payer = assessment.cash_totals()
    most_total, most_by_payer = assessment.cash_totals(most=True)
    labels = {p.payer: p.label for r in assessment.results for extent in (r.end(False), r.end(True))
              if extent for p in extent.payers}
    payers = list(dict.fromkeys([*by_payer, *most_by_payer]))
    header = [label("year", lang), *(labels[p] for p in payers), label("total", lang),
              label("tax_saved", lang)]
    cash, most_cash = cash_by_year(assessment), cash_by_year(assessment, most=True)
    saved: dict[int | str, Decimal] = {}
    saved.update(savings_by_year(assessment).items())
    if not saved:
        header.pop()
    rows = [header]
    zero = Decimal(0)
    for year in sorted({*cash, *most_cash, *saved}, key=lambda y: (isinstance(y, str), y)):
        parts, most_parts = cash.get(year, {}), most_cash.get(year, {})
        rows.append([label("undated", lang) if year == UNDATED else str(year),
                     *(yuan_range(parts.get(p, zero), most_parts.get(p, zero), lang)
                       for p in payers),
                     yuan_range(sum(parts.values(), zero), sum(most_parts.values(), zero), lang),
                     *([yuan(saved.get(year, zero), lang)] if saved else [])])
    rows.append([label("total", lang),
                 *(yuan_range(by_payer.get(p, zero), most_by_payer.get(p, zero), lang)
                   for p in payers),
                 yuan_range(total, most_total, lang),
                 *([yuan(sum(saved.values(), zero), lang)] if saved else [])])
    to_come, to_come_by_payer = assessment.cash_to_come()
    most_to_come, most_to_come_by_payer = assessment.cash_to_come(most=True)
    if to_come != total or most_to_come != most_total:  # some of it is behind the as-of date
        rows.append([label("to_come", lang),
                     *(yuan_range(to_come_by_payer.get(p, zero),
                                  most_to_come_by_payer.get(p, zero), lang) for p in payers),
                     yuan_range(to_come, most_to_come, lang), *([""] if saved else [])])
    count = assessment.open_amounts()
    left_open = [Block("para", open_awards(count, lang))] if count else []
    return [Block("heading", label("by_year", lang), 2), Block("table", rows=rows), *left_open]


def _result_blocks(result: Result, schema: FactSchema, lang: str) -> list[Block]:
    rule = result.rule
    lines: list[str] = []
    if result.amount is not None:
        basis = f" — {pick(result.basis, lang)}" if result.basis else ""
        word = "amount_cap" if rule.kind in ("cap", "deduction") else "amount"
        lines.append(f"{label(word, lang)}: {yuan_wan(result.amount)}{basis}")
    if result.payers:
        lines.append(f"{label('paid_by', lang)}: " + "; ".join(
            f"{p.label} {yuan_wan(p.amount)} ({format_rate(p.share, 0)})" for p in result.payers))
    lines += [f"{when_due(d.timing, d.due, d.until, lang)}:"
              f" {yuan_wan(d.amount)} — {pick(d.label, lang)}" for d in result.schedule]
    lines += open_texts(result, lang)
    if result.period:
        lines.append(_period_line(result, lang))
    lines += [f"{pick(c.label, lang)}" + (f": {yuan(c.amount, lang)}" if c.amount else "")
              for c in result.components if c.applies]
    lines += range_lines(result, schema, lang)
    if result.past:
        lines.append(label("past_item", lang))
    lines += saving_lines(result, schema, lang)
    lines += _reason_lines(result, schema, lang)
    lines += if_counted_lines(result, lang)
    lines += [f"{label('note', lang)}: {pick(note, lang)}" for note in result.notes]
    lines += [f"{note_if(note.depends_on, lang)}: {pick(note.text, lang)}"
              for note in result.open_notes]
    title = f"{rule.provision} {pick(rule.title, lang)}".strip()
    return [Block("heading", title, 3), Block("items", items=lines),
            Block("para", f"{rule.document} {rule.article}")]


def open_texts(result: Result, lang: str) -> list[str]:
    """Cash of an amount the text leaves open: its words, who pays which share, when."""
    if result.open is None:
        return []
    lines = [f"{label('amount', lang)}: {pick(result.open.text, lang)} "
             f"({label('amount_open', lang)})"]
    if result.open.payers:
        lines.append(f"{label('paid_by', lang)}: " + "; ".join(
            f"{p.label} ({format_rate(p.share, 0)})" for p in result.open.payers))
    lines += [f"{when_due(d.timing, d.due, d.until, lang)}: {format_rate(d.share, 0)} — "
              f"{pick(d.label, lang)}" for d in result.open.schedule]
    return lines


def if_counted_lines(result: Result, lang: str) -> list[str]:
    """What a rule would give if the event before it took effect counted (the text being
    silent): shown beside the not-eligible result, never added to a total."""
    other = result.if_counted
    if other is None or other.status == NOT_ELIGIBLE:
        return []
    given = yuan(other.amount, lang) if other.amount is not None else label(other.status, lang)
    return [f"{label('if_counted', lang)}: {given}"]


def range_lines(result: Result, schema: FactSchema, lang: str) -> list[str]:
    """An amount the unknown facts leave open: its least and most, each payer's and each
    instalment's, and what each answer to the facts that decide it gives."""
    ranged = result.range
    if ranged is None:
        return []
    cap = result.rule.kind == "cap"
    least, most = ranged.least, ranged.most
    lines = [f"{label('amount', lang)}: {yuan_range(least.amount, most.amount, lang, cap)}"]
    if least.payers:
        lines.append(f"{label('paid_by', lang)}: " + "; ".join(
            f"{low.label} {yuan_range(low.amount, high.amount, lang)} "
            f"({format_rate(low.share, 0)})"
            for low, high in zip(least.payers, most.payers, strict=True)))
    lines += [f"{when_due(low.timing, low.due, low.until, lang)}: "
              f"{yuan_range(low.amount, high.amount, lang)} — {pick(low.label, lang)}"
              for low, high in zip(least.schedule, most.schedule, strict=True)]
    return lines + decider_lines(result, schema, lang)


def decider_lines(result: Result, schema: FactSchema, lang: str) -> list[str]:
    """For an amount left open, each fact that decides it and what each answer gives."""
    if result.range is None:
        return []
    cap = result.rule.kind == "cap"
    lines = []
    for decider in result.range.deciders:
        name = decider.fact
        if name in schema:
            name += f" ({schema[name].zh if lang == 'zh' else schema[name].en})"
        answers = "; ".join(f"{_answer(a.value, lang)} → {yuan_range(a.least, a.most, lang, cap)}"
                            for a in decider.answers)
        lines.append(f"{label('depends_on', lang)}: {name}" + (f": {answers}" if answers else ""))
    return lines


def _answer(value: object, lang: str) -> str:
    if isinstance(value, bool):
        return label("yes" if value else "no", lang)
    return str(value)


def saving_lines(result: Result, schema: FactSchema, lang: str) -> list[str]:
    """What an exemption spares, per year and over its window; or the facts it needs."""
    lines = []
    for estimate in result.savings:
        name = f"{pick(estimate.label, lang)} ({label('estimate', lang)})"
        if estimate.per_year is None:
            missing = ", ".join(f"{fact_name(n, schema, lang)} [{n}]" for n in estimate.missing)
            lines.append(f"{name}: {label('give', lang)} {missing}")
            continue
        over = f"; {label('over_window', lang)} {yuan(estimate.total, lang)}" \
            if estimate.total is not None else ""
        lines.append(f"{name}: {yuan(estimate.per_year, lang)} {label('per_year', lang)}{over}")
    return lines


def _period_line(result: Result, lang: str) -> str:
    start, end = result.period or (None, None)
    first = start.isoformat() if start else "?"
    if result.rule.kind == "eligibility_date":
        return f"{label('may_apply_from', lang)}: {first}"
    last = end.isoformat() if end else label("no_end", lang)
    return f"{label('period', lang)}: {first} – {last}"


def _reason_lines(result: Result, schema: FactSchema, lang: str) -> list[str]:
    if result.ended is not None:
        return [f"{result.ended.document} {ended_text(result.ended, lang)}"]
    if result.status == NEEDS_INFO:
        names = [f"{fact_name(n, schema, lang)} [{n}]" for n in result.missing]
        return [f"{label('give', lang)}: " + ", ".join(names),
                *result_sentences(result, schema, lang, held=False)]
    held = result.status == ELIGIBLE
    sentences = result_sentences(result, schema, lang, held)
    if not sentences:
        return []
    return [f"{label('because' if held else 'fails', lang)}: " + " · ".join(sentences)]


def timeline_blocks(assessment: Assessment, lang: str) -> list[Block]:
    events = timeline(assessment)
    if not events:
        return []
    rows = [[label("date", lang), "", label("benefit", lang), label("amount", lang)]]
    for event in events:
        past = f" ({label('past', lang)})" if event.past else ""
        rows.append([event.day.isoformat() + past, label(event.what, lang), pick(event.label, lang),
                     yuan(event.amount, lang) if event.amount is not None else ""])
    return [Block("heading", label("timeline", lang), 2), Block("table", rows=rows)]


def _uses(results: list[Result]) -> list[ParamUse]:
    seen: dict[str, ParamUse] = {}
    for result in results:
        for use in result.parameters:
            seen.setdefault(use.name, use)
    return list(seen.values())


def _assumption_blocks(assessment: Assessment, lang: str) -> list[Block]:
    items = parameter_lines(_uses(assessment.results), lang)
    return [Block("heading", label("assumptions", lang), 2), Block("items", items=items)
            ] if items else []


def parameter_lines(uses: list[ParamUse], lang: str) -> list[str]:
    """Each dated parameter a report used, stated as what it is: the published figure in
    force (with its source), the report's assumption, or the figure given for it."""
    return [_parameter_line(use, lang) for use in uses]


def _parameter_line(use: ParamUse, lang: str) -> str:
    name = (use.title[0] if lang == "zh" else english(use.title[1])) or use.name
    value = format_rate(use.value) if use.value < 1 else f"{use.value:f}"
    parts = [label("param_since", lang).format(day=use.start.isoformat())] if use.start else []
    if use.overridden:
        parts.append(label("param_given", lang))
    else:
        parts.append(f"{label('param_source', lang)}: {no_instruction(use.source_in(lang))}")
    if use.assumed:
        parts.append(label("param_assumed", lang))
    if use.stale and use.start:
        parts.append(label("param_stale", lang).format(day=use.start.isoformat()))
    notes = use.notes_zh if lang == "zh" else use.notes  # never an instruction to a client
    parts += [no_instruction(note) for note in notes if not note.startswith(f"{use.name}:")]
    return f"{name}: {value} (" + "; ".join(p for p in parts if p) + ")"


def no_instruction(text: str) -> str:
    """A source or note without its sentences telling a command-line user what to type
    (`Override with --param …`): a client's report states the assumption, not the flag."""
    pieces = re.split(r"((?<=[.;])\s+|(?<=[。；]))", text)  # a sentence, then its gap
    kept = [sentence + gap for sentence, gap in zip(pieces[::2], [*pieces[1::2], ""], strict=True)
            if "--param" not in sentence]
    return "".join(kept).strip()


def _citation_blocks(results: list[Result], lang: str) -> list[Block]:
    blocks = [Block("heading", label("citations", lang), 2)]
    for result in results:
        for cited in (result, *result.also):
            rule = cited.rule
            blocks += [Block("quote", line) for line in citation_texts(rule, lang)]
    return blocks


def comparison_blocks(comparison: Comparison, schema: FactSchema, lang: str) -> list[Block]:
    cities = list(comparison.assessments)
    names = {c: city_name(comparison.assessments[c].city, lang) for c in cities}
    rows = [[label("benefit", lang), *(names[c] for c in cities)]]
    rows += [[pick(row.title.rule.title, lang),
              *(summary_text(row.results[c], schema, lang, keys=False) for c in cities)]
             for row in comparison.rows]
    totals = comparison.cash_totals()
    rows.append([label("totals", lang), *(yuan(totals[c][0], lang) for c in cities)])
    first = next(iter(comparison.assessments.values()))
    blocks = [Block("heading", first.profile.name or label("institution", lang), 1),
              Block("para", f"{label('compare_title', lang)} · {label('as_of', lang)} "
                            f"{comparison.as_of.isoformat()}"),
              Block("table", rows=rows)]
    for city in cities:
        assessment = comparison.assessments[city]
        blocks += [Block("heading", names[city], 2),
                   Block("items", items=_joined(summary_lines(assessment, schema, lang, None)))]
    for city, only in comparison.only_in().items():
        if only:
            blocks.append(Block("para", f"{label('only_in', lang)} — {names[city]}: "
                                + "; ".join(pick(r.title.rule.title, lang) for r in only)))
    for city, facts in comparison.to_supply.items():
        if facts:
            blocks.append(Block("para", f"{label('to_supply', lang)} — {names[city]}: "
                                + ", ".join(fact_name(f, schema, lang) for f in facts)))
    results = [r for a in comparison.assessments.values() for r in a.results
               if r.status != NOT_ELIGIBLE]
    blocks += _citation_blocks(list({r.rule.id: r for r in results}.values()), lang)
    blocks.append(footer(comparison.as_of.isoformat(), lang))
    return blocks


# --- writing ----------------------------------------------------------------------------------


_MD = re.compile(r"([\\`*_\[\]<>|#!~])")


def md(text: str) -> str:
    """Text as Markdown shows it literally: HTML and Markdown's own characters escaped
    (an institution named `<script>` or `**x**` reads as written)."""
    return _MD.sub(r"\\\1", text.replace("&", "&amp;")).replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            out.append(f"{'#' * block.level} {md(block.text)}")
        elif block.kind == "para":
            out.append(md(block.text))
        elif block.kind == "quote":
            out.append(f"> {md(block.text)}")
        elif block.kind == "items":
            out.append("\n".join(f"- {md(item)}" for item in block.items))
        elif block.kind == "table":
            head, *body = [[md(cell) for cell in row] for row in block.rows]
            lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            out.append("\n".join(lines + ["| " + " | ".join(row) + " |" for row in body]))
    return "\n\n".join(out) + "\n"


STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a;
       line-height: 1.5; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #333; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .92rem; }
th, td { border: 1px solid #bbb; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td:not(:first-child) { font-variant-numeric: tabular-nums; }
td.num { text-align: right; white-space: nowrap; }
blockquote { margin: .4rem 0; padding: .2rem .8rem; border-left: 3px solid #999; color: #444;
             font-size: .9rem; }
ul { margin: .2rem 0; }
code { font-size: .88rem; background: #f5f5f5; padding: 0 .2rem; }
@media print { body { margin: 0; max-width: none; } h2, h3 { break-after: avoid; }
               table, blockquote, li { break-inside: avoid; } }
"""


def to_html(blocks: list[Block], title: str, lang: str) -> str:
    body: list[str] = []
    for block in blocks:
        text = _inline(block.text)
        if block.kind == "heading":
            body.append(f"<h{block.level}>{text}</h{block.level}>")
        elif block.kind == "para":
            body.append(f"<p>{text}</p>")
        elif block.kind == "quote":
            body.append(f"<blockquote>{text}</blockquote>")
        elif block.kind == "items":
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block.items) + "</ul>")
        elif block.kind == "table":
            head, *rows = block.rows
            cells = "".join(f"<th>{html.escape(c)}</th>" for c in head)
            trs = "".join("<tr>" + "".join(_cell(c, block.amounts_right) for c in row)
                          + "</tr>" for row in rows)
            body.append(f"<table><thead><tr>{cells}</tr></thead><tbody>{trs}</tbody></table>")
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
            f'<meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _inline(text: str) -> str:
    return html.escape(text)


_AMOUNT_CELL = re.compile(r"[✓≤−+ ]*[\d,]+(\.\d+)? ?(元|万元)( \([\d,.]+万元\))?")


def _cell(text: str, amounts_right: bool = True) -> str:
    """A table cell; one that is only an amount (`1,038,000.00 元 (103.8万元)`, `8,650万元`,
    `≤ 12,000,000.00 元`) right-aligned, a title that ends in one (`…500万元`) not."""
    amount = amounts_right and bool(_AMOUNT_CELL.fullmatch(text))
    cls = ' class="num"' if amount else ""
    return f"<td{cls}>{html.escape(text)}</td>"
