"""Assessment -> a terminal report (rich): eligible, needs information, not eligible, totals.

Every line says what the institution gets (amount, payers, dates), or which condition
failed with the profile's actual value, or which facts are missing; each cites its
article and quotes its sentence.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text as RichText

from .engine import ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE, Assessment, Check, Result
from .facts import FactSchema
from .money import format_rate, format_yuan
from .params import ParamUse

SECTIONS = (
    (ELIGIBLE, "✓", "green", "Eligible 符合条件"),
    (NEEDS_INFO, "?", "yellow", "Needs information 需补充信息"),
    (NOT_ELIGIBLE, "✗", "red", "Not eligible 不符合条件"),
)
TIMING = {"on": "on", "on_or_after": "on or after", "no_later_than": "no later than"}
KIND = {
    "cash": "cash 资金奖励",
    "tax_exemption": "tax exemption 税收减免",
    "cap": "cap 上限",
    "deduction": "deduction 税前扣除",
    "eligibility_date": "earliest date 可申请日期",
    "procedure": "procedure 程序便利",
}


def render(assessment: Assessment, schema: FactSchema) -> RenderableType:
    """The whole report as one rich renderable."""
    parts: list[RenderableType] = [_header(assessment)]
    for status, mark, style, heading in SECTIONS:
        results = [r for r in assessment.results if r.status == status]
        if results:
            parts.append(RichText(f"\n{heading} ({len(results)})", style=f"bold {style}"))
            parts.extend(_result(r, mark, style, schema) for r in results)
    parts.append(_totals(assessment))
    parameters = _parameters(assessment)
    if parameters:
        parts.append(parameters)
    return Group(*parts)


def print_report(assessment: Assessment, schema: FactSchema, console: Console) -> None:
    console.print(render(assessment, schema))


def _header(assessment: Assessment) -> RenderableType:
    facts = assessment.profile.facts
    city = assessment.city
    where = f"{city.name_zh} {city.name_en}"
    if "district" in facts:
        where += f" · {facts['district']}"
    title = RichText(assessment.profile.name or "(unnamed institution)", style="bold")
    title.append(f"\n{where} · as of {assessment.as_of.isoformat()} · "
                 f"{len(assessment.results)} provisions", style="dim")
    return title


def _result(result: Result, mark: str, style: str, schema: FactSchema) -> RenderableType:
    rule = result.rule
    head = RichText(f"{mark} ", style=f"bold {style}")
    head.append(f"{rule.provision} " if rule.provision else "", style="bold")
    head.append(rule.title.zh, style="bold")
    head.append(f"  {rule.title.en}  ", style="")
    head.append(f"[{KIND[rule.kind]}]", style="dim")
    lines: list[RenderableType] = [head]
    body: list[RichText] = []
    if result.status == ELIGIBLE:
        body += _benefit_lines(result)
        body += _because_lines(result, schema)
    elif result.status == NEEDS_INFO:
        body += _missing_lines(result, schema)
    else:
        body += _failed_lines(result, schema)
    for cited in (result, *result.also):
        cite = RichText(f"{cited.rule.document} {cited.rule.article}: ", style="cyan")
        cite.append(f"“{cited.rule.quote}”", style="dim")
        if cited is not result:
            cite.append(f"  (also cited; on its own: {cited.status.replace('_', ' ')})",
                        style="italic dim")
        body.append(cite)
    body += [RichText(f"note: {note.en}", style="italic dim") for note in result.notes]
    lines.append(Padding(Group(*body), (0, 0, 0, 4)))
    return Group(*lines)


def _benefit_lines(result: Result) -> list[RichText]:
    lines = []
    if result.amount is not None:
        line = RichText(f"{format_yuan(result.amount)} 元", style="bold")
        if result.basis:
            line.append(f"  {result.basis.en}", style="")
        lines.append(line)
    if result.payers:
        lines.append(RichText("paid by: " + " · ".join(
            f"{p.label} {format_yuan(p.amount)} ({format_rate(p.share, 0)})"
            for p in result.payers)))
    for due in result.schedule:
        when = due.due.isoformat() if due.due else "date unknown"
        lines.append(RichText(f"{TIMING[due.timing]} {when}: {format_yuan(due.amount)} 元 — "
                              f"{due.label.en}"))
    if result.period:
        lines.append(RichText(_period_text(result)))
    for component in result.components:
        if component.applies is False:
            continue
        amount = f": up to {format_yuan(component.amount)} 元" if component.amount else ""
        maybe = " (may apply)" if component.applies is None else ""
        lines.append(RichText(f"• {component.label.zh} — {component.label.en}{amount}{maybe}"))
    if result.missing:
        lines.append(RichText("to complete the dates, give: " + ", ".join(result.missing),
                              style="yellow"))
    return lines


def _because_lines(result: Result, schema: FactSchema) -> list[RichText]:
    held = [c for c in result.checks if c.decisive and c.outcome and c.values.keys() - {"as_of"}]
    if not held:
        return []
    line = RichText("because: ", style="dim")
    for index, check in enumerate(held):
        values = ", ".join(f"{n} = {_value(n, v, schema)}" for n, v in check.values.items())
        line.append(("" if index == 0 else " · ") + f"{check.expr} ({values})", style="dim")
    return [line]


def _period_text(result: Result) -> str:
    start, end = result.period or (None, None)
    if result.rule.kind == "eligibility_date":
        return f"may apply from {start.isoformat()}" if start else "date unknown"
    first = start.isoformat() if start else "?"
    return f"period: {first} – {end.isoformat()} (last day included)" if end else \
        f"period: from {first}, no end date"


def _missing_lines(result: Result, schema: FactSchema) -> list[RichText]:
    names = [f"{name} ({schema[name].zh})" if name in schema else name for name in result.missing]
    lines = [RichText("give: " + ", ".join(names), style="yellow")]
    lines += [_check_line(c, schema) for c in result.checks if c.decisive and c.outcome is None]
    return lines


def _failed_lines(result: Result, schema: FactSchema) -> list[RichText]:
    return [_check_line(c, schema) for c in result.checks if c.decisive and c.outcome is False]


def _check_line(check: Check, schema: FactSchema) -> RichText:
    outcome = {True: "holds", False: "fails", None: "unknown"}[check.outcome]
    values = ", ".join(f"{name} = {_value(name, value, schema)}"
                       for name, value in check.values.items())
    line = RichText(f"{check.expr}", style="bold")
    line.append(f"  {outcome}")
    if values:
        line.append(f"  ({values})", style="dim")
    return line


def _value(name: str, value: Any, schema: FactSchema) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if name not in schema:  # a dated parameter: a rate
            return format_rate(value)
        return f"{format_yuan(value)} 元" if schema[name].type == "money" else f"{value:,f}"
    return str(value)


def _totals(assessment: Assessment) -> RenderableType:
    total, by_payer = assessment.cash_totals()
    table = Table(title="Cash totals 资金合计 (eligible)", title_justify="left", show_edge=False)
    table.add_column("payer 承担方")
    table.add_column("amount 金额 (元)", justify="right")
    labels = {p.payer: p.label for r in assessment.results for p in r.payers}
    for payer, amount in by_payer.items():
        table.add_row(labels.get(payer, payer), format_yuan(amount))
    table.add_row("total 合计", format_yuan(total), style="bold")
    return Padding(table, (1, 0, 0, 0))


def _parameters(assessment: Assessment) -> RenderableType | None:
    uses: dict[str, ParamUse] = {}
    for result in assessment.results:
        for use in result.parameters:
            uses.setdefault(use.name, use)
    if not uses:
        return None
    lines = [RichText("\nParameters used 参数", style="bold")]
    for use in uses.values():
        since = f" from {use.start.isoformat()}" if use.start else ""
        flag = " (overridden)" if use.overridden else ""
        lines.append(RichText(f"{use.name} = {format_rate(use.value)}{since}{flag} — {use.source}"))
        lines += [RichText(f"    {note}", style="dim") for note in use.notes]
    return Group(*lines)
