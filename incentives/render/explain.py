"""Explanations, the within-reach section of `check` and what-if comparisons, for a terminal.

Rendering only (rich): the figures come from explain.py, reach.py and whatif.py; every word
from words.py, in the one language asked for (`lang`). `explain` keeps each condition's
expression (with the facts' values) beside its outcome; the other views read as sentences.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from incentives.assessment.explain import CaseWorking, Explanation
from incentives.assessment.reach import Reach
from incentives.assessment.whatif import WhatIf
from incentives.model.conditions import Calc, Operand, Step
from incentives.model.facts import FactSchema
from incentives.model.money import format_rate, format_yuan, to_fen
from incentives.model.result import ELIGIBLE, Result
from incentives.model.rule import Rule
from incentives.render.document import decider_lines, open_texts, range_lines
from incentives.render.sentences import fact_name, fact_value, reach_sentences
from incentives.render.wording import number_text
from incentives.render.words import (
    MARK,
    STATUS_MARK,
    ended_text,
    english,
    inline,
    label,
    note_if,
    pick,
    source_text,
    when_due,
    yuan_text,
)

AMOUNT_KINDS = ("cash", "cap", "deduction")


def render_explanation(e: Explanation, schema: FactSchema, params: frozenset[str],
                       lang: str = "en") -> RenderableType:
    """`incentives explain`: condition tree, parameters, amount, split, schedule, quote, notes."""
    rule, result = e.rule, e.result
    mark, style = STATUS_MARK[result.status]
    head = Text(f"{rule.provision} " if rule.provision else "", style="bold")
    head.append(pick(rule.title, lang), style="bold")
    who = f" · {e.institution}" if e.institution else ""
    head.append(f"\n{rule.id} · {label(rule.kind, lang)}{who} · {label('as_of', lang)} "
                f"{e.as_of.isoformat()}", style="dim")
    past = f" · {inline('past', lang)}" if result.past else ""
    parts: list[RenderableType] = [head, Text(f"{mark} {inline(result.status, lang)}{past}",
                                              style=f"bold {style}")]
    parts += _section(label("condition", lang), [_condition(e, schema, params, lang)])
    parts += _section(label("parameters_section", lang), _parameters(e, lang))
    parts += _section(label("amount", lang), _amount(e, schema, lang))
    parts += _section(label("split", lang), _split(e, lang))
    parts += _section(label("instalments", lang), _instalments(e, lang))
    parts += _section(label("period", lang), _dates(e, lang))
    parts += _section(label("components", lang), _components(e, lang))
    if result.missing:
        parts += _section(label("to_settle", lang), [Text(", ".join(
            f"{fact_name(name, schema, lang)} [{name}]" for name in result.missing),
            style="yellow")])
    if e.reach is not None:
        parts += _section(label("within_reach", lang), [
            Text(line) for line in reach_sentences(e.reach.options, schema, lang)])
    parts += _section(label("quote", lang), _quotes(e, lang))
    notes = [Text(f"• {pick(n, lang)}") for n in result.notes]
    notes += [Text(f"• ({note_if(n.depends_on, lang)}) {pick(n.text, lang)}")
              for n in result.open_notes]
    parts += _section(label("explain_notes", lang), notes)
    for other in e.also:
        parts += _section(f"{label('also_cites', lang)} {other.rule.id}",
                          [Padding(render_explanation(other, schema, params, lang),
                                   (0, 0, 0, 2))])
    return Group(*parts)


def _quotes(e: Explanation, lang: str) -> list[Text]:
    cites = []
    for quote in e.rule.quotes:
        cite = Text(f"{quote.document} {quote.article}: ", style="cyan")
        cite.append(f"“{quote.text}”")
        if quote.source is not None:
            cite.append(f"  ({source_text(quote.source, lang)})", style="dim")
        cites.append(cite)
    return cites + [Text(f"{label('rests_on', lang)}: {doc.id} {doc.title}", style="cyan")
                    for doc in e.rule.unquoted]


def _section(title: str, body: list[Any]) -> list[RenderableType]:
    if not body:
        return []
    return [Text(f"\n{title}", style="bold"), Padding(Group(*body), (0, 0, 0, 2))]


def _condition(e: Explanation, schema: FactSchema, params: frozenset[str], lang: str
               ) -> RenderableType:
    lines: list[RenderableType] = []
    for check in e.dated:
        mark, style = MARK[check.outcome]
        text = check.expr
        if check.expr == e.rule.in_force_text:
            last = e.rule.last_day.isoformat() if e.rule.last_day else label("open_end", lang)
            text = label("in_force_check", lang).format(start=e.rule.first_day.isoformat(),
                                                         end=last)
        lines.append(Text(f"{mark} {text}", style=style))
    ended = e.result.ended
    if ended is not None:
        lines.append(Text(f"{ended.document} {ended_text(ended, lang)}", style="red"))
    if e.in_force is not None and e.in_force.outcome is False and e.condition is not None:
        lines.append(Text(label("not_in_force", lang), style="dim"))
    if e.condition is None:
        lines.append(Text(label("no_condition", lang), style="dim"))
    else:
        show = _Show(schema, params, lang, e.condition.outcome is not True)
        tree = Tree(_node(e.condition, show), guide_style="dim")
        _grow(tree, e.condition, show)
        lines.append(tree)
    return Group(*lines)


class _Show:
    """How the condition tree is drawn: the facts, the parameters, the language."""

    def __init__(self, schema: FactSchema, params: frozenset[str], lang: str, decisive: bool
                 ) -> None:
        self.schema, self.params, self.lang, self.decisive = schema, params, lang, decisive


def _grow(tree: Tree, step: Step, show: _Show) -> None:
    for child in step.children:
        _grow(tree.add(_node(child, show)), child, show)


def _node(step: Step, show: _Show) -> Text:
    mark, style = MARK[step.outcome]
    line = Text(f"{mark} ", style=style)
    outcome = f" → {_outcome(step.outcome, show.lang)}"
    if step.op == "named" and step.label is not None:
        line.append(step.text, style="bold")
        line.append(f" ({step.label[0] if show.lang == 'zh' else english(step.label[1])})")
        line.append(outcome, style=style)
        return line
    if step.op != "leaf":
        line.append(label(step.op, show.lang), style="bold")
        line.append(outcome, style=style)
        return line
    line.append(step.text, style="bold")
    line.append(outcome, style=style)
    if step.values:
        shown = ", ".join(f"{name} = {_fact_value(name, value, show)}"
                          for name, value in step.values.items())
        line.append(f"  ({shown})", style="dim")
    if show.decisive and step.decisive:
        line.append(f"  {label('decisive', show.lang)}", style="italic")
    return line


def _outcome(outcome: bool | None, lang: str) -> str:
    return label({True: "outcome_true", False: "outcome_false", None: "unknown"}[outcome], lang)


def _fact_value(name: str, value: Any, show: _Show) -> str:
    if name in show.params and isinstance(value, Decimal):
        return format_rate(value)
    fact = show.schema.facts.get(name)
    if show.lang == "en" and fact is not None and fact.type in ("enum", "bool"):
        # beside `sponsor == 'social'`, the value as the expression writes it
        return label("yes" if value else "no", "en") if isinstance(value, bool) else str(value)
    return fact_value(name, value, show.schema, show.lang)


def _parameters(e: Explanation, lang: str) -> list[Text]:
    if not e.parameters:
        return [Text(label("param_none", lang), style="dim")]
    lines = []
    for use in e.parameters:
        since = f", {label('param_since', lang).format(day=use.start.isoformat())}" \
            if use.start else ""
        flag = f" ({label('param_overridden', lang)})" if use.overridden else ""
        line = Text(f"{use.name} = {format_rate(use.value)}{since}{flag}", style="bold")
        line.append(f" — {label('param_source', lang)}: {use.source_in(lang)}")
        if not e.parameters_used:
            line.append(f" ({label('param_not_used', lang)})", style="dim")
        lines.append(line)
        lines += [Text(f"  {note}", style="dim")
                  for note in (use.notes if lang == "en" else use.notes_zh)]
        if lang == "zh" and use.stale and use.start:
            lines.append(Text(f"  {label('param_stale', lang).format(day=use.start.isoformat())}",
                              style="dim"))
    return lines


def _amount(e: Explanation, schema: FactSchema, lang: str) -> list[Text]:
    lines = []
    undecided = False  # an earlier case whose condition is unknown
    for number, case in enumerate(e.cases, 1):
        lines += _case(number, case, len(e.cases), undecided, _Show(schema, frozenset(),
                                                                     lang, False))
        undecided = undecided or (case.when is not None and case.when.outcome is None)
    if e.result.amount is not None and e.cases:
        lines.append(Text(label("amount_is", lang).format(amount=yuan_text(e.result.amount)),
                          style="bold"))
    elif e.result.range is not None:  # open, but bounded: its least, most and deciders
        lines += [Text(range_lines(e.result, schema, lang)[0], style="bold"),
                  *(Text(line, style="yellow") for line in decider_lines(e.result, schema, lang))]
    elif e.cases:
        lines.append(Text(label("amount_unknown", lang).format(
            facts=", ".join(e.result.missing)), style="yellow"))
    if e.result.open is not None:  # cash the text grants without a figure
        lines.append(Text(f"{label('amount_open', lang)}: {pick(e.result.open.text, lang)}",
                          style="bold"))
        lines += [Text(line) for line in open_texts(e.result, lang)[1:]]
    return lines


def _case(number: int, case: CaseWorking, count: int, undecided: bool, show: _Show
          ) -> list[Text]:
    lang = show.lang
    named = f" — {pick(case.label, lang)}" if case.label else ""
    title = label("case", lang).format(n=number)
    if not case.reached:
        why = label("if_above_fail" if undecided else "earlier_case", lang)
        return [Text(f"{title}{named}: {label('not_reached', lang)} ({why})", style="dim")]
    if case.when is None:
        head = label("otherwise" if count > 1 else "the_amount", lang)
        line = Text(f"{title} ({head}){named}", style="bold" if case.chosen else "dim")
    else:
        mark, style = MARK[case.when.outcome]
        line = Text(f"{title}: ", style="bold" if case.chosen else "")
        line.append(f"{mark} {case.when.text}", style=style)
        line.append(f"{named}{' — ' + label('used', lang) if case.chosen else ''}")
    lines = [line]
    held = [leaf for leaf in case.when.leaves() if leaf.decisive and leaf.outcome] if (
        case.when is not None and case.chosen) else []
    if held:
        lines.append(Text(f"    {label('because_lower', lang)} " + " · ".join(
            f"{leaf.text} ("
            + ", ".join(f"{n} = {_fact_value(n, v, show)}" for n, v in leaf.values.items()) + ")"
            for leaf in held), style="dim"))
    lines += [Text(f"    {calc_text(calc)}") for calc in case.steps]
    if case.value is not None and to_fen(case.value) != case.value:
        lines.append(Text(f"    {label('rounded', lang).format(amount=format_yuan(case.value))}"))
    return lines


def calc_text(calc: Calc) -> str:
    """`fixed_asset_investment * 1.2%: 86,500,000 × 1.2% = 1,038,000.00`."""
    operands = [_operand(o) for o in calc.operands]
    if calc.op in ("min", "max", "floor"):
        worked = f"{calc.op}({', '.join(operands)})"
    elif calc.op == "neg":
        worked = f"−{operands[0]}"
    else:
        worked = f" {calc.op} ".join(operands)
    return f"{calc.text}: {worked} = {_number(calc.value)}"


def _operand(operand: Operand) -> str:
    if operand.kind == "literal":
        return operand.text
    if operand.kind == "param" and isinstance(operand.value, Decimal):
        return format_rate(operand.value)
    return number_text(operand.value) if isinstance(operand.value, Decimal) else "unknown"


def _number(value: Any) -> str:
    if not isinstance(value, Decimal):
        return "unknown"
    value = value.normalize()
    exponent = value.as_tuple().exponent
    return f"{value:,.2f}" if isinstance(exponent, int) and exponent >= -2 else f"{value:,f}"


def _split(e: Explanation, lang: str) -> list[Text]:
    payers = e.result.payers
    if not payers or e.result.amount is None:
        return []
    parts = " / ".join(f"{p.label} {format_rate(p.share, 0)} {format_yuan(p.amount)}"
                       for p in payers)
    return [Text(label("split_by", lang).format(amount=format_yuan(e.result.amount),
                                                shares=e.shares, parts=parts))]


def _instalments(e: Explanation, lang: str) -> list[Text]:
    lines = []
    for d in e.instalments:
        when = when_due(d.timing, d.due, d.until, lang) if d.due else \
            f"{label(d.timing, lang)} {label('date_unknown', lang)}"
        base = _base_text(d.base_fact, d.base, d.offset, lang)
        payers = " / ".join(f"{p.label} {format_yuan(p.amount)}" for p in d.payers)
        lines.append(Text(f"{format_rate(d.share, 0)} {when} ({base}): "
                          f"{format_yuan(d.amount)} ({payers}) — {pick(d.label, lang)}"))
    return lines


def _base_text(fact: str | None, base: date | None, offset: str, lang: str) -> str:
    name = fact or "effective_from"
    value = base.isoformat() if base else label("unknown", lang)
    return f"{name} {value}{' ' + _offset_words(offset, lang) if offset else ''}"


def _offset_words(offset: str, lang: str) -> str:
    """`+ 2 years` in the language: `+ 2年`."""
    def one(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return label(f"{match.group(2)}s", lang, short=n == 1).format(n=n)

    return re.sub(r"(\d+) (year|month|day)s?", one, offset)


def _dates(e: Explanation, lang: str) -> list[Text]:
    d = e.dates
    if d is None:
        return []
    base = _base_text(d.base_fact, d.base, d.offset, lang)
    start = d.start.isoformat() if d.start else label("unknown", lang)
    if e.rule.kind == "eligibility_date":
        return [Text(f"{inline('may_apply_from', lang)} {start} ({base})")]
    end = f"{d.end.isoformat()} ({label('last_day_included', lang)})" if d.end else \
        label("no_end", lang)
    return [Text(f"{start} – {end}; {label('from_base', lang).format(base=base)}")]


def _components(e: Explanation, lang: str) -> list[Text]:
    lines = []
    for c in e.components:
        mark, style = MARK[c.applies]
        line = Text(f"{mark} {pick(c.label, lang)}", style=style)
        if c.when is not None:
            line.append(f"  ({label('when_cond', lang).format(when=c.when.text)})", style="dim")
        lines.append(line)
        lines += [Text(f"    {calc_text(calc)}") for calc in c.steps]
    amounts = [c.amount for c in e.components if c.applies and c.amount is not None]
    if amounts and e.result.amount is not None and not e.cases:
        added = " + ".join(format_yuan(a) for a in amounts)
        lines.append(Text(label("total_sum", lang).format(
            added=added, amount=yuan_text(e.result.amount)), style="bold"))
    return lines


def render_reach(reaches: list[Reach], schema: FactSchema, lang: str = "en") -> RenderableType:
    """The "within reach" section of the `check` report."""
    parts: list[RenderableType] = [Text(f"\n{label('within_reach_check', lang)} ({len(reaches)})",
                                        style="bold magenta")]
    for reach in reaches:
        rule = reach.result.rule
        head = Text("✦ ", style="bold magenta")
        head.append(f"{rule.provision} {pick(rule.title, lang)}".strip(), style="bold")
        lines = [Text(line) for line in reach_sentences(reach.options, schema, lang)]
        parts += [head, Padding(Group(*lines), (0, 0, 0, 4))]
    return Group(*parts)


def render_whatif(w: WhatIf, schema: FactSchema, lang: str = "en") -> RenderableType:
    """`incentives whatif`: the changes, the rules whose outcome changed, the cash totals."""
    title = Text(f"{label('what_if', lang)}:", style="bold")
    for c in w.changes:
        was = label("was", lang).format(before=fact_value(c.fact, c.before, schema, lang))
        title.append(f"\n  {fact_name(c.fact, schema, lang)} [{c.fact}] = "
                     f"{fact_value(c.fact, c.after, schema, lang)} ({was})")
    if not w.changes:
        title.append(f" {label('no_changes', lang)}")
    name = w.before.profile.name or label("unnamed", lang)
    title.append(f"\n{name} · {inline('as_of', lang)} {w.before.as_of.isoformat()}", style="dim")
    table = Table(show_edge=False, title_justify="left", title=label("rules_that_change", lang))
    table.add_column(label("rule", lang), max_width=28)
    table.add_column(inline("before", lang))
    table.add_column(inline("after", lang))
    table.add_column(inline("difference", lang), justify="right")
    for row in w.rows:
        rule = row.result.rule
        difference = _signed(row.difference, lang) if rule.kind in AMOUNT_KINDS else "—"
        table.add_row(short_title(rule, lang), _side(row.before, lang),
                      _side(row.after, lang), difference)
    parts: list[RenderableType] = [title]
    parts.append(Padding(table, (1, 0, 0, 0)) if w.rows else
                 Text(f"\n{label('nothing_changes', lang)}"))
    for row in w.rows:
        gained, lost = row.items()
        named = short_title(row.result.rule, lang)
        parts += [Text(f"{named}: {sign} {pick(item, lang)}")
                  for sign, items in (("+", gained), ("−", lost)) for item in items]
        if row.after is not None and row.after.missing:
            parts.append(Text(f"{named}: " + label("to_complete", lang).format(
                facts=", ".join(fact_name(n, schema, lang) for n in row.after.missing)),
                style="yellow"))
    parts.append(Text(label("unchanged", lang).format(n=w.unchanged), style="dim"))
    parts.append(Padding(_totals(w, lang), (1, 0, 0, 0)))
    return Group(*parts)


def short_title(rule: Rule, lang: str) -> str:
    """`ZZ-1 等级奖励`: the provision and its title up to the colon that details it."""
    title = re.split(r"[：:]", pick(rule.title, lang), maxsplit=1)[0]
    return f"{rule.provision} {title}".strip()


def _side(result: Result | None, lang: str) -> str:
    if result is None:
        return "—"
    mark, _ = STATUS_MARK[result.status]
    text = f"{mark} {inline(result.status, lang, short=True)}"
    if result.amount is not None:
        text += f" · {format_yuan(result.amount)}"
    elif result.range is not None:
        text += f" · {format_yuan(result.range.least.amount)} – " \
            f"{format_yuan(result.range.most.amount)}"
    start, end = result.period or (None, None)
    if start is not None:
        text += f" · {start.isoformat()}" + (f" – {end.isoformat()}" if end else "")
    applying = [c for c in result.components if c.applies]
    if applying and result.amount is None:
        text += " · " + label("items", lang, short=len(applying) == 1).format(n=len(applying))
    return text


def _signed(amount: Decimal | None, lang: str) -> str:
    if amount is None:
        return label("unknown", lang)
    if amount == 0:
        return "0.00"
    return ("+" if amount > 0 else "−") + format_yuan(abs(amount))


def _totals(w: WhatIf, lang: str) -> Table:
    table = Table(title=f"{label('totals', lang)} ({inline(ELIGIBLE, lang)})",
                  title_justify="left", show_edge=False)
    for key in ("payer", "before", "after", "difference"):
        table.add_column(inline(key, lang), justify="left" if key == "payer" else "right")
    (before, after, difference), by_payer = w.totals()
    labels = {p.payer: p.label for a in (w.before, w.after) for r in a.results for p in r.payers}
    for payer, (b, a, d) in by_payer.items():
        table.add_row(labels.get(payer, payer), format_yuan(b), format_yuan(a),
                      _signed(d, lang))
    table.add_row(inline("total", lang), format_yuan(before), format_yuan(after),
                  _signed(difference, lang), style="bold")
    return table
