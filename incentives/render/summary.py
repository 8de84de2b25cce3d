"""The batch summary as terminal tables: cash by payer and year, institutions by rule,
exemption institution-years."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Group
from rich.table import Table

from incentives.batch.summary import STATUSES, Summary
from incentives.model.money import format_yuan
from incentives.render.words import inline, open_awards


def render(summary: Summary) -> Any:
    """The summary as rich tables."""
    years = summary.years()
    cash = Table(title=f"Cash by payer and year of payment (as of {summary.as_of}); "
                       "certain, and what amounts left open may reach")
    cash.add_column(inline("payer", "en"))
    for year in years:
        cash.add_column(str(year), justify="right")
    cash.add_column(inline("total", "en"), justify="right")
    for key in summary.payers():
        row = summary.cash[key]
        cash.add_row(key[2], *(format_yuan(row.get(y, Decimal(0))) for y in years),
                     format_yuan(sum(row.values(), Decimal(0))))
    column_totals = [sum((summary.cash[k].get(y, Decimal(0)) for k in summary.cash), Decimal(0))
                     for y in years]
    cash.add_row(inline("total", "en"), *(format_yuan(t) for t in column_totals),
                 format_yuan(summary.total()), style="bold")
    if summary.total(possible=True) != summary.total():  # amounts left open by unknown facts
        most = [sum((summary.possible[k].get(y, Decimal(0)) for k in summary.possible),
                    Decimal(0)) for y in years]
        cash.add_row("possible, at most", *(format_yuan(t) for t in most),
                     format_yuan(summary.total(possible=True)), style="italic")
    if summary.unstated:  # never a figure: counted beside the sums
        cash.caption = open_awards(summary.unstated, "en")
    rules = Table(title="Institutions by rule")
    for name in ("rule", "kind", *STATUSES):
        rules.add_column(name, justify="left" if name in ("rule", "kind") else "right")
    for rule_id in sorted(summary.rules):
        counts = summary.rules[rule_id]
        rules.add_row(rule_id, summary.kinds[rule_id], *(f"{counts[s]:,}" for s in STATUSES))
    parts: list[Any] = [cash, rules]
    exempt = [r for r in sorted(summary.kinds) if summary.kinds[r] == "tax_exemption"]
    if exempt:
        ex_years = sorted({y for r in exempt for y in summary.exemption_years.get(r, {})})
        table = Table(title="Exemptions: institution-years by calendar year")
        table.add_column("rule")
        for ex_year in ex_years:
            table.add_column(str(ex_year), justify="right")
        table.add_column(inline("total", "en"), justify="right")
        table.add_column("open-ended", justify="right")
        for rule_id in exempt:
            counts_by_year = summary.exemption_years.get(rule_id, {})
            table.add_row(rule_id, *(f"{counts_by_year.get(y, 0):,}" for y in ex_years),
                          f"{sum(counts_by_year.values()):,}",
                          f"{summary.open_ended.get(rule_id, 0):,}")
        parts.append(table)
    return Group(*parts)
