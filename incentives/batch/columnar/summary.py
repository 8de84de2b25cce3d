"""A block's columnar results added to a batch's `Summary`, as `Summary.add` adds one
assessment: the statuses per rule, eligible cash by payer and year, exemption years."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import numpy as np

from incentives.batch.columnar.engine import (
    ELIGIBLE,
    STATUS_NAMES,
    DayTable,
    Dues,
    RuleColumns,
)
from incentives.batch.columnar.frame import Facts
from incentives.batch.columnar.plan import Assessed
from incentives.batch.summary import UNDATED, PayerKey, Summary
from incentives.model.place import City

_YEAR = DayTable(lambda day: day.year)


def summarise(summary: Summary, assessed: Assessed, facts: Facts) -> None:
    """Add a city's columnar rows to the summary, as `Summary.add` would one by one."""
    size = len(assessed.rows)
    summary.read += size
    summary.assessed += size
    summary.columnar += size
    city = assessed.city
    codes = facts.district_codes[assessed.rows]
    for slot in range(len(assessed.primary)):
        for result, rows in assessed.chosen(slot):
            if not rows.any():
                continue
            rule = result.rule
            summary.kinds.setdefault(rule.id, rule.kind)
            counts = np.bincount(result.status[rows], minlength=3)
            for status, count in zip(STATUS_NAMES, counts.tolist(), strict=True):
                summary.rules[rule.id][status] += count
            eligible = rows & (result.status == ELIGIBLE)
            summary.unstated += int((rows & result.open_rows()).sum())
            if rule.kind == "cash":
                _cash(summary, city, result, eligible, codes, facts.district_names)
            elif rule.kind == "tax_exemption" and result.period is not None:
                _exemption_years(summary, rule.id, result, eligible)


def _cash(summary: Summary, city: City, result: RuleColumns, eligible: np.ndarray,
          codes: np.ndarray, names: list[Any]) -> None:
    """Each payer's parts by the year they fall due: an exact amount (not zero) in both
    the certain and the possible sums, a range at its least and at its most (even zero)."""
    if result.amount_known is not None and result.paid is not None:
        paying = eligible & result.amount_known & (np.asarray(result.amount) != 0)
        for sums in (summary.cash, summary.possible):
            _add_cash(sums, city, result, paying, result.parts, result.dues, codes, names)
    if result.ranged is not None and result.rule.payers:
        assert result.least is not None and result.most is not None
        ranged = eligible & result.ranged
        for sums, end in ((summary.cash, result.least), (summary.possible, result.most)):
            _add_cash(sums, city, result, ranged, end.parts, end.dues, codes, names)


def _add_cash(sums: dict[PayerKey, dict[int | str, Decimal]], city: City,
              result: RuleColumns, paying: np.ndarray, parts: list[Any], dues: list[Dues],
              codes: np.ndarray, names: list[Any]) -> None:
    if not paying.any():
        return
    if dues:
        pieces = [(due.due, due.due_known, due.parts) for due in dues]
    else:
        none = np.zeros(len(paying), dtype=bool)
        pieces = [(np.zeros(len(paying), dtype=np.int64), none, parts)]
    for due, due_known, due_parts in pieces:
        years = _years(due, paying & due_known)
        for (payer, _), part in zip(result.rule.payers, due_parts, strict=True):
            for (code, year), amount in _sums(codes, years, part, paying).items():
                label = city.payer_label(payer, names[code])
                sums[(city.id, payer, label)][UNDATED if year < 0 else year] += (
                    Decimal(amount).scaleb(-2))


def _years(ordinals: np.ndarray, known: np.ndarray) -> np.ndarray:
    return np.where(known, _YEAR.apply(ordinals, known), -1)


def _sums(codes: np.ndarray, years: np.ndarray, values: Any, rows: np.ndarray
          ) -> dict[tuple[int, int], int]:
    """Exact sums of values grouped by (district code, year) over the given rows."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    keys = codes[rows] * 10_000 + (years[rows] + 1)
    distinct, where = np.unique(keys, return_inverse=True)
    picked = np.asarray(values)[rows].astype(object)
    sums = np.zeros(len(distinct), dtype=object)
    np.add.at(sums, where, picked)
    for key, total in zip(distinct.tolist(), sums.tolist(), strict=True):
        totals[(key // 10_000, key % 10_000 - 1)] += int(total)
    return totals


def _exemption_years(summary: Summary, rule_id: str, result: RuleColumns,
                     eligible: np.ndarray) -> None:
    assert result.period is not None and result.start_known is not None
    assert result.start is not None and result.end is not None
    assert result.end_known is not None
    counted = eligible & result.period & result.start_known
    open_ended = counted & ~result.end_known
    if open_ended.any():
        summary.open_ended[rule_id] += int(open_ended.sum())
    bounded = counted & result.end_known
    if not bounded.any():
        return
    first, last = _years(result.start, bounded), _years(result.end, bounded)
    spans, counts = np.unique(np.stack([first[bounded], last[bounded]]), axis=1,
                              return_counts=True)
    for (start, end), count in zip(spans.T.tolist(), counts.tolist(), strict=True):
        for year in range(start, end + 1):
            summary.exemption_years[rule_id][year] += count
