"""The columnar batch path: a CSV registry to CSV results, whole blocks of rows at a time.

`run_batch` takes this path for CSV in and CSV out when numpy and pyarrow are installed
and every rule can be evaluated exactly over columns (`vengine.check_supported`). Each
block of the file is read into fact columns (`columnar_read`, `columnar_frame`), every
rule of each city is assessed over the block's rows of that city (`vengine`), and the
output lines are formatted column by column, byte for byte as `batch_output.Writer`
writes them. Rows the columnar path does not take (a problem to report, an unusual
line, an amount beyond its exact range) are assessed by the reference path in place,
so the output keeps the input's order and every row is accounted for.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

import numpy as np

from .batch_io import RawRow, Registry
from .batch_output import ErrorWriter, Writer
from .batch_summary import UNDATED, Summary
from .columnar_frame import Facts, read_facts
from .columnar_read import Block, Piece, Rest, pieces, read_block
from .engine import _document_order
from .jurisdiction import City
from .rule import Rule
from .rulebook import RuleBook
from .vector import Column, Frame
from .vengine import (
    ELIGIBLE,
    STATUS_NAMES,
    DayTable,
    FactBits,
    Prepared,
    RuleColumns,
    check_supported,
)

Progress = Callable[[int], None]  # bytes of the input done
_SPECIAL = re.compile('[,"\r\n]')


@dataclass
class Slot:
    """One result of an assessment: a rule, and the national rule it restates (if any)."""

    rule: Prepared
    restated: Prepared | None


class Plan:
    """Every city's rules prepared for one as-of date and set of overrides."""

    def __init__(self, book: RuleBook, as_of: date, overrides: dict[str, Decimal]) -> None:
        self.book, self.as_of = book, as_of
        self.bits = FactBits(list(book.schema.facts))
        self.slots: dict[str, list[Slot]] = {}
        for city in book.cities:
            pairs = book.rules_for(city, as_of)
            for rule, restated in pairs:
                check_supported(rule)
                if restated is not None:
                    check_supported(restated)
            self.slots[city] = [
                Slot(Prepared(rule, book, city, as_of, overrides),
                     None if restated is None else Prepared(restated, book, city, as_of,
                                                            overrides))
                for rule, restated in pairs]


@dataclass
class Assessed:
    """One city's rows of a block, assessed: each slot's result and which rule leads."""

    city: City
    rows: np.ndarray  # positions in the block's plain rows
    primary: list[RuleColumns]
    other: list[RuleColumns | None]
    lead_other: list[np.ndarray]  # where the restated rule leads
    inexact: np.ndarray  # rows where a value grew too long to be sure of (see vector.Frame)

    def chosen(self, slot: int) -> list[tuple[RuleColumns, np.ndarray]]:
        """The slot's results with the rows where each is the one shown."""
        other = self.other[slot]
        if other is None:
            return [(self.primary[slot], np.ones(len(self.rows), dtype=bool))]
        lead = self.lead_other[slot]
        return [(self.primary[slot], ~lead), (other, lead)]


def assess_city(plan: Plan, city: str, facts: Facts, rows: np.ndarray) -> Assessed:
    """Every rule of the city over the given rows of the block."""
    size = len(rows)
    columns = {name: Column(c.kind, c.data[rows], c.known[rows], c.exp, c.fact)
               for name, c in facts.columns.items()}
    frame = Frame(size, columns, {}, np.zeros(size, dtype=bool))
    primary, other, lead = [], [], []
    for slot in plan.slots[city]:
        mine = slot.rule.assess(frame, plan.bits)
        theirs = None if slot.restated is None else slot.restated.assess(frame, plan.bits)
        primary.append(mine)
        other.append(theirs)
        lead.append(np.zeros(size, dtype=bool) if theirs is None
                    else theirs.status > mine.status)
    assert frame.inexact is not None
    return Assessed(plan.book.cities[city], rows, primary, other, lead, frame.inexact)


def fallback_rows(assessed: Assessed) -> np.ndarray:
    """Rows of the city's group that the reference path must assess instead."""
    found = assessed.inexact.copy()
    for result in [*assessed.primary, *(o for o in assessed.other if o is not None)]:
        found |= result.fallback
    return found


# --- formatting ---------------------------------------------------------------------------

def csv_cell(text: Any) -> str:
    """One cell as `csv.writer` (QUOTE_MINIMAL, lineterminator "\\n") writes it."""
    shown = "" if text is None else str(text)
    if _SPECIAL.search(shown):
        return '"' + shown.replace('"', '""') + '"'
    return shown


@dataclass
class Texts:
    """A column of texts as a few distinct texts and each row's index among them (an
    index past the end is an empty cell): cheap to build, and cheap to hand to pyarrow."""

    texts: list[str]
    index: np.ndarray

    def objects(self) -> np.ndarray:
        texts: np.ndarray = np.array([*self.texts, ""], dtype=object)[self.index]
        return texts

    def arrow(self, suffix: str = "") -> Any:
        import pyarrow as pa

        dictionary = pa.array([text + suffix for text in [*self.texts, ""]], pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(self.index.astype(np.int32)),
                                              dictionary).dictionary_decode()


def coded(values: np.ndarray | None, known: np.ndarray, text: Callable[[Any], str]) -> Texts:
    """Each known value's text, each distinct value worked out once."""
    if values is None or not known.any():  # e.g. an amount no row got as far as
        return Texts([], np.zeros(len(known), dtype=np.int64))
    distinct, where = np.unique(np.asarray(values)[known], return_inverse=True)
    index = np.full(len(known), len(distinct), dtype=np.int64)
    index[known] = where
    return Texts([text(v) for v in distinct.tolist()], index)


def money_coded(fen: Any, known: np.ndarray) -> Texts:
    return coded(fen, known, lambda v: _yuan(int(v)))


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


_YEAR = DayTable(lambda day: day.year)


def missing_coded(masks: np.ndarray, bits: FactBits) -> Texts:
    return coded(masks, np.ones(len(masks), dtype=bool), lambda m: ";".join(bits.decode(int(m))))


def result_tails(result: RuleColumns, payers: list[str], bits: FactBits) -> Any:
    """Each row's cells from `rule` on, as `batch_output._result_cells` writes them (a
    pyarrow string array)."""
    rule, size = result.rule, len(result.status)
    none = np.zeros(size, dtype=bool)
    known = result.amount_known if result.amount_known is not None else none
    paid = result.paid if result.paid is not None else none
    cells = [_same(rule.id, size), Texts(list(STATUS_NAMES), result.status), _same(rule.kind, size),
             money_coded(result.amount, known)]
    for payer in payers:
        index = next((i for i, (p, _) in enumerate(rule.payers) if p == payer), None)
        cells.append(_same("", size) if index is None or not paid.any()
                     else money_coded(result.parts[index], paid))
    if result.period is None:
        cells += [_same("", size), _same("", size)]
    else:
        assert result.start is not None and result.start_known is not None
        assert result.end is not None and result.end_known is not None
        cells += [date_coded(result.start, result.period & result.start_known),
                  date_coded(result.end, result.period & result.end_known)]
    arrays = [cell.arrow() for cell in cells]
    arrays += [_schedule_cells(result, paid), missing_coded(result.missing, bits).arrow()]
    return _joined(arrays, ",")


def _same(text: str, size: int) -> Texts:
    return Texts([text], np.zeros(size, dtype=np.int64))


def date_coded(ordinals: np.ndarray, known: np.ndarray, empty: str = "") -> Texts:
    texts = coded(ordinals, known, lambda o: date.fromordinal(int(o)).isoformat())
    texts.texts.append(empty)  # an unknown date is the text after the last
    return texts


def _schedule_cells(result: RuleColumns, paid: np.ndarray) -> Any:
    """`2025-04-28 519000.00; 2027-04-28 519000.00` (`undated` for a date not known)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    size = len(paid)
    if not result.dues or not paid.any():
        return _same("", size).arrow()
    parts = [_joined([date_coded(due.due, paid & due.due_known, "undated").arrow(),
                      money_coded(due.amount, paid).arrow()], " ") for due in result.dues]
    return pc.if_else(pa.array(paid), _joined(parts, "; "), "")


def _joined(columns: list[Any], sep: str, end: str = "") -> Any:
    """Row by row, pyarrow string columns joined by `sep` (a null is an empty cell), each
    followed by `end`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    options = pc.JoinOptions(null_handling="replace", null_replacement="")
    joined = pc.binary_join_element_wise(*columns, sep, options=options)
    if end:
        blank = pa.nulls(len(joined), pa.string())
        joined = pc.binary_join_element_wise(joined, blank, end, options=options)
    return joined


def _arrow_texts(texts: list[str]) -> Any:
    import pyarrow as pa

    return pa.array(texts, pa.large_string())


def _in_row_order(groups: list[tuple[np.ndarray, Any]], others: list[tuple[int, str]]
                  ) -> bytes:
    """The groups' lines and the reference path's texts as one UTF-8 text, by row number.
    With one group (the usual case: one city) the few other rows are spliced in between
    slices of its lines; with several the lines are reordered with pyarrow."""
    import pyarrow as pa

    if len(groups) > 1:
        numbers = np.concatenate([numbers for numbers, _ in groups]
                                 + [np.array([n for n, _ in others], dtype=np.int64)])
        texts = pa.concat_arrays([texts.cast(pa.large_string()) for _, texts in groups]
                                 + [_arrow_texts([t for _, t in others])])
        return _utf8(texts.take(pa.array(np.argsort(numbers, kind="stable"))))
    if not groups:
        return "".join(text for _, text in others).encode("utf-8")
    numbers, texts = groups[0]
    texts = texts.cast(pa.large_string())
    data, offsets = _buffer(texts)
    positions = np.searchsorted(numbers, [n for n, _ in others]).tolist()
    parts, start = [], 0
    for position, (_, text) in zip(positions, others, strict=True):
        parts += [data[offsets[start]:offsets[position]], text.encode("utf-8")]
        start = position
    parts.append(data[offsets[start]:offsets[-1]])
    return b"".join(parts)


def _buffer(texts: Any) -> tuple[bytes, np.ndarray]:
    """A large_string array's UTF-8 bytes and each value's offset into them."""
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[
        texts.offset:texts.offset + len(texts) + 1]
    data = texts.buffers()[2]
    return (b"" if data is None else data.to_pybytes()), offsets


def _utf8(texts: Any) -> bytes:
    data, offsets = _buffer(texts)
    return data[offsets[0]:offsets[-1]]


def order_key(rule: Rule, city: str) -> tuple[Any, ...]:
    return _document_order(rule, city)


# --- one block ----------------------------------------------------------------------------

class BlockWriter:
    """Formats a block's columnar rows and merges them with its reference rows."""

    def __init__(self, plan: Plan, job: Any, registry: Registry) -> None:
        self.plan, self.job, self.registry = plan, job, registry
        self.per_institution = job.options.per_institution
        self.payers: list[str] = job.payers
        self.keep = job.options.keep
        self.memo: dict[str, Any] = {}

    def block(self, block: Block, summary: Summary) -> tuple[bytes, str]:
        """The block's output (UTF-8) and errors text, rows in input order."""
        facts = read_facts(block.columns, self.registry, self.plan.book.schema,
                           self.plan.book.cities, self.memo)
        refer = facts.refer.copy()
        groups: list[tuple[np.ndarray, Any]] = []  # row numbers, their lines (pyarrow)
        kept = self._kept(block)
        for code, city in enumerate(facts.city_ids):
            rows = np.flatnonzero((facts.city == code) & ~refer)
            if not len(rows):
                continue
            assessed = assess_city(self.plan, city, facts, rows)
            back = fallback_rows(assessed)
            if back.any():
                refer[rows[back]] = True
                rows = rows[~back]
                assessed = assess_city(self.plan, city, facts, rows)
            groups.append((block.rows[rows], self._lines(assessed, facts, block, kept)))
            summarise(summary, assessed, facts)
        others = block.others + [self._raw_row(block, int(i)) for i in np.flatnonzero(refer)]
        done = assess_rows(self.job, sorted(others, key=lambda r: r.number), summary)
        texts = _in_row_order(groups, [(number, text) for number, text, _ in done])
        return texts, "".join(errors for _, _, errors in done)

    def _kept(self, block: Block) -> list[list[Any]] | None:
        if not self.keep:
            return None
        return [block.columns[i].to_pylist() for i, key in enumerate(self.registry.columns)
                if key is None]

    def _raw_row(self, block: Block, index: int) -> RawRow:
        cells = [column[index].as_py() for column in block.columns]
        columns = self.registry.columns
        row = RawRow(int(block.rows[index]), int(block.lines[index]),
                     {key: cells[i] for i, key in enumerate(columns) if key is not None})
        if self.keep:
            row.kept = {self.registry.names[i]: cells[i] for i, key in enumerate(columns)
                        if key is None}
        return row

    def _who(self, assessed: Assessed, facts: Facts, block: Block,
             kept: list[list[Any]] | None) -> list[Any]:
        """The columns before the results (row, kept columns, name, city, district), as
        pyarrow string arrays."""
        import pyarrow as pa

        rows = assessed.rows
        names = [facts.names[i] for i in rows.tolist()]
        if _SPECIAL.search("\0".join(map(str, names))):
            names = [csv_cell(name) for name in names]
        codes = facts.district_codes[rows]
        districts = Texts([csv_cell(name) for name in facts.district_names], codes)
        columns = [pa.array(block.rows[rows]).cast(pa.string())]
        for column in kept or []:
            columns.append(pa.array([csv_cell(column[i]) for i in rows.tolist()], pa.string()))
        columns += [pa.array(names, pa.string()),
                    Texts([csv_cell(assessed.city.id)], np.zeros(len(rows), np.int64)).arrow(),
                    districts.arrow()]
        return columns

    def _lines(self, assessed: Assessed, facts: Facts, block: Block,
               kept: list[list[Any]] | None) -> Any:
        """The group's output lines, as a pyarrow string array."""
        who = self._who(assessed, facts, block, kept)
        if self.per_institution:
            tails = institution_tails(assessed, self.payers, self.plan.bits)
            cells = [tail.arrow() for tail in tails[:-1]] + [tails[-1].arrow("\n")]
            return _joined([*who, *cells], ",")
        return self._result_lines(assessed, _joined(who, ","))

    def _result_lines(self, assessed: Assessed, heads: Any) -> Any:
        """One line per result, in the order `check` shows them: by document, so a row
        whose national rule leads puts it with the national rules (pyarrow throughout)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        city, size = assessed.city.id, len(assessed.rows)
        lines, keys = [], []
        for slot in range(len(assessed.primary)):
            tails = [(result_tails(result, self.payers, self.plan.bits), rows)
                     for result, rows in assessed.chosen(slot)]
            tail = tails[0][0] if len(tails) == 1 else pc.if_else(
                pa.array(tails[1][1]), tails[1][0], tails[0][0])
            lines.append(_joined([heads, tail], ",", "\n"))
            other = assessed.other[slot]
            keys.append((order_key(assessed.primary[slot].rule, city),
                         () if other is None else order_key(other.rule, city)))
        if not lines:
            return pa.array([""] * size, pa.string())
        pattern = np.zeros(size, dtype=np.int64)
        for slot, lead in enumerate(assessed.lead_other):
            pattern |= lead.astype(np.int64) << slot
        groups = []
        for code in np.unique(pattern).tolist():
            rows = np.flatnonzero(pattern == code)
            order = sorted(range(len(keys)), key=lambda s: keys[s][code >> s & 1])
            picked = [lines[s].take(pa.array(rows)) for s in order]
            groups.append((rows, pc.binary_join_element_wise(*picked, "")))
        if len(groups) == 1:
            return groups[0][1]
        rows = np.concatenate([rows for rows, _ in groups])
        joined = pa.concat_arrays([texts for _, texts in groups])
        return joined.take(pa.array(np.argsort(rows, kind="stable")))


def institution_tails(assessed: Assessed, payers: list[str], bits: FactBits
                      ) -> list[Texts]:
    """cash, cash_<payer>…, eligible, needs_info, missing: as `Writer` writes them."""
    size = len(assessed.rows)
    total = np.zeros(size, dtype=np.int64)
    by_payer = {payer: np.zeros(size, dtype=np.int64) for payer in payers}
    present = {payer: np.zeros(size, dtype=bool) for payer in payers}
    missing = np.zeros(size, dtype=np.int64)
    city = assessed.city.id
    statuses: list[tuple[tuple[Any, ...], str, np.ndarray, np.ndarray]] = []
    for slot in range(len(assessed.primary)):
        for result, rows in assessed.chosen(slot):
            rule = result.rule
            missing |= np.where(rows, result.missing, 0)
            statuses.append((order_key(rule, city), rule.id, rows, result.status))
            if rule.kind != "cash" or result.amount_known is None:
                continue
            counts = rows & (result.status == ELIGIBLE) & result.amount_known
            counts &= np.asarray(result.amount) != 0
            total = total + np.where(counts, result.amount, 0)
            if result.paid is None:
                continue
            for (payer, _), part in zip(rule.payers, result.parts, strict=True):
                if payer in by_payer:
                    by_payer[payer] = by_payer[payer] + np.where(counts, part, 0)
                    present[payer] |= counts
    cells = [money_coded(total, np.ones(size, dtype=bool))]
    cells += [money_coded(by_payer[p], present[p]) for p in payers]
    cells += _status_ids(statuses, size)
    cells.append(missing_coded(missing, bits))
    return cells


def _status_ids(statuses: list[tuple[tuple[Any, ...], str, np.ndarray, np.ndarray]],
                size: int) -> list[Texts]:
    """The eligible and needs_info rule ids of each row, in the order results are shown."""
    ordered = sorted(statuses, key=lambda item: item[0])
    code = np.zeros(size, dtype=np.int64 if len(ordered) < 31 else object)
    for _, _, rows, status in ordered:
        code = code * 4 + np.where(rows, status.astype(np.int64) + 1, 0)
    distinct, where = np.unique(code, return_inverse=True)
    eligible, needs = [], []
    for value in distinct.tolist():
        digits = []
        for _ in ordered:
            digits.append(value % 4)
            value //= 4
        digits.reverse()
        eligible.append(";".join(item[1] for item, d in zip(ordered, digits, strict=True)
                                 if d == ELIGIBLE + 1))
        needs.append(";".join(item[1] for item, d in zip(ordered, digits, strict=True)
                              if d == 2))
    return [Texts(eligible, where), Texts(needs, where)]


# --- the summary --------------------------------------------------------------------------

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
            if rule.kind == "cash":
                _cash(summary, city, result, eligible, codes, facts.district_names)
            elif rule.kind == "tax_exemption" and result.period is not None:
                _exemption_years(summary, rule.id, result, eligible)


def _cash(summary: Summary, city: City, result: RuleColumns, eligible: np.ndarray,
          codes: np.ndarray, names: list[Any]) -> None:
    if result.amount_known is None or result.paid is None:
        return
    paying = eligible & result.amount_known & (np.asarray(result.amount) != 0)
    if not paying.any():
        return
    rule = result.rule
    if result.dues:
        pieces = [(due.due, due.due_known, due.parts) for due in result.dues]
    else:
        none = np.zeros(len(paying), dtype=bool)
        pieces = [(np.zeros(len(paying), dtype=np.int64), none, result.parts)]
    for due, due_known, parts in pieces:
        years = _years(due, paying & due_known)
        for (payer, _), part in zip(rule.payers, parts, strict=True):
            for (code, year), amount in _sums(codes, years, part, paying).items():
                label = city.payer_label(payer, names[code])
                key = (city.id, payer, label)
                summary.cash[key][UNDATED if year < 0 else year] += Decimal(amount).scaleb(-2)


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


# --- the run ------------------------------------------------------------------------------

def run_columnar(registry: Registry, job: Any, out: IO[str], err: IO[str], summary: Summary,
                 progress: Progress | None = None) -> None:
    """Assess the whole registry into `out` and `err` (headers already written), the
    file's pieces on worker processes (`batch_parallel`) and written in order."""
    from .batch_parallel import in_order, workers

    plan = Plan(job.book, job.options.as_of, job.options.overrides)
    writer = BlockWriter(plan, job, registry)
    rest: list[Rest] = []

    def work(piece: Piece) -> tuple[bytes, str, Summary, int]:
        part = Summary(job.options.as_of)
        text, errors = writer.block(read_block(piece, registry), part)
        return text, errors, part, len(piece.data)

    def plain_pieces() -> Iterator[Piece]:
        for piece in pieces(registry.path):
            if isinstance(piece, Rest):
                rest.append(piece)
                return
            yield piece

    def first_here() -> Iterator[tuple[bytes, str, Summary, int]]:
        # The first piece is done before the workers are forked, so they inherit what it
        # taught the caches (each distinct date moved by each offset, each text converted).
        items = plain_pieces()
        first = next(items, None)
        if first is not None:
            yield work(first)
            yield from in_order(work, items, workers(job.options.jobs, registry.size))

    done_bytes = 0
    out.flush()
    for text, errors, part, size in first_here():
        out.buffer.write(text)  # type: ignore[attr-defined]
        err.write(errors)
        summary.merge(part)
        done_bytes += size
        if progress is not None:
            progress(done_bytes)
    out.buffer.flush()  # type: ignore[attr-defined]
    if rest:
        _rest(registry, rest[0], job, summary, out, err, progress)


def assess_rows(job: Any, rows: list[RawRow], summary: Summary) -> list[tuple[int, str, str]]:
    """Rows on the reference path: (row number, output text, errors text) for each."""
    from .batch import assess_row

    done = []
    for row in rows:
        text, errors = io.StringIO(), io.StringIO()
        writer = Writer(text, job.format, job.options.per_institution, job.payers,
                        job.options.keep, False)
        rejected = ErrorWriter(errors, header=False)
        summary.read += 1
        assessment = assess_row(row, job.book, job.options, rejected)
        if assessment is None:
            summary.rejected += 1
        else:
            summary.assessed += 1
            writer.write(row.number, row.kept, assessment)
            summary.add(assessment)
        done.append((row.number, text.getvalue(), errors.getvalue()))
    return done


def _rest(registry: Registry, rest: Rest, job: Any, summary: Summary, out: IO[str],
          err: IO[str], progress: Progress | None) -> None:
    """The file from `rest` on, row by row (the reference reader and engine)."""
    from .batch import chunks

    for chunk in chunks(registry.rows_from(rest.offset, rest.line, rest.row)):
        for _, text, errors in assess_rows(job, chunk, summary):
            out.write(text)
            err.write(errors)
        if progress is not None:
            progress(registry.bytes_read)
