"""Assessment -> the JSON contract of DESIGN.md (plain data, no terminal code).

Key order is fixed by construction, amounts are strings with two decimals, dates ISO.
The table report lives in `table.py`, so that JSON output never imports rich.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from incentives.assessment.timeline import Event, cash_by_year, savings_by_year, timeline
from incentives.model.jsonable import day, dumps, money, plain, step_to_dict, text
from incentives.model.params import ParamUse
from incentives.model.place import Document, DocumentEnd
from incentives.model.result import (
    Assessment,
    Check,
    ComponentResult,
    Due,
    OpenAmount,
    OpenDue,
    OpenShare,
    Payment,
    Ranged,
    Result,
    SavingEstimate,
)
from incentives.model.rule import Quote
from incentives.render.words import ended_text, open_awards

if TYPE_CHECKING:  # `check` never compares: not imported at its start-up
    from incentives.assessment.compare import Comparison


def assessment_to_dict(assessment: Assessment) -> dict[str, Any]:
    """The public JSON contract: as_of, city, results, totals (plus institution, parameters)."""
    total, by_payer = assessment.cash_totals()
    return {
        "as_of": assessment.as_of.isoformat(),
        "city": assessment.city.id,
        "institution": assessment.profile.name or None,
        "results": [result_to_dict(result) for result in assessment.results],
        "totals": {
            "cash": money(total),
            "by_payer": {payer: money(amount) for payer, amount in by_payer.items()},
            "certain": _totals(assessment, most=False),
            "possible": _totals(assessment, most=True),
            "to_come": _to_come(assessment, most=False),
            "to_come_possible": _to_come(assessment, most=True),
            "unstated": _unstated(assessment),
        },
        "parameters": _parameters(assessment),
        "timeline": [_event(event) for event in timeline(assessment)],
        "by_year": {
            "cash": _by_year(assessment, most=False),
            "cash_possible": _by_year(assessment, most=True),
            "tax_saved_estimate": {str(year): money(amount)
                                   for year, amount in savings_by_year(assessment).items()},
        },
        "assumptions": [p for p in _parameters(assessment) if p["assumed"] or p["overridden"]],
    }


def _unstated(assessment: Assessment) -> dict[str, Any]:
    """The eligible awards of an amount the text leaves open: counted, never summed."""
    count = assessment.open_amounts()
    return {"count": count,
            "text": {lang: open_awards(count, lang) for lang in ("zh", "en")} if count else None}


def _totals(assessment: Assessment, most: bool) -> dict[str, Any]:
    """The eligible cash sure to be paid (a range at its least), or that may be (at its most)."""
    total, by_payer = assessment.cash_totals(most)
    return {"cash": money(total),
            "by_payer": {payer: money(amount) for payer, amount in by_payer.items()}}


def _to_come(assessment: Assessment, most: bool) -> dict[str, Any]:
    """The eligible cash not yet due (or not yet dated): what is still to come."""
    total, by_payer = assessment.cash_to_come(most)
    return {"cash": money(total),
            "by_payer": {payer: money(amount) for payer, amount in by_payer.items()}}


def _by_year(assessment: Assessment, most: bool) -> dict[str, Any]:
    return {str(year): {**{p: money(a) for p, a in payers.items()},
                        "total": money(sum(payers.values(), Decimal(0)))}
            for year, payers in cash_by_year(assessment, most).items()}


def _event(event: Event) -> dict[str, Any]:
    return {"date": event.day.isoformat(), "what": event.what, "rule": event.rule,
            "label": text(event.label), "amount": money(event.amount), "past": event.past,
            "payers": [_payment(p) for p in event.payers]}


def _saving(estimate: SavingEstimate) -> dict[str, Any]:
    return {"label": text(estimate.label), "per_year": money(estimate.per_year),
            "by_year": {str(y): money(a) for y, a in estimate.by_year.items()},
            "total": money(estimate.total), "missing": estimate.missing, "estimate": True}


def result_to_dict(result: Result) -> dict[str, Any]:
    rule = result.rule
    return {
        "rule": rule.id,
        "status": result.status,
        "kind": rule.kind,
        "amount": money(result.amount),
        "payers": ([_payment(p) for p in result.payers] if result.open is None
                   else [_open_share(p) for p in result.open.payers]),
        "schedule": ([_due(d) for d in result.schedule] if result.open is None
                     else [_open_due(d, result.open) for d in result.open.schedule]),
        "period": _period(result.period),
        "conditions": [_check(c) for c in result.checks],
        "citation": {"document": rule.document, "article": rule.article, "quote": rule.quote},
        "notes": [note.en for note in result.notes],
        "title": text(rule.title),
        "provision": rule.provision or None,
        "basis": text(result.basis) if result.basis else None,
        "components": [_component(c) for c in result.components],
        "missing": result.missing,
        "parameters": [param_to_dict(p) for p in result.parameters],
        "notes_zh": [note.zh for note in result.notes],
        "also_cites": [_also(other) for other in result.also],
        "savings": [_saving(estimate) for estimate in result.savings],
        "range": _range(result.range),
        "past": result.past,
        "if_earlier_events_counted": None if result.if_counted is None else {
            "status": result.if_counted.status, "amount": money(result.if_counted.amount)},
        "notes_if": [{"note": text(note.text), "depends_on": note.depends_on}
                     for note in result.open_notes],
        "trace": step_to_dict(result.trace) if result.trace is not None else None,
        "documents": [_document(doc) for doc in rule.cited],
        "quotes": [quote_to_dict(quote) for quote in rule.quotes],
        "ended": ended_to_dict(result.ended),
        "amount_unstated": result.open is not None,
        "unstated_amount": text(result.open.text) if result.open is not None else None,
    }


def _open_share(share: OpenShare) -> dict[str, Any]:
    """A payer of cash whose amount is left open: as a payment, its amount null."""
    return {"payer": share.payer, "amount": None, "label": share.label,
            "share": plain(share.share)}


def _open_due(due: OpenDue, open_amount: OpenAmount) -> dict[str, Any]:
    return {"due": day(due.due), "until": day(due.until), "amount": None, "timing": due.timing,
            "label": text(due.label),
            "share": plain(due.share),
            "payers": [_open_share(share) for share in open_amount.payers]}


def _document(doc: Document) -> dict[str, Any]:
    """A cited document and the days it is in force (null: no end given)."""
    end = doc.end()
    return {"id": doc.id, "title": doc.title, "issued_by": doc.issued_by or None,
            "signed_on": doc.signed_on or None, "effective_from": day(doc.effective_from),
            "in_force_to": day(end.last_day) if end else None,
            "valid_for": _valid_for(doc.valid_for), "repealed_on": day(doc.repealed_on),
            "repealed_by": doc.repealed_by or None}


def quote_to_dict(quote: Quote) -> dict[str, Any]:
    """A quote, its document and article, and where it was read: `official` true for the
    document's own text, else the report (`source`) with its date."""
    source = quote.source
    return {"text": quote.text, "document": quote.document, "article": quote.article,
            "official": source is None,
            "source": None if source is None else {
                "report": source.report, "published_on": day(source.published_on),
                "url": source.url or None}}


def _valid_for(counts: tuple[int, int, int] | None) -> dict[str, int] | None:
    if counts is None:
        return None
    return {unit: n for unit, n in zip(("years", "months", "days"), counts, strict=True) if n}


def ended_to_dict(end: DocumentEnd | None) -> dict[str, Any] | None:
    """Why a rule no longer applies: a cited document repealed or lapsed before the date."""
    if end is None:
        return None
    return {"document": end.document, "how": end.how, "last_day": day(end.last_day),
            "repealed_on": day(end.repealed_on), "repealed_by": end.repealed_by or None,
            "valid_for": _valid_for(end.valid_for),
            "text": {lang: ended_text(end, lang) for lang in ("zh", "en")}}


def _range(ranged: Ranged | None) -> dict[str, Any] | None:
    """An eligible amount the unknown facts leave open: its least and most, each payer's
    and each instalment's, and what each answer to a deciding fact gives."""
    if ranged is None:
        return None
    least, most = ranged.least, ranged.most
    return {
        "least": money(least.amount),
        "most": money(most.amount),
        "payers": [{"payer": low.payer, "label": low.label, "least": money(low.amount),
                    "most": money(high.amount)}
                   for low, high in zip(least.payers, most.payers, strict=True)],
        "schedule": [{"due": day(low.due), "timing": low.timing, "label": text(low.label),
                      "least": money(low.amount), "most": money(high.amount)}
                     for low, high in zip(least.schedule, most.schedule, strict=True)],
        "decided_by": [{"fact": decider.fact,
                        "answers": [{"value": plain(answer.value), "least": money(answer.least),
                                     "most": money(answer.most)}
                                    for answer in decider.answers]}
                       for decider in ranged.deciders],
    }


def _also(other: Result) -> dict[str, Any]:
    rule = other.rule
    return {"rule": rule.id, "status": other.status, "document": rule.document,
            "article": rule.article, "quote": rule.quote}


def comparison_to_dict(comparison: Comparison) -> dict[str, Any]:
    """Each city's assessment, the benefits lined up by topic, and what only one city gives."""
    return {
        "as_of": comparison.as_of.isoformat(),
        "cities": list(comparison.assessments),
        "assessments": {c: assessment_to_dict(a) for c, a in comparison.assessments.items()},
        "rows": [
            {"topic": row.topic,
             "title": text(row.title.rule.title),
             "results": {c: (result_to_dict(r) if r else None) for c, r in row.results.items()}}
            for row in comparison.rows
        ],
        "only_in": {c: [row.topic for row in rows] for c, rows in comparison.only_in().items()},
        "facts_to_supply": comparison.to_supply,
    }


def to_json(assessment: Assessment) -> str:
    return dumps(assessment_to_dict(assessment), indent=2)


def param_to_dict(use: ParamUse) -> dict[str, Any]:
    return {
        "name": use.name,
        "value": plain(use.value),
        "from": day(use.start),
        "source": use.source,
        "overridden": use.overridden,
        "assumed": use.assumed,
        "notes": list(use.notes),
    }


def _parameters(assessment: Assessment) -> list[dict[str, Any]]:
    seen: dict[str, ParamUse] = {}
    for result in assessment.results:
        for use in result.parameters:
            seen.setdefault(use.name, use)
    return [param_to_dict(use) for use in seen.values()]








def _payment(payment: Payment) -> dict[str, Any]:
    return {"payer": payment.payer, "amount": money(payment.amount), "label": payment.label,
            "share": plain(payment.share)}


def _due(due: Due) -> dict[str, Any]:
    return {
        "due": day(due.due),
        "until": day(due.until),
        "amount": money(due.amount),
        "timing": due.timing,
        "label": text(due.label),
        "payers": [_payment(p) for p in due.payers],
    }


def _period(period: tuple[date | None, date | None] | None) -> dict[str, Any] | None:
    if period is None:
        return None
    start, end = period
    return {"start": day(start), "end": day(end)}


def _check(check: Check) -> dict[str, Any]:
    return {
        "expr": check.expr,
        "values": {name: plain(value) for name, value in check.values.items()},
        "outcome": check.outcome,
        "decisive": check.decisive,
    }


def _component(component: ComponentResult) -> dict[str, Any]:
    return {
        "label": text(component.label),
        "applies": component.applies,
        "amount": money(component.amount),
    }
