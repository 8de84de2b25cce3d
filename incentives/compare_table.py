"""Comparison -> a terminal table (rich): one row per benefit, one column per city."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text as RichText

from .compare import Comparison, summary_text
from .engine import ELIGIBLE, NEEDS_INFO, Result
from .money import format_yuan

STYLE = {ELIGIBLE: "green", NEEDS_INFO: "yellow"}


def summary(result: Result | None) -> RichText:
    """A result in a few words, coloured by its status."""
    if result is None:
        return RichText(summary_text(result), style="dim")
    return RichText(summary_text(result), style=STYLE.get(result.status, "red"))


def render_comparison(comparison: Comparison) -> RenderableType:
    cities = list(comparison.assessments)
    names = {c: comparison.assessments[c].city for c in cities}
    table = Table(title=f"What each city gives · as of {comparison.as_of.isoformat()}",
                  title_justify="left", show_lines=True)
    table.add_column("benefit 待遇")
    for city in cities:
        table.add_column(f"{names[city].name_zh} {names[city].name_en}")
    for row in comparison.rows:
        title = row.title.rule.title
        table.add_row(RichText(f"{title.zh}\n{title.en}"),
                      *(summary(row.results[city]) for city in cities))
    totals = comparison.cash_totals()
    table.add_row(RichText("cash total 资金合计", style="bold"),
                  *(RichText(f"{format_yuan(totals[c][0])} 元", style="bold") for c in cities))
    parts: list[RenderableType] = [table]
    for city, payers in ((c, totals[c][1]) for c in cities):
        if payers:
            labels = {p.payer: p.label for r in comparison.assessments[city].results
                      for p in r.payers}
            parts.append(RichText(f"{names[city].name_zh} cash by payer: " + " · ".join(
                f"{labels.get(p, p)} {format_yuan(a)}" for p, a in payers.items())))
    for city, rows in comparison.only_in().items():
        if rows:
            parts.append(RichText(f"Only in {names[city].name_zh} {names[city].name_en}: "
                                  + "; ".join(row.title.rule.title.en for row in rows),
                                  style="bold"))
    for city, facts in comparison.to_supply.items():
        if facts:
            parts.append(RichText(f"To compare fully in {names[city].name_zh}, give: "
                                  + ", ".join(facts) + " (the profile's is not in this city)",
                                  style="yellow"))
    return Group(*parts)
