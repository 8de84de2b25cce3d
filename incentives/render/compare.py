"""Comparison -> a terminal table (rich): one row per benefit, one column per city, then
each city's cash by payer, what only one city gives and the facts to supply."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text as RichText

from incentives.assessment.compare import Comparison
from incentives.model.facts import FactSchema
from incentives.model.money import format_yuan
from incentives.model.result import ELIGIBLE, NEEDS_INFO, Result
from incentives.render.sentences import fact_name
from incentives.render.wording import summary_text
from incentives.render.words import STATUS_MARK, city_name, label, pick, yuan_text

STYLE = {status: STATUS_MARK[status][1] for status in (ELIGIBLE, NEEDS_INFO)}


def summary(result: Result | None, schema: FactSchema, lang: str) -> RichText:
    """A result in a few words, coloured by its status."""
    style = "dim" if result is None else STYLE.get(result.status, "red")
    return RichText(summary_text(result, schema, lang), style=style)


def render_comparison(comparison: Comparison, schema: FactSchema, lang: str = "en"
                      ) -> RenderableType:
    cities = list(comparison.assessments)
    names = {c: city_name(comparison.assessments[c].city, lang) for c in cities}
    table = Table(title=f"{label('compare_title', lang)} · {label('as_of', lang)} "
                        f"{comparison.as_of.isoformat()}", title_justify="left", show_lines=True)
    table.add_column(label("benefit", lang))
    for city in cities:
        table.add_column(names[city])
    for row in comparison.rows:
        table.add_row(RichText(pick(row.title.rule.title, lang)),
                      *(summary(row.results[city], schema, lang) for city in cities))
    totals = comparison.cash_totals()
    table.add_row(RichText(label("totals", lang), style="bold"),
                  *(RichText(yuan_text(totals[c][0]), style="bold") for c in cities))
    parts: list[RenderableType] = [table]
    for city, payers in ((c, totals[c][1]) for c in cities):
        if payers:
            labels = {p.payer: p.label for r in comparison.assessments[city].results
                      for p in r.payers}
            parts.append(RichText(f"{names[city]} {label('cash_by_payer', lang)}: "
                                  + " · ".join(f"{labels.get(p, p)} {format_yuan(a)}"
                                               for p, a in payers.items())))
    for city, rows in comparison.only_in().items():
        if rows:
            parts.append(RichText(f"{label('only_in', lang)} — {names[city]}: "
                                  + "; ".join(pick(row.title.rule.title, lang) for row in rows),
                                  style="bold"))
    for city, facts in comparison.to_supply.items():
        if facts:
            parts.append(RichText(f"{label('to_supply', lang)} — {names[city]}: " + ", ".join(
                f"{fact_name(f, schema, lang)} [{f}]" for f in facts), style="yellow"))
    return Group(*parts)
