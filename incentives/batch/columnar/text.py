"""Output lines made from columns, byte for byte as `batch_output.Writer` writes them.

A column of texts is kept as its few distinct texts and each row's index among them
(`Texts`): money is formatted once per distinct amount, a date once per distinct day,
a list of missing facts once per distinct set. pyarrow joins the cells of each row and
puts the lines in row order, so no Python string is made per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from dateutil.relativedelta import relativedelta

from incentives.assessment.engine import document_order
from incentives.batch.columnar.engine import ELIGIBLE, STATUS_NAMES, Dues, FactBits, RuleColumns
from incentives.batch.columnar.plan import Assessed
from incentives.batch.output import UNSTATED, defused
from incentives.model.rule import Rule

SPECIAL = re.compile('[,"\r\n]')  # what csv.writer quotes
# what csv_cell may change in one of several texts joined by NUL: a character csv.writer
# quotes, or a first character `defused` looks at
NEEDS_CARE = re.compile('[,"\r\n]|(?:^|\0)[-=+@\t]')


def csv_cell(text: Any) -> str:
    """One cell as `batch_output.Writer` writes it: `defused`, then as `csv.writer`
    (QUOTE_MINIMAL, lineterminator "\\n") writes it."""
    shown = "" if text is None else defused(str(text))
    if SPECIAL.search(shown):
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


def missing_coded(masks: np.ndarray, bits: FactBits) -> Texts:
    return coded(masks, np.ones(len(masks), dtype=bool),
                 lambda m: csv_cell(";".join(bits.decode(int(m)))))


def result_tails(result: RuleColumns, payers: list[str], bits: FactBits,
                 unstated: bool = False) -> Any:
    """Each row's cells from `rule` on, as `batch_output._result_cells` writes them (a
    pyarrow string array)."""
    rule, size = result.rule, len(result.status)
    none = np.zeros(size, dtype=bool)
    known = result.amount_known if result.amount_known is not None else none
    paid = result.paid if result.paid is not None else none
    left_open = result.open_rows()
    cells = [_same(csv_cell(rule.id), size), Texts(list(STATUS_NAMES), result.status),
             _same(csv_cell(rule.kind), size), money_coded(result.amount, known),
             *_range_cells(result, size)]
    if unstated:
        cells.append(Texts(["", "yes"], left_open.astype(np.int64)))
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
    arrays += [_schedule_cells(result, paid, left_open),
               missing_coded(result.missing, bits).arrow()]
    return joined(arrays, ",")


def _range_cells(result: RuleColumns, size: int) -> list[Texts]:
    """amount_least and amount_most: filled where the amount is open but bounded."""
    if result.ranged is None or not result.ranged.any():
        return [_same("", size), _same("", size)]
    assert result.least is not None and result.most is not None
    return [money_coded(result.least.amount, result.ranged),
            money_coded(result.most.amount, result.ranged)]


def _same(text: str, size: int) -> Texts:
    return Texts([text], np.zeros(size, dtype=np.int64))


def date_coded(ordinals: np.ndarray, known: np.ndarray, empty: str = "") -> Texts:
    texts = coded(ordinals, known, lambda o: date.fromordinal(int(o)).isoformat())
    texts.texts.append(empty)  # an unknown date is the text after the last
    return texts


def _schedule_cells(result: RuleColumns, paid: np.ndarray, left_open: np.ndarray) -> Any:
    """`2025-04-28 519000.00; 2027-04-28 519000.00` (`undated` for a date not known;
    `unstated` for the amount of cash the text leaves open)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    size = len(paid)
    if result.dues and left_open.any():
        parts = [joined([_when(due, left_open), _same(UNSTATED, size).arrow()], " ")
                 for due in result.dues]
        return pc.if_else(pa.array(left_open), joined(parts, "; "), "")
    if not result.dues or not paid.any():
        return _same("", size).arrow()
    parts = [joined([_when(due, paid), money_coded(due.amount, paid).arrow()], " ")
             for due in result.dues]
    return pc.if_else(pa.array(paid), joined(parts, "; "), "")


def _when(due: Dues, rows: np.ndarray) -> Any:
    """As `output._when`: the due date, `undated`, or a month's window `first/last`."""
    if not due.month:
        return date_coded(due.due, rows & due.due_known, "undated").arrow()
    texts = coded(due.due, rows & due.due_known, _window)
    texts.texts.append("undated")
    return texts.arrow()


def _window(ordinal: Any) -> str:
    first = date.fromordinal(int(ordinal))
    return f"{first.isoformat()}/{(first + relativedelta(day=31)).isoformat()}"


def joined(columns: list[Any], sep: str, end: str = "") -> Any:
    """Row by row, pyarrow string columns joined by `sep` (a null is an empty cell), each
    followed by `end`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    options = pc.JoinOptions(null_handling="replace", null_replacement="")
    lines = pc.binary_join_element_wise(*columns, sep, options=options)
    if end:
        blank = pa.nulls(len(lines), pa.string())
        lines = pc.binary_join_element_wise(lines, blank, end, options=options)
    return lines


def _arrow_texts(texts: list[str]) -> Any:
    import pyarrow as pa

    return pa.array(texts, pa.large_string())


def in_row_order(groups: list[tuple[np.ndarray, Any]], others: list[tuple[int, str]]
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
    return document_order(rule, city)


def result_lines(assessed: Assessed, heads: Any, payers: list[str], bits: FactBits,
                 unstated: bool = False) -> Any:
    """One line per result, in the order `check` shows them: by document, so a row
    whose national rule leads puts it with the national rules (pyarrow throughout)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    city, size = assessed.city.id, len(assessed.rows)
    lines, keys = [], []
    for slot in range(len(assessed.primary)):
        tails = [(result_tails(result, payers, bits, unstated), rows)
                 for result, rows in assessed.chosen(slot)]
        tail = tails[0][0] if len(tails) == 1 else pc.if_else(
            pa.array(tails[1][1]), tails[1][0], tails[0][0])
        lines.append(joined([heads, tail], ",", "\n"))
        other = assessed.other[slot]
        keys.append((order_key(assessed.primary[slot].rule, city),
                     () if other is None else order_key(other.rule, city)))
    if not lines:
        return pa.array([""] * size, pa.string())
    pattern = np.zeros(size, dtype=np.int64)
    for slot, lead in enumerate(assessed.lead_other):
        pattern |= lead.astype(np.int64) << slot
    groups = []
    codes = np.unique(pattern).tolist()
    for code in codes:
        rows = np.flatnonzero(pattern == code)
        order = sorted(range(len(keys)), key=lambda s: keys[s][code >> s & 1])
        picked = [lines[s] if len(codes) == 1 else lines[s].take(pa.array(rows))
                  for s in order]
        groups.append((rows, pc.binary_join_element_wise(*picked, "")))
    if len(groups) == 1:
        return groups[0][1]
    rows = np.concatenate([rows for rows, _ in groups])
    together = pa.concat_arrays([texts for _, texts in groups])
    return together.take(pa.array(np.argsort(rows, kind="stable")))


def institution_tails(assessed: Assessed, payers: list[str], bits: FactBits,
                      unstated: bool = False) -> list[Texts]:
    """cash, cash_possible, cash_<payer>…, eligible, needs_info, missing: as `Writer`
    writes them (cash and its payers' parts count a range at its least, cash_possible at
    its most)."""
    size = len(assessed.rows)
    total = np.zeros(size, dtype=np.int64)
    possible = np.zeros(size, dtype=np.int64)
    by_payer = {payer: np.zeros(size, dtype=np.int64) for payer in payers}
    present = {payer: np.zeros(size, dtype=bool) for payer in payers}
    missing = np.zeros(size, dtype=np.int64)
    left_open = np.zeros(size, dtype=np.int64)  # awards of an amount the text leaves open
    city = assessed.city.id
    statuses: list[tuple[tuple[Any, ...], str, np.ndarray, np.ndarray]] = []
    for slot in range(len(assessed.primary)):
        for result, rows in assessed.chosen(slot):
            rule = result.rule
            missing |= np.where(rows, result.missing, 0)
            left_open += rows & result.open_rows()
            statuses.append((order_key(rule, city), rule.id, rows, result.status))
            if rule.kind != "cash" or result.amount_known is None:
                continue
            counts = rows & (result.status == ELIGIBLE) & result.amount_known
            counts &= np.asarray(result.amount) != 0
            total = total + np.where(counts, result.amount, 0)
            possible = possible + np.where(counts, result.amount, 0)
            ends = [(counts, result.amount, result.parts if result.paid is not None else None)]
            if result.ranged is not None and result.ranged.any():
                assert result.least is not None and result.most is not None
                ranged = rows & (result.status == ELIGIBLE) & result.ranged
                possible = possible + np.where(ranged, result.most.amount, 0)
                least = ranged & (np.asarray(result.least.amount) != 0)
                total = total + np.where(least, result.least.amount, 0)
                ends.append((least, result.least.amount,
                             result.least.parts if rule.payers else None))
            for counted, _, parts in ends:
                for (payer, _), part in zip(rule.payers, parts or [], strict=True):
                    if payer in by_payer:
                        by_payer[payer] = by_payer[payer] + np.where(counted, part, 0)
                        present[payer] |= counted
    everyone = np.ones(size, dtype=bool)
    cells = [money_coded(total, everyone), money_coded(possible, everyone)]
    if unstated:
        cells.append(coded(left_open, everyone, str))
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
        ids = list(zip(ordered, digits, strict=True))
        eligible.append(csv_cell(";".join(item[1] for item, d in ids if d == ELIGIBLE + 1)))
        needs.append(csv_cell(";".join(item[1] for item, d in ids if d == 2)))
    return [Texts(eligible, where), Texts(needs, where)]
