"""Within-reach options as plain JSON-ready dicts: the `within_reach` key of `check`.

Kept apart from the explain and what-if dicts so that `check --format json` imports only
this. Amounts are strings in yuan with two decimals, other numbers exact strings, dates ISO.
"""

from __future__ import annotations

from typing import Any

from incentives.assessment.reach import Change, Option, Reach
from incentives.model.facts import FactSchema
from incentives.model.jsonable import money, plain, text
from incentives.model.result import Payment
from incentives.render.wording import option_text


def payment_to_dict(payment: Payment) -> dict[str, Any]:
    return {"payer": payment.payer, "label": payment.label, "share": plain(payment.share),
            "amount": money(payment.amount)}


def change_to_dict(change: Change) -> dict[str, Any]:
    return {"fact": change.fact, "from": plain(change.before), "to": plain(change.after),
            "difference": plain(change.difference)}


def option_to_dict(option: Option, schema: FactSchema) -> dict[str, Any]:
    result = option.result
    return {
        "changes": [change_to_dict(c) for c in option.changes],
        "status": result.status,
        "amount": money(result.amount),
        "basis": text(result.basis),
        "payers": [payment_to_dict(p) for p in result.payers],
        "period": None if result.period is None else [plain(d) for d in result.period],
        "missing": result.missing,
        "text": option_text(option, schema),
    }


def reach_to_dict(reaches: list[Reach], schema: FactSchema) -> list[dict[str, Any]]:
    """The `within_reach` key of `check --format json`."""
    return [{"rule": r.result.rule.id, "title": text(r.result.rule.title),
             "kind": r.result.rule.kind,
             "options": [option_to_dict(o, schema) for o in r.options]} for r in reaches]


