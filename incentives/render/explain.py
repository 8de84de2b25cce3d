"""Explanations, the within-reach section of `check` and what-if comparisons, for a terminal.

Rendering only (rich): the figures come from explain.py, reach.py and whatif.py; the titles,
statuses and marks from words.py (these views write English, then Chinese).
"""

from __future__ import annotations

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
from incentives.render.document import decider_lines, open_texts, range_lines
from incentives.render.wording import number_text, reach_lines, value_text
from incentives.render.words import (
    MARK,
    STATUS_MARK,
    both,
    ended_text,
    inline,
    label,
    note_if,
    source_text,
    when_due,
    yuan_text,
)

AMOUNT_KINDS = ("cash", "cap", "deduction")


def render_explanation(e: Explanation, schema: FactSchema, params: frozenset[str]
                       ) -> RenderableType:
    """`incentives explain`: condition tree, parameters, amount, split, schedule, quote, notes."""
    rule, result = e.rule, e.result
    mark, style = STATUS_MARK[result.status]
    words = both(result.status, lower=True)
    head = Text(f"{rule.provision} " if rule.provision else "", style="bold")
    head.append(rule.title.zh, style="bold")
    head.append(f"  {rule.title.en}")
    who = f" · {e.institution}" if e.institution else ""
    head.append(f"\n{rule.id} · {rule.kind}{who} · as of {e.as_of.isoformat()}", style="dim")
    past = f" · {both('past', lower=True)}" if result.past else ""
    parts: list[RenderableType] = [head, Text(f"{mark} {words}{past}", style=f"bold {style}")]
    parts += _section(both("condition"), [_condition(e, schema, params)])
    parts += _section(both("parameters_section"), _parameters(e))
    parts += _section(both("amount"), _amount(e, schema))
    parts += _section(both("split"), _split(e))
    parts += _section(both("instalments"), _instalments(e))
    parts += _section(both("period"), _dates(e))
    parts += _section(both("components"), _components(e))
    if result.missing:
        parts += _section(both("to_settle"), [Text(", ".join(
            f"{name} ({schema[name].zh})" if name in schema else name for name in result.missing),
            style="yellow")])
    if e.reach is not None:
        parts += _section(both("within_reach"), [Text(line)
                                                 for line in reach_lines(e.reach.options, schema)])
    cites = []
    for quote in rule.quotes:
        cite = Text(f"{quote.document} {quote.article}: ", style="cyan")
        cite.append(f"“{quote.text}”")
        if quote.source is not None:
            cite.append(f"  ({source_text(quote.source, 'en')} · "
                        f"{source_text(quote.source, 'zh')})", style="dim")
        cites.append(cite)
    cites += [Text(f"{both('rests_on')}: {doc.id} {doc.title}", style="cyan")
              for doc in rule.unquoted]
    parts += _section(both("quote"), cites)
    notes = [Text(f"• {n.en}\n  {n.zh}") for n in result.notes]
    notes += [Text(f"• ({note_if(n.depends_on, 'en')}) {n.text.en}\n  "
                   f"（{note_if(n.depends_on, 'zh')}）{n.text.zh}") for n in result.open_notes]
    parts += _section(both("explain_notes"), notes)
    for other in e.also:
        parts += _section(f"{both('also_cites')} {other.rule.id}",
                          [Padding(render_explanation(other, schema, params), (0, 0, 0, 2))])
    return Group(*parts)


def _section(title: str, body: list[Any]) -> list[RenderableType]:
    if not body:
        return []
    return [Text(f"\n{title}", style="bold"), Padding(Group(*body), (0, 0, 0, 2))]


def _condition(e: Explanation, schema: FactSchema, params: frozenset[str]) -> RenderableType:
    lines: list[RenderableType] = []
    for check in e.dated:
        mark, style = MARK[check.outcome]
        lines.append(Text(f"{mark} {check.expr}", style=style))
    ended = e.result.ended
    if ended is not None:
        lines.append(Text(f"{ended.document} {ended_text(ended, 'en')} · "
                          f"{ended_text(ended, 'zh')}", style="red"))
    if e.in_force is not None and e.in_force.outcome is False and e.condition is not None:
        lines.append(Text("not in force on this date: the condition is shown for information",
                          style="dim"))
    if e.condition is None:
        lines.append(Text("no condition: applies to every institution in force", style="dim"))
    else:
        show_decisive = e.condition.outcome is not True
        tree = Tree(_node(e.condition, schema, params, show_decisive), guide_style="dim")
        _grow(tree, e.condition, schema, params, show_decisive)
        lines.append(tree)
    return Group(*lines)


def _grow(tree: Tree, step: Step, schema: FactSchema, params: frozenset[str], decisive: bool
          ) -> None:
    for child in step.children:
        _grow(tree.add(_node(child, schema, params, decisive)), child, schema, params, decisive)


def _node(step: Step, schema: FactSchema, params: frozenset[str], show_decisive: bool) -> Text:
    mark, style = MARK[step.outcome]
    line = Text(f"{mark} ", style=style)
    if step.op == "named" and step.label is not None:
        line.append(step.text, style="bold")
        line.append(f" ({step.label[1]})")
        line.append(f" → {_outcome(step.outcome)}", style=style)
        return line
    if step.op != "leaf":
        line.append(label(step.op, "en"), style="bold")
        line.append(f" → {_outcome(step.outcome)}", style=style)
        return line
    line.append(step.text, style="bold")
    line.append(f" → {_outcome(step.outcome)}", style=style)
    if step.values:
        shown = ", ".join(f"{name} = {_fact_value(name, value, schema, params)}"
                          for name, value in step.values.items())
        line.append(f"  ({shown})", style="dim")
    if show_decisive and step.decisive:
        line.append("  ← decisive", style="italic")
    return line


def _outcome(outcome: bool | None) -> str:
    return {True: "true", False: "false", None: "unknown"}[outcome]


def _fact_value(name: str, value: Any, schema: FactSchema, params: frozenset[str]) -> str:
    if name in params and isinstance(value, Decimal):
        return format_rate(value)
    return value_text(name, value, schema)


def _parameters(e: Explanation) -> list[Text]:
    if not e.parameters:
        return [Text("none: this rule uses no dated parameter", style="dim")]
    lines = []
    for use in e.parameters:
        since = f", in force from {use.start.isoformat()}" if use.start else ""
        flag = " (overridden with --param)" if use.overridden else ""
        line = Text(f"{use.name} = {format_rate(use.value)}{since}{flag}", style="bold")
        line.append(f" — source: {use.source}")
        if not e.parameters_used:
            line.append(" (not used: the rule does not apply)", style="dim")
        lines.append(line)
        lines += [Text(f"  {note}", style="dim") for note in use.notes]
    return lines


def _amount(e: Explanation, schema: FactSchema) -> list[Text]:
    lines = []
    undecided = False  # an earlier case whose condition is unknown
    for number, case in enumerate(e.cases, 1):
        lines += _case(number, case, len(e.cases), undecided)
        undecided = undecided or (case.when is not None and case.when.outcome is None)
    if e.result.amount is not None and e.cases:
        lines.append(Text(f"amount = {yuan_text(e.result.amount)}", style="bold"))
    elif e.result.range is not None:  # open, but bounded: its least, most and deciders
        lines += [Text(range_lines(e.result, schema, "en")[0], style="bold"),
                  *(Text(line, style="yellow") for line in decider_lines(e.result, schema, "en"))]
    elif e.cases:
        lines.append(Text("amount unknown: give " + ", ".join(e.result.missing), style="yellow"))
    if e.result.open is not None:  # cash the text grants without a figure
        lines.append(Text(f"{label('amount_open', 'en')} · {label('amount_open', 'zh')}: "
                          f"{e.result.open.text.en} · {e.result.open.text.zh}", style="bold"))
        lines += [Text(line) for line in open_texts(e.result, "en")[1:]]
    return lines


def _case(number: int, case: CaseWorking, count: int, undecided: bool) -> list[Text]:
    label = f" — {case.label.en}" if case.label else ""
    if not case.reached:
        why = "applies if the cases above do not" if undecided else "an earlier case applies"
        return [Text(f"case {number}{label}: not reached ({why})", style="dim")]
    if case.when is None:
        head = "otherwise" if count > 1 else "the amount"
        line = Text(f"case {number} ({head}){label}", style="bold" if case.chosen else "dim")
    else:
        mark, style = MARK[case.when.outcome]
        line = Text(f"case {number}: ", style="bold" if case.chosen else "")
        line.append(f"{mark} {case.when.text}", style=style)
        line.append(f"{label}{' — used' if case.chosen else ''}")
    lines = [line]
    held = [leaf for leaf in case.when.leaves() if leaf.decisive and leaf.outcome] if (
        case.when is not None and case.chosen) else []
    if held:
        lines.append(Text("    because " + " · ".join(
            f"{leaf.text} ({', '.join(f'{n} = {v}' for n, v in leaf.values.items())})"
            for leaf in held), style="dim"))
    lines += [Text(f"    {calc_text(calc)}") for calc in case.steps]
    if case.value is not None and to_fen(case.value) != case.value:
        lines.append(Text(f"    rounded to the fen: {format_yuan(case.value)}"))
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


def _split(e: Explanation) -> list[Text]:
    payers = e.result.payers
    if not payers or e.result.amount is None:
        return []
    parts = " / ".join(f"{p.label} {format_rate(p.share, 0)} {format_yuan(p.amount)}"
                       for p in payers)
    return [Text(f"{format_yuan(e.result.amount)} split {e.shares}: {parts}")]


def _instalments(e: Explanation) -> list[Text]:
    lines = []
    for d in e.instalments:
        when = when_due(d.timing, d.due, d.until, "en") if d.due else \
            f"{label(d.timing, 'en')} date unknown"
        base = _base_text(d.base_fact, d.base, d.offset)
        payers = " / ".join(f"{p.label} {format_yuan(p.amount)}" for p in d.payers)
        lines.append(Text(f"{format_rate(d.share, 0)} {when} ({base}): "
                          f"{format_yuan(d.amount)} ({payers}) — {d.label.en}"))
    return lines


def _base_text(fact: str | None, base: date | None, offset: str) -> str:
    name = fact or "effective_from"
    value = base.isoformat() if base else "unknown"
    return f"{name} {value}{' ' + offset if offset else ''}"


def _dates(e: Explanation) -> list[Text]:
    d = e.dates
    if d is None:
        return []
    base = _base_text(d.base_fact, d.base, d.offset)
    start = d.start.isoformat() if d.start else "unknown"
    if e.rule.kind == "eligibility_date":
        return [Text(f"{inline('may_apply_from', 'en')} {start} ({base})")]
    end = f"{d.end.isoformat()} ({label('last_day_included', 'en')})" if d.end else \
        label("no_end", "en")
    return [Text(f"{start} – {end}; from {base}")]


def _components(e: Explanation) -> list[Text]:
    lines = []
    for c in e.components:
        mark, style = MARK[c.applies]
        line = Text(f"{mark} {c.label.zh} — {c.label.en}", style=style)
        if c.when is not None:
            line.append(f"  (when {c.when.text})", style="dim")
        lines.append(line)
        lines += [Text(f"    {calc_text(calc)}") for calc in c.steps]
    amounts = [c.amount for c in e.components if c.applies and c.amount is not None]
    if amounts and e.result.amount is not None and not e.cases:
        added = " + ".join(format_yuan(a) for a in amounts)
        lines.append(Text(f"total: {added} = {yuan_text(e.result.amount)}", style="bold"))
    return lines


def render_reach(reaches: list[Reach], schema: FactSchema) -> RenderableType:
    """The "within reach" section of the `check` report."""
    parts: list[RenderableType] = [Text(f"\n{both('within_reach_check')} ({len(reaches)})",
                                        style="bold magenta")]
    for reach in reaches:
        rule = reach.result.rule
        head = Text("✦ ", style="bold magenta")
        head.append(f"{rule.provision} {rule.title.zh}".strip(), style="bold")
        head.append(f"  {rule.title.en}")
        lines = [Text(line) for line in reach_lines(reach.options, schema)]
        parts += [head, Padding(Group(*lines), (0, 0, 0, 4))]
    return Group(*parts)


def render_whatif(w: WhatIf, schema: FactSchema) -> RenderableType:
    """`incentives whatif`: the changes, the rules whose outcome changed, the cash totals."""
    title = Text(f"{both('what_if')}:", style="bold")
    for c in w.changes:
        title.append(f"\n  {c.fact} = {value_text(c.fact, c.after, schema)} "
                     f"(was {value_text(c.fact, c.before, schema)})")
    if not w.changes:
        title.append(" no fact changes")
    name = w.before.profile.name or label("unnamed", "en")
    title.append(f"\n{name} · as of {w.before.as_of.isoformat()}", style="dim")
    table = Table(show_edge=False, title_justify="left", title=both("rules_that_change"))
    table.add_column("rule", no_wrap=True)
    table.add_column(both("before", lower=True))
    table.add_column(both("after", lower=True))
    table.add_column(both("difference", lower=True), justify="right")
    for row in w.rows:
        rule = row.result.rule
        difference = _signed(row.difference) if rule.kind in AMOUNT_KINDS else "—"
        table.add_row(f"{rule.provision} {rule.id}".strip(), _side(row.before),
                      _side(row.after), difference)
    parts: list[RenderableType] = [title]
    parts.append(Padding(table, (1, 0, 0, 0)) if w.rows else Text("\nNothing changes."))
    for row in w.rows:
        gained, lost = row.items()
        parts += [Text(f"{row.result.rule.id}: {sign} {item.zh} — {item.en}")
                  for sign, items in (("+", gained), ("−", lost)) for item in items]
        if row.after is not None and row.after.missing:
            parts.append(Text(f"{row.result.rule.id}: to complete it, give "
                              + ", ".join(row.after.missing), style="yellow"))
    parts.append(Text(f"{w.unchanged} other provisions unchanged.", style="dim"))
    parts.append(Padding(_totals(w), (1, 0, 0, 0)))
    return Group(*parts)


def _side(result: Result | None) -> str:
    if result is None:
        return "—"
    mark, _ = STATUS_MARK[result.status]
    text = f"{mark} {inline(result.status, 'en', short=True)}"
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
        text += f" · {len(applying)} item{'s' if len(applying) != 1 else ''}"
    return text


def _signed(amount: Decimal | None) -> str:
    if amount is None:
        return "unknown"
    if amount == 0:
        return "0.00"
    return ("+" if amount > 0 else "−") + format_yuan(abs(amount))


def _totals(w: WhatIf) -> Table:
    table = Table(title=f"{both('totals')} ({inline(ELIGIBLE, 'en')})", title_justify="left",
                  show_edge=False)
    for key in ("payer", "before", "after", "difference"):
        table.add_column(both(key, lower=True), justify="left" if key == "payer" else "right")
    (before, after, difference), by_payer = w.totals()
    labels = {p.payer: p.label for a in (w.before, w.after) for r in a.results for p in r.payers}
    for payer, (b, a, d) in by_payer.items():
        table.add_row(labels.get(payer, payer), format_yuan(b), format_yuan(a), _signed(d))
    table.add_row(both("total", lower=True), format_yuan(before), format_yuan(after),
                  _signed(difference), style="bold")
    return table
