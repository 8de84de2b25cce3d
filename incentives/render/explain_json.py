"""Explanations and what-if comparisons as plain JSON-ready dicts.

The same conventions as the `check` contract (report.py): amounts are strings in yuan with
two decimals, other numbers plain strings, dates ISO, texts {zh, en}. No terminal code.
"""

from __future__ import annotations

from typing import Any

from incentives.assessment.explain import Explanation
from incentives.assessment.whatif import RowChange, WhatIf
from incentives.model.conditions import Calc
from incentives.model.facts import FactSchema
from incentives.model.jsonable import day, money, plain, step_to_dict, text
from incentives.model.params import ParamUse
from incentives.model.result import Result
from incentives.render.json import ended_to_dict, quote_to_dict
from incentives.render.reach_json import change_to_dict, option_to_dict, payment_to_dict


def calc_to_dict(calc: Calc) -> dict[str, Any]:
    return {"expr": calc.text, "op": calc.op, "value": plain(calc.value),
            "operands": [{"expr": o.text, "value": plain(o.value), "kind": o.kind}
                         for o in calc.operands]}


def _param(use: ParamUse) -> dict[str, Any]:
    return {"name": use.name, "value": plain(use.value),
            "from": day(use.start), "source": use.source,
            "overridden": use.overridden, "notes": list(use.notes)}


def explanation_to_dict(e: Explanation, schema: FactSchema) -> dict[str, Any]:
    """Everything `explain --format json` prints for one rule."""
    rule, result = e.rule, e.result
    return {
        "rule": rule.id,
        "title": text(rule.title),
        "kind": rule.kind,
        "status": result.status,
        "as_of": e.as_of.isoformat(),
        "institution": e.institution or None,
        "in_force": e.in_force.outcome if e.in_force else None,
        "ended": ended_to_dict(e.result.ended),
        "dated_checks": [{"expr": c.expr, "outcome": c.outcome} for c in e.dated],
        "condition": step_to_dict(e.condition) if e.condition else None,
        "parameters": [dict(_param(use), used=e.parameters_used) for use in e.parameters],
        "amount": {
            "cases": [{"label": text(c.label), "when": step_to_dict(c.when) if c.when else None,
                       "reached": c.reached, "chosen": c.chosen,
                       "steps": [calc_to_dict(s) for s in c.steps], "value": plain(c.value)}
                      for c in e.cases],
            "value": money(result.amount),
            "basis": text(result.basis),
        },
        "split": {"shares": e.shares or None,
                  "payers": [payment_to_dict(p) for p in result.payers]},
        "schedule": [{"share": plain(d.share), "timing": d.timing, "label": text(d.label),
                      "from": d.base_fact, "base": plain(d.base), "offset": d.offset,
                      "due": plain(d.due), "until": plain(d.until), "amount": money(d.amount),
                      "payers": [payment_to_dict(p) for p in d.payers]} for d in e.instalments],
        "unstated_amount": text(result.open.text) if result.open is not None else None,
        "components": [{"label": text(c.label), "applies": c.applies,
                        "when": step_to_dict(c.when) if c.when else None,
                        "steps": [calc_to_dict(s) for s in c.steps], "amount": money(c.amount)}
                       for c in e.components],
        "period": None if e.dates is None else {
            "from": e.dates.base_fact, "base": plain(e.dates.base), "offset": e.dates.offset,
            "start": plain(e.dates.start), "end": plain(e.dates.end)},
        "citation": {"document": rule.document, "article": rule.article, "quote": rule.quote},
        "quotes": [quote_to_dict(quote) for quote in rule.quotes],
        "notes": [text(note) for note in result.notes],
        "notes_if": [{"note": text(note.text), "depends_on": note.depends_on}
                     for note in result.open_notes],
        "missing": result.missing,
        "within_reach": [option_to_dict(o, schema) for o in e.reach.options] if e.reach else [],
        "also": [explanation_to_dict(other, schema) for other in e.also],
    }


def _side(result: Result | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"status": result.status, "amount": money(result.amount),
            "payers": [payment_to_dict(p) for p in result.payers],
            "schedule": [{"due": plain(d.due), "amount": money(d.amount)}
                         for d in result.schedule],
            "period": None if result.period is None else [plain(d) for d in result.period],
            "missing": result.missing}


def _row(row: RowChange) -> dict[str, Any]:
    rule = row.result.rule
    return {"rule": rule.id, "title": text(rule.title), "kind": rule.kind,
            "before": _side(row.before), "after": _side(row.after),
            "difference": money(row.difference)}


def whatif_to_dict(w: WhatIf) -> dict[str, Any]:
    """Everything `whatif --format json` prints."""
    (total_before, total_after, total_diff), by_payer = w.totals()
    return {
        "as_of": w.before.as_of.isoformat(),
        "city": w.after.city.id,
        "changes": [change_to_dict(c) for c in w.changes],
        "results": [_row(row) for row in w.rows],
        "unchanged": w.unchanged,
        "totals": {
            "before": {"cash": money(total_before),
                       "by_payer": {p: money(v[0]) for p, v in by_payer.items()}},
            "after": {"cash": money(total_after),
                      "by_payer": {p: money(v[1]) for p, v in by_payer.items()}},
            "difference": {"cash": money(total_diff),
                           "by_payer": {p: money(v[2]) for p, v in by_payer.items()}},
        },
    }
