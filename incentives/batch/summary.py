"""What a registry's entitlements cost, by payer and calendar year, and who qualifies.

- Cash: every `eligible` cash result, each instalment in the calendar year of its due
  date (an instalment whose date needs a missing fact, or a cash rule with no schedule,
  goes to `undated`), each payer's part to that payer. Payers are told apart by city and
  by label, so each district or county is a payer of its own (郑州市财政, 二七区财政 …).
  The grand total equals the sum of every assessed institution's `totals.cash`.
- Rules: how many institutions each rule found eligible, needing information, not eligible.
- Exemptions: for each `eligible` tax_exemption result with a bounded period, one
  institution-year for each calendar year the period touches (at least one day of it):
  2025-04-10 … 2028-04-09 counts 2025, 2026, 2027 and 2028. An open-ended exemption (no
  last day) is counted apart, as institutions, not years.

`Summary` is plain data and adds up exactly (Decimal); `render` draws it with rich.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from incentives.model.jsonable import money
from incentives.model.result import ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE, Assessment, Due
from incentives.model.rule import PAYERS

UNDATED = "undated"
STATUSES = (ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE)
PayerKey = tuple[str, str, str]  # city id, payer, label


def _by_year() -> defaultdict[int | str, Decimal]:  # module-level, so a Summary pickles
    return defaultdict(Decimal)


def _by_status() -> dict[str, int]:
    return dict.fromkeys(STATUSES, 0)


def _counts() -> defaultdict[Any, int]:
    return defaultdict(int)


@dataclass
class Summary:
    """Totals over every assessed institution of a batch."""

    as_of: date
    read: int = 0
    assessed: int = 0
    rejected: int = 0
    cash: dict[PayerKey, dict[int | str, Decimal]] = field(
        default_factory=lambda: defaultdict(_by_year))  # certain: a range at its least
    possible: dict[PayerKey, dict[int | str, Decimal]] = field(
        default_factory=lambda: defaultdict(_by_year))  # a range at its most
    rules: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(_by_status))
    kinds: dict[str, str] = field(default_factory=dict)
    exemption_years: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(_counts))
    open_ended: dict[str, int] = field(default_factory=_counts)
    overrides: dict[str, Decimal] = field(default_factory=dict)
    unstated: int = 0  # eligible awards of an amount the text leaves open: in no sum
    columnar: int = 0  # rows assessed on the columnar path (not part of the report)

    def add(self, assessment: Assessment) -> None:
        """Count one institution's results in."""
        city = assessment.city.id
        for result in assessment.results:
            rule = result.rule
            self.kinds.setdefault(rule.id, rule.kind)
            self.rules[rule.id][result.status] += 1
            if result.status != ELIGIBLE:
                continue
            self.unstated += result.open is not None
            if rule.kind == "cash" and (result.amount or result.range):
                for most, sums in ((False, self.cash), (True, self.possible)):
                    extent = result.end(most)
                    assert extent is not None
                    _add_cash(sums, city, extent.dues(rule.title))
            elif rule.kind == "tax_exemption" and result.period:
                start, end = result.period
                if start is None:
                    continue
                if end is None:
                    self.open_ended[rule.id] += 1
                else:
                    for calendar_year in range(start.year, end.year + 1):
                        self.exemption_years[rule.id][calendar_year] += 1

    def merge(self, other: Summary) -> None:
        """Add another summary's counts and sums to this one (for work done in parts)."""
        self.read += other.read
        self.assessed += other.assessed
        self.rejected += other.rejected
        self.columnar += other.columnar
        self.unstated += other.unstated
        for mine, theirs in ((self.cash, other.cash), (self.possible, other.possible)):
            for key, years in theirs.items():
                for year, amount in years.items():
                    mine[key][year] += amount
        for rule_id, counts in other.rules.items():
            for status, count in counts.items():
                self.rules[rule_id][status] += count
        self.kinds.update(other.kinds)
        for rule_id, by_year in other.exemption_years.items():
            for year_, count in by_year.items():
                self.exemption_years[rule_id][year_] += count
        for rule_id, count in other.open_ended.items():
            self.open_ended[rule_id] += count

    def years(self) -> list[int | str]:
        found = {year for sums in (self.cash, self.possible) for years in sums.values()
                 for year in years}
        dated = sorted(y for y in found if isinstance(y, int))
        return [*dated, *([UNDATED] if UNDATED in found else [])]

    def payers(self) -> list[PayerKey]:
        order = {payer: index for index, payer in enumerate(PAYERS)}
        return sorted({*self.cash, *self.possible},
                      key=lambda k: (k[0], order.get(k[1], len(order)), k[1], k[2]))

    def total(self, possible: bool = False) -> Decimal:
        sums = self.possible if possible else self.cash
        return sum((sum(years.values(), Decimal(0)) for years in sums.values()), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (money as strings with two decimals): `cash` is
        what is certain (an amount left open at its least), `cash_possible` the most."""
        return {
            "as_of": self.as_of.isoformat(),
            "read": self.read,
            "assessed": self.assessed,
            "rejected": self.rejected,
            "parameters": {name: f"{value:f}" for name, value in self.overrides.items()},
            "cash": self._cash_dict(self.cash, self.total()),
            "cash_possible": self._cash_dict(self.possible, self.total(possible=True)),
            "cash_unstated": {"count": self.unstated},
            "rules": [{"rule": rule_id, "kind": self.kinds[rule_id], **self.rules[rule_id]}
                      for rule_id in sorted(self.rules)],
            "exemptions": [
                {"rule": rule_id,
                 "institution_years": {str(y): n for y, n in
                                       sorted(self.exemption_years.get(rule_id, {}).items())},
                 "total_institution_years": sum(self.exemption_years.get(rule_id, {}).values()),
                 "open_ended": self.open_ended.get(rule_id, 0)}
                for rule_id in sorted(self.kinds) if self.kinds[rule_id] == "tax_exemption"
            ],
        }

    def _cash_dict(self, sums: dict[PayerKey, dict[int | str, Decimal]], total: Decimal
                   ) -> dict[str, Any]:
        zero = Decimal(0)
        return {
            "total": money(total),
            "by_year": {str(y): money(sum((sums[k].get(y, zero) for k in sums), zero))
                        for y in self.years() if any(y in sums[k] for k in sums)},
            "by_payer": [
                {"city": city, "payer": payer, "label": label,
                 "total": money(sum(sums[(city, payer, label)].values(), zero)),
                 "by_year": {str(y): money(a) for y, a in
                             sorted(sums[(city, payer, label)].items(), key=_year)}}
                for city, payer, label in self.payers() if (city, payer, label) in sums
            ],
        }


def _add_cash(sums: dict[PayerKey, dict[int | str, Decimal]], city: str, dues: list[Due]
              ) -> None:
    """One cash result's parts, by payer and the year each instalment falls due."""
    for due in dues:
        year: int | str = due.due.year if due.due else UNDATED
        for part in due.payers:
            sums[(city, part.payer, part.label)][year] += part.amount


def _year(item: tuple[int | str, Decimal]) -> tuple[int, int]:
    year = item[0]
    return (1, 0) if isinstance(year, str) else (0, year)




