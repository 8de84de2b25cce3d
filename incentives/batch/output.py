"""What `incentives batch` writes for each institution: one row per result, or one per
institution with its totals; as CSV or JSON Lines.

Shapes (the `row` column is the input's 1-based data row; kept columns follow it):

- per result (the default): one row per institution per result, in the order `incentives
  check` reports them. CSV columns: row, [kept], name, city, district, rule, status, kind,
  amount, amount_least and amount_most (an eligible amount the unknown facts leave open:
  amount is empty, these give the least and the most it can be), paid_<payer> for each
  payer the rules use (city, district, …), period_start, period_end (the last day
  included; for an `eligibility_date` result period_start is the earliest day to apply),
  schedule (`2025-04-28 519000.00; 2027-04-28 519000.00`, a due
  date `undated` while a fact is missing), missing (facts that would settle it, `;`-joined).
  JSON Lines: the same keys, with `payers`, `schedule` and `period` as in the JSON contract
  of `incentives check`.
- per institution (`--per-institution`): one row per institution. CSV columns: row,
  [kept], name, city, district, cash (the eligible cash sure to be paid, as `totals.cash`:
  an open amount at its least), cash_possible (an open amount at its most), cash_<payer>,
  eligible, needs_info (the rule ids, `;`-joined), missing. JSON Lines: row, [kept], name,
  city, district, `totals` and every result as above under `results`.

Money is a string in yuan with two decimals, dates are ISO; nothing is a float.

A CSV text cell that starts like a spreadsheet formula (=, +, -, @, a tab or a carriage
return: a name, an id, an echoed input, a problem) is written with a leading `'`, as
OWASP advises against formula injection, so a spreadsheet shows it as text and never runs
it; a plain number such as -5 is left as it is. JSON Lines values are never changed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date
from typing import IO, Any

from incentives.load.rulebook import RuleBook
from incentives.model.jsonable import day, dumps, money
from incentives.model.result import ELIGIBLE, NEEDS_INFO, Assessment, Result
from incentives.model.rule import PAYERS

_FORMULA = frozenset("=+-@\t\r")  # what a spreadsheet may take a cell starting with as a formula
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def defused(text: str) -> str:
    """A CSV text cell as a spreadsheet will show it, never run it: `'` before one that
    starts like a formula, unless it is a plain number (-5, +1.5)."""
    if text[:1] in _FORMULA and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _cells(cells: Iterable[Any]) -> list[Any]:
    return [defused(cell) if isinstance(cell, str) else cell for cell in cells]


def payers_in(book: RuleBook) -> list[str]:
    """The payers any loaded rule names, in the order of rule.PAYERS."""
    named = {payer for rules in book.rules.values() for rule in rules for payer, _ in rule.payers}
    return [payer for payer in PAYERS if payer in named] + sorted(named - set(PAYERS))


def unstated_in(book: RuleBook) -> bool:
    """Whether any loaded rule leaves its cash amount open: the CSV output then has a
    column saying which results (and how many per institution) are of such an amount."""
    return any(rule.unstated is not None for rule in book.all_rules())


UNSTATED = "unstated"  # a schedule cell's amount, where the text leaves it open


def result_record(result: Result) -> dict[str, Any]:
    """One result as plain data, keys and formats as in `incentives check --format json`."""
    period = result.period
    return {
        "rule": result.rule.id,
        "status": result.status,
        "kind": result.rule.kind,
        "amount": money(result.amount),
        "range": None if result.range is None else {
            "least": money(result.range.least.amount), "most": money(result.range.most.amount)},
        "payers": _payers(result),
        "schedule": _schedule(result),
        "period": None if period is None else {
            "start": day(period[0]),
            "end": day(period[1]),
        },
        "missing": list(result.missing),
        "amount_unstated": _open(result),
    }


def _payers(result: Result) -> list[dict[str, Any]]:
    """Each payer's part; of an amount the text leaves open, each payer with none."""
    if result.open is not None:
        return [{"payer": p.payer, "label": p.label, "amount": None} for p in result.open.payers]
    return [{"payer": p.payer, "label": p.label, "amount": money(p.amount)}
            for p in result.payers]


def _schedule(result: Result) -> list[dict[str, Any]]:
    if result.open is not None:
        nobody = [{"payer": p.payer, "amount": None} for p in result.open.payers]
        return [{"due": day(d.due), "until": day(d.until), "amount": None, "payers": nobody}
                for d in result.open.schedule]
    return [{"due": day(d.due), "until": day(d.until), "amount": money(d.amount),
             "payers": [{"payer": p.payer, "amount": money(p.amount)} for p in d.payers]}
            for d in result.schedule]


def _when(due: date | None, until: date | None) -> str:
    """A due date, `undated`, or a calendar month's window `2016-03-01/2016-03-31`."""
    if due is None:
        return "undated"
    return f"{due.isoformat()}/{until.isoformat()}" if until else due.isoformat()


def _open(result: Result) -> bool:
    return result.status == ELIGIBLE and result.open is not None


def totals_record(assessment: Assessment) -> dict[str, Any]:
    total, by_payer = assessment.cash_totals()
    return {"cash": money(total), "by_payer": {p: money(a) for p, a in by_payer.items()},
            "cash_possible": money(assessment.cash_totals(most=True)[0])}


def _who(row: int, kept: dict[str, Any], assessment: Assessment) -> dict[str, Any]:
    facts = assessment.profile.facts
    return {"row": row, **kept, "name": facts.get("name"), "city": assessment.city.id,
            "district": facts.get("district")}


class Writer:
    """Writes each assessed institution to an open text file in one of the four forms."""

    def __init__(self, handle: IO[str], fmt: str, per_institution: bool, payers: list[str],
                 kept: Iterable[str], header: bool = True, unstated: bool = False) -> None:
        self.handle, self.fmt, self.per_institution, self.payers = (
            handle, fmt, per_institution, payers)
        self.unstated = unstated
        left_open = ["cash_unstated"] if per_institution else ["amount_unstated"]
        extra = left_open if unstated else []
        self.csv = csv.writer(handle, lineterminator="\n") if fmt == "csv" else None
        kept = list(kept)
        if self.csv is None or not header:
            return
        if per_institution:
            self.csv.writerow(_cells(["row", *kept, "name", "city", "district", "cash",
                                      "cash_possible", *extra, *(f"cash_{p}" for p in payers),
                                      "eligible",
                                      "needs_info", "missing"]))
        else:
            self.csv.writerow(_cells(["row", *kept, "name", "city", "district", "rule",
                                      "status", "kind", "amount", "amount_least",
                                      "amount_most", *extra, *(f"paid_{p}" for p in payers),
                                      "period_start",
                                      "period_end", "schedule", "missing"]))

    def write(self, row: int, kept: dict[str, Any], assessment: Assessment) -> None:
        if self.csv is not None:
            self._write_csv(row, kept, assessment)
            return
        who = _who(row, kept, assessment)
        if self.per_institution:
            record = {**who, "totals": totals_record(assessment),
                      "results": [result_record(r) for r in assessment.results]}
            self.handle.write(_json_line(record))
        else:
            self.handle.write("".join(_json_line({**who, **result_record(r)})
                                      for r in assessment.results))

    def _write_csv(self, row: int, kept: dict[str, Any], assessment: Assessment) -> None:
        assert self.csv is not None
        who = list(_who(row, kept, assessment).values())
        if self.per_institution:
            total, by_payer = assessment.cash_totals()
            results = assessment.results
            missing = sorted({fact for r in results for fact in r.missing})
            count = [assessment.open_amounts()] if self.unstated else []
            self.csv.writerow(_cells([*who, money(total),
                                      money(assessment.cash_totals(most=True)[0]), *count,
                                      *(money(by_payer.get(p)) for p in self.payers),
                                      _ids(results, ELIGIBLE), _ids(results, NEEDS_INFO),
                                      ";".join(missing)]))
            return
        self.csv.writerows(_cells([*who, *_result_cells(r, self.payers, self.unstated)])
                           for r in assessment.results)


def _ids(results: list[Result], status: str) -> str:
    return ";".join(r.rule.id for r in results if r.status == status)


def _result_cells(result: Result, payers: list[str], unstated: bool) -> list[Any]:
    paid = {p.payer: p.amount for p in result.payers}
    start, end = result.period or (None, None)
    schedule = "; ".join(f"{_when(d.due, d.until)} {money(d.amount)}" for d in result.schedule)
    if _open(result):
        assert result.open is not None
        schedule = "; ".join(f"{_when(d.due, d.until)} {UNSTATED}" for d in result.open.schedule)
    ranged = result.range
    return [result.rule.id, result.status, result.rule.kind, money(result.amount),
            money(ranged.least.amount if ranged else None),
            money(ranged.most.amount if ranged else None),
            *(["yes" if _open(result) else ""] if unstated else []),
            *(money(paid.get(p)) for p in payers), day(start),
            day(end), schedule, ";".join(result.missing)]


def _json_line(record: dict[str, Any]) -> str:
    return dumps(record) + "\n"


class ErrorWriter:
    """The rejected rows: one CSV line per problem, with the row number, the file line and
    the --keep columns (a registry number), so each problem can be traced to its record."""

    def __init__(self, handle: IO[str], header: bool = True, keep: tuple[str, ...] = ()
                 ) -> None:
        self.csv = csv.writer(handle, lineterminator="\n")
        self.keep = keep
        if header:
            self.csv.writerow(_cells(["row", "line", *keep, "field", "problem"]))

    def write(self, row: int, line: int, problems: list[tuple[str, str]],
              kept: dict[str, Any] | None = None) -> None:
        values = [_text(kept.get(name) if kept else None) for name in self.keep]
        self.csv.writerows(_cells([row, line, *values, where, message])
                           for where, message in problems)


def _text(value: Any) -> str:
    return "" if value is None else str(value)
