"""What an assessment holds: a result per rule, its payments, instalments and trace."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from incentives.model.conditions import Step
from incentives.model.params import ParamUse
from incentives.model.place import City, DocumentEnd
from incentives.model.profile import Profile
from incentives.model.rule import Rule, Text

if TYPE_CHECKING:  # imported when an amount is open (engine._bounded), not at start-up
    from incentives.model.bounds import Decider

ELIGIBLE, NOT_ELIGIBLE, NEEDS_INFO = "eligible", "not_eligible", "needs_info"


@dataclass
class Payment:
    """A payer's part of an amount: `city` 郑州市财政 400万."""

    payer: str
    label: str
    amount: Decimal
    share: Decimal  # of the whole, e.g. 0.4


@dataclass
class Due:
    """An instalment: its amount, its date (None while a fact is missing), payers' parts."""

    due: date | None
    timing: str
    amount: Decimal
    label: Text
    payers: tuple[Payment, ...]
    until: date | None = None  # a calendar month's window: its last day (due, its first)


@dataclass
class Check:
    """A leaf of the trace: the condition's text, the values it saw, its outcome."""

    expr: str
    values: dict[str, Any]
    outcome: bool | None
    decisive: bool


@dataclass
class ComponentResult:
    label: Text
    applies: bool | None
    amount: Decimal | None


@dataclass
class Note:
    """A note whose condition is unknown: it may apply, depending on these facts."""

    text: Text
    depends_on: list[str]


@dataclass
class OpenShare:
    """A payer's share of cash whose amount the text leaves open."""

    payer: str
    label: str
    share: Decimal  # of the whole


@dataclass
class OpenDue:
    """An instalment of cash whose amount the text leaves open: its date and share."""

    due: date | None
    until: date | None  # a calendar month's window: its last day
    timing: str
    label: Text
    share: Decimal


@dataclass
class OpenAmount:
    """Cash the text grants without saying how much (`给予一定的奖励`): who pays what
    share and when, never a figure; counted apart from every total."""

    text: Text
    payers: list[OpenShare]
    schedule: list[OpenDue]


@dataclass
class Extent:
    """One end of an amount known only as a range: the amount, its payers' parts and its
    instalments, worked out as an exact amount would be."""

    amount: Decimal
    payers: list[Payment]
    schedule: list[Due]

    def dues(self, label: Text) -> list[Due]:
        """The instalments, or (a rule with no schedule) the whole amount as one undated due
        with every payer's part."""
        return self.schedule or [Due(None, "on", self.amount, label, tuple(self.payers))]


@dataclass
class Ranged:
    """An amount that unknown facts leave open: the least and the most it can be, and the
    facts whose answers decide it (each answer with what it gives)."""

    least: Extent
    most: Extent
    deciders: tuple[Decider, ...]


@dataclass
class Result:
    """What one rule gives one institution, and why."""

    rule: Rule
    status: str
    checks: list[Check] = field(default_factory=list)
    amount: Decimal | None = None
    basis: Text | None = None
    payers: list[Payment] = field(default_factory=list)
    schedule: list[Due] = field(default_factory=list)
    period: tuple[date | None, date | None] | None = None
    components: list[ComponentResult] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    parameters: list[ParamUse] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)
    trace: Step | None = None
    also: list[Result] = field(default_factory=list)  # the same benefit under another rule
    savings: list[SavingEstimate] = field(default_factory=list)  # what an exemption spares
    range: Ranged | None = None  # eligible, the amount open between two figures
    open_notes: list[Note] = field(default_factory=list)  # notes that may apply
    past: bool = False  # eligible, and every dated item of it before the as-of date
    if_counted: Result | None = None  # an event before the rule: what it would give if counted
    ended: DocumentEnd | None = None  # not in force: a cited document repealed or lapsed
    open: OpenAmount | None = None  # eligible to cash of an amount the text leaves open

    def end(self, most: bool) -> Extent | None:
        """The exact amount with its parts, or the least (most) of a range; None if neither."""
        if self.range is not None:
            return self.range.most if most else self.range.least
        if self.amount is None:
            return None
        return Extent(self.amount, self.payers, self.schedule)

    def end_schedule(self, most: bool) -> list[Due]:
        """The schedule of `end(most)` (none if neither), without making its Extent."""
        if self.range is not None:
            return (self.range.most if most else self.range.least).schedule
        return self.schedule if self.amount is not None else []


@dataclass
class Assessment:
    """Every rule of a city for one profile on one date."""

    as_of: date
    city: City
    profile: Profile
    results: list[Result]

    def cash_to_come(self, most: bool = False) -> tuple[Decimal, dict[str, Decimal]]:
        """The eligible cash still to be paid: instalments due on or after the as-of date or
        not yet dated (a range at its least, or with `most` at its most)."""
        total = Decimal("0.00")
        by_payer: dict[str, Decimal] = {}
        for result in self.results:
            extent = result.end(most)
            if result.status != ELIGIBLE or result.rule.kind != "cash" or not extent:
                continue
            for due in extent.dues(result.rule.title):
                if due.due is None or due.due >= self.as_of:
                    total += due.amount
                    for part in due.payers:
                        by_payer[part.payer] = by_payer.get(part.payer, Decimal(0)) + part.amount
        return total, by_payer

    def open_amounts(self) -> int:
        """How many eligible awards are of an amount the text leaves open (in no total)."""
        return sum(1 for r in self.results if r.status == ELIGIBLE and r.open is not None)

    def cash_totals(self, most: bool = False) -> tuple[Decimal, dict[str, Decimal]]:
        """The eligible cash in all and by payer: what is certain (a range counts at its
        least), or with `most` what is possible (a range at its most)."""
        total = Decimal("0.00")
        by_payer: dict[str, Decimal] = {}
        for result in self.results:
            extent = result.end(most)
            cash = result.status == ELIGIBLE and result.rule.kind == "cash"
            if cash and extent and extent.amount:
                total += extent.amount
                for part in extent.payers:
                    by_payer[part.payer] = by_payer.get(part.payer, Decimal("0.00")) + part.amount
        return total, by_payer


@dataclass
class SavingEstimate:
    """One tax spared: a year's worth, and by calendar year over a bounded window."""

    label: Text
    per_year: Decimal | None
    by_year: dict[int, Decimal] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal | None:
        return sum(self.by_year.values(), Decimal("0.00")) if self.by_year else None
