"""A rule as loaded from its file: what it cites, when it applies, what it gives, to whom."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import date as Day  # `date` is also a field of Rule
from decimal import Decimal
from functools import cached_property

from dateutil.relativedelta import relativedelta

from incentives.model.conditions import Expression, rule_dates
from incentives.model.money import weights_of
from incentives.model.place import Document, DocumentEnd

_DAY_BEFORE, _DAY_AFTER = timedelta(days=-1), relativedelta(days=1)
POINTS_KEPT = 4096  # anniversaries an offset keeps, by start date
KINDS = ("cash", "tax_exemption", "cap", "deduction", "eligibility_date", "procedure")
PAYERS = ("city", "district", "province", "state")
TIMINGS = ("on", "on_or_after", "no_later_than")


@dataclass
class Text:
    """A text a person reads, in Chinese and English."""

    zh: str
    en: str


@dataclass
class Offset:
    """A date worked out from a date fact: `from` + years, months, days (dateutil).

    Used as a point (the anniversary), or as a period of that length starting on `from`,
    whose last day is the day before the anniversary. `from` None means the rule's own
    start date. Where the anniversary has no corresponding day (29 February in a common
    year, 31 January plus a month), it falls on the first day of the next month, so a
    period keeps its full length: three years from 2024-02-29 end on 2027-02-28.
    """

    start: str | None
    years: int = 0
    months: int = 0
    days: int = 0
    bounded: bool = True
    delta: relativedelta = field(init=False, repr=False, compare=False)
    # dateutil is slow and institutions share dates: each start's anniversary, once
    points: dict[date, date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.delta = relativedelta(years=self.years, months=self.months, days=self.days)
        self.points = {}

    def point(self, start: date) -> date:
        """The anniversary: `start` moved on by the offset."""
        moved = self.points.get(start)
        if moved is None:
            moved = start + self.delta
            if moved.day < start.day and not self.days:  # relativedelta clipped to month end
                moved += _DAY_AFTER
            if len(self.points) >= POINTS_KEPT:
                self.points.clear()
            self.points[start] = moved
        return moved

    def last_day(self, start: date) -> date:
        """The last day of a period of this length from `start`, that day included:
        three years from 2024-03-15 end 2027-03-14; from 2025-03-01, 2028-02-29."""
        return self.point(start) + _DAY_BEFORE


@dataclass(frozen=True)
class Source:
    """A secondary report a quote is taken from (not the document's official text)."""

    report: str
    published_on: date
    url: str = ""


@dataclass(frozen=True)
class Quote:
    """A sentence of a cited document, verbatim, with where it is and where it was read:
    `source` None means the document's official text."""

    text: str
    document: str
    article: str
    source: Source | None = None


@dataclass
class AmountCase:
    """One way to work out the amount; the first case whose `when` holds is used."""

    when: Expression | None
    value: Expression
    label: Text | None = None


@dataclass
class Instalment:
    """A share of a cash amount, due on (or after, or no later than) a date; or, with
    `month`, within the whole of that calendar month (`window`)."""

    share: Decimal
    due: Offset
    timing: str
    label: Text
    month: int | None = None  # 1-12: the window is that month; due.start its anchor fact

    def window(self, anchor: date) -> tuple[date, date]:
        """The month `month` of the first year in which it ends on or after `anchor`:
        opened 2016-03-10 → 2016-03-01 … 2016-03-31; opened 2016-04-02 → 2017-03."""
        assert self.month is not None
        first = date(anchor.year, self.month, 1)
        last = first + relativedelta(day=31)
        if last < anchor:
            first = date(anchor.year + 1, self.month, 1)
            last = first + relativedelta(day=31)
        return first, last


@dataclass
class Component:
    """One part of a rule's benefit: a deduction item, a simplified procedure."""

    label: Text
    when: Expression | None = None
    amount: Expression | None = None


@dataclass
class Saving:
    """A tax an exemption spares, as a yearly amount (an estimate: it rests on assumptions)."""

    label: Text
    per_year: Expression


@dataclass
class Note:
    """An open question or caveat; shown when its `when` is true or unknown (always if none)."""

    text: Text
    when: Expression | None = None


@dataclass
class Rule:
    """One provision of one document, as data."""

    id: str
    city: str
    kind: str
    provision: str
    document: str
    article: str
    quote: str
    title: Text
    effective_from: date
    effective_to: date | None
    when: Expression | None
    amount: list[AmountCase] = field(default_factory=list)
    payers: list[tuple[str, Decimal]] = field(default_factory=list)
    schedule: list[Instalment] = field(default_factory=list)
    period: Offset | None = None
    date: Offset | None = None
    components: list[Component] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    savings: list[Saving] = field(default_factory=list)
    restates: str | None = None  # the id of the national rule this one restates
    event: str | None = None  # the date fact of what it rewards; before effective_from: not new
    topic: str = ""  # lines rules of different cities up in a comparison
    file: str = ""
    line: int = 0
    cited: tuple[Document, ...] = ()  # the documents it cites, as city.toml declares them
    quotes: tuple[Quote, ...] = ()  # every quote; the first is `quote`, from `document`
    unstated: Text | None = None  # cash of an amount the text leaves open, in its words
    not_in_quote: tuple[tuple[str, str], ...] = ()  # figures not in the quote on purpose, why
    monotone_in: tuple[str, ...] = ()  # facts its amount never falls as they grow
    # worked out once, when the rule is loaded:
    benefit_expressions: list[Expression] = field(init=False, repr=False, compare=False)
    expressions: list[Expression] = field(init=False, repr=False, compare=False)
    benefit_params: frozenset[str] = field(init=False, repr=False, compare=False)
    param_names: frozenset[str] = field(init=False, repr=False, compare=False)
    in_force_text: str = field(init=False, repr=False, compare=False)
    document_end: DocumentEnd | None = field(init=False, repr=False, compare=False)
    first_day: Day = field(init=False, repr=False, compare=False)
    last_day: Day | None = field(init=False, repr=False, compare=False)
    event_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.quotes:  # a rule made in code: its one quote
            self.quotes = (Quote(self.quote, self.document, self.article),)
        # The one list of what a rule evaluates: first what decides its status and amount,
        # then what only its notes and saving estimates read.
        benefit = [self.when, *(c.when for c in self.amount), *(c.value for c in self.amount),
                   *(c.when for c in self.components), *(c.amount for c in self.components)]
        self.benefit_expressions = [e for e in benefit if e is not None]
        self.expressions = [*self.benefit_expressions,
                            *(n.when for n in self.notes if n.when is not None),
                            *(s.per_year for s in self.savings)]
        self.benefit_params = frozenset().union(*(e.params for e in self.benefit_expressions))
        self.param_names = frozenset().union(*(e.params for e in self.expressions))
        # in force while its own window and every document it cites are: from the latest
        # start a document gives, to the earliest repeal or lapse
        starts = [doc.effective_from for doc in self.cited if doc.effective_from is not None]
        self.first_day = max([self.effective_from, *starts])
        doc_ends = [end for end in (doc.end() for doc in self.cited) if end is not None]
        self.document_end = min(doc_ends, key=lambda end: end.last_day, default=None)
        last = [self.effective_to, self.document_end.last_day if self.document_end else None]
        self.last_day = min((day for day in last if day is not None), default=None)
        end = self.last_day.isoformat() if self.last_day else "open"
        self.in_force_text = (f"in force on the as-of date "
                              f"({self.first_day.isoformat()} … {end})")
        # written as a condition, so a report in either language shows it as it shows the
        # others; the rule's own note says, in both, that the text is silent on earlier events
        self.event_text = f"{self.event} >= {self.effective_from.isoformat()}"

    @cached_property
    def payer_weights(self) -> tuple[list[int], list[Decimal]]:
        """The payers' shares as `split_by` takes them, and each as a fraction of the whole."""
        shares = [share for _, share in self.payers]
        whole = sum(shares, Decimal(0))
        return weights_of(shares), [share / whole for share in shares]

    @cached_property
    def instalment_weights(self) -> list[int]:
        """The instalments' shares as `split_by` takes them."""
        return weights_of([instalment.share for instalment in self.schedule])

    def dates_on(self, as_of: Day) -> dict[str, Day | None]:
        """The reserved dates its expressions read on `as_of`: the as-of date and its own
        window (`effective_to` None where it has no end)."""
        return rule_dates(as_of, self.effective_from, self.effective_to)

    @property
    def unquoted(self) -> list[Document]:
        """The documents it cites that none of its quotes is from."""
        quoted = {quote.document for quote in self.quotes}
        return [doc for doc in self.cited if doc.id not in quoted]

    def in_force_on(self, as_of: Day) -> bool:
        return self.first_day <= as_of and (self.last_day is None or as_of <= self.last_day)

    def ended_by_document(self, as_of: Day) -> DocumentEnd | None:
        """The repeal or lapse of a cited document that ended the rule before `as_of`."""
        end = self.document_end
        past = end is not None and self.last_day == end.last_day and as_of > end.last_day
        return end if past else None
