"""Output lines made from columns, byte for byte as `batch_output.Writer` writes them.

A column of texts is kept as its few distinct texts and each row's index among them
(`Texts`): money is formatted once per distinct amount, a date once per distinct day,
a list of missing facts once per distinct set. The cells of a result are combined the
same way (`combined`): each distinct combination of their texts is one line's tail,
formatted once. A row's lines are then its head (row, name, city, district) and one
tail per result, put together by a single pyarrow `take` over a small table of texts
(`assemble`), so no Python string is made per row and each output byte is copied once.
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


def csv_cells(texts: Any) -> Any:
    """A pyarrow string array's cells as `csv_cell` writes them (a null is "")."""
    import pyarrow as pa
    import pyarrow.compute as pc

    plain = texts.fill_null("")
    if pc.any(pc.match_substring_regex(plain, NEEDS_CARE.pattern)).as_py():
        return pa.array([csv_cell(text) for text in texts.to_pylist()], pa.string())
    return plain


@dataclass
class Texts:
    """A column of texts as a few distinct texts and each row's index among them (an
    index past the end is an empty cell): cheap to build, and cheap to hand to pyarrow."""

    texts: Any  # a list of str, or (made by `combined`) a pyarrow string array
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
    """Each known amount as yuan with two decimals, each distinct amount formatted once
    (with pyarrow, for amounts held in int64)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if fen is None or not known.any():
        return Texts([], np.zeros(len(known), dtype=np.int64))
    distinct, where = np.unique(np.asarray(fen)[known], return_inverse=True)
    index = np.full(len(known), len(distinct), dtype=np.int64)
    index[known] = where
    if distinct.dtype == object:  # Python integers, beyond int64
        return Texts([_yuan(int(v)) for v in distinct.tolist()], index)
    whole, part = np.divmod(np.abs(distinct), 100)
    sign = pc.if_else(pa.array(distinct < 0), "-", "")
    cents = pc.utf8_lpad(pc.cast(pa.array(part), pa.string()), 2, "0")
    texts = pc.binary_join_element_wise(sign, pc.cast(pa.array(whole), pa.string()), ".",
                                        cents, "")
    return Texts(texts, index)


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


def missing_coded(masks: np.ndarray, bits: FactBits) -> Texts:
    return coded(masks, np.ones(len(masks), dtype=bool),
                 lambda m: csv_cell(";".join(bits.decode(int(m)))))


def combined(columns: list[Texts], size: int, render: Callable[[list[Any]], Any]) -> Texts:
    """The columns as one: each distinct combination of their texts (an index past the
    end is "") rendered once, by `render` over pyarrow string arrays of the columns'
    texts (one item per combination). Every index of the result is within its texts,
    which are a pyarrow string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    key, span = np.zeros(size, dtype=np.int64), 1
    for column in columns:
        radix = len(column.texts) + 1
        if span * radix >= 1 << 62:  # squeeze the key to its distinct values first
            key, span = _squeezed(key)
        key, span = key * radix + column.index, span * radix
    encoded = pc.dictionary_encode(pa.array(key))
    where = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    first = np.zeros(len(encoded.dictionary), dtype=np.int64)
    first[where] = np.arange(size)  # a row of each combination
    cells = [_with_empty(column.texts).take(pa.array(column.index[first]))
             for column in columns]
    return Texts(render(cells), where)


def _with_empty(texts: Any) -> Any:
    """The texts and "" after them, as a pyarrow string array."""
    import pyarrow as pa

    if isinstance(texts, list):
        return pa.array([*texts, ""], pa.string())
    return pa.concat_arrays([texts.cast(pa.string()), pa.array([""], pa.string())])


def _squeezed(key: np.ndarray) -> tuple[np.ndarray, int]:
    distinct, where = np.unique(key, return_inverse=True)
    return where.astype(np.int64), len(distinct)


def tail_cells(cells: list[Any]) -> Any:
    """`,cell,cell,…\n`."""
    import pyarrow as pa

    return joined([pa.nulls(len(cells[0]), pa.string()), *cells], ",", "\n")


def result_tails(result: RuleColumns, payers: list[str], bits: FactBits,
                 unstated: bool = False) -> Texts:
    """Each row's cells from `rule` on, as `batch_output._result_cells` writes them, as
    one tail `,rule,status,…,missing\n` per distinct combination."""
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
    cells += [_schedule_cells(result, paid, left_open), missing_coded(result.missing, bits)]
    return combined(cells, size, tail_cells)


def _range_cells(result: RuleColumns, size: int) -> list[Texts]:
    """amount_least and amount_most: filled where the amount is open but bounded."""
    if result.ranged is None or not result.ranged.any():
        return [_same("", size), _same("", size)]
    assert result.least is not None and result.most is not None
    return [money_coded(result.least.amount, result.ranged),
            money_coded(result.most.amount, result.ranged)]


def _same(text: str, size: int) -> Texts:
    return Texts([text], np.zeros(size, dtype=np.int64))


_ISO: dict[int, str] = {}  # each date's ISO text, once (at most the days 1700 to 2400)


def iso(ordinal: int) -> str:
    text = _ISO.get(ordinal)
    if text is None:
        text = _ISO[ordinal] = date.fromordinal(ordinal).isoformat()
    return text


def date_coded(ordinals: np.ndarray, known: np.ndarray, empty: str = "") -> Texts:
    texts = coded(ordinals, known, iso)
    texts.texts.append(empty)  # an unknown date is the text after the last
    return texts


def _schedule_cells(result: RuleColumns, paid: np.ndarray, left_open: np.ndarray) -> Texts:
    """`2025-04-28 519000.00; 2027-04-28 519000.00` (`undated` for a date not known;
    `unstated` for the amount of cash the text leaves open)."""
    size = len(paid)
    if result.dues and left_open.any():
        cells = [_flag(left_open)]
        for due in result.dues:
            cells += [_when(due, left_open), _same(UNSTATED, size)]
    elif not result.dues or not paid.any():
        return _same("", size)
    else:
        cells = [_flag(paid)]
        for due in result.dues:
            cells += [_when(due, paid), money_coded(due.amount, paid)]
    return combined(cells, size, _instalments)


def _flag(rows: np.ndarray) -> Texts:
    """"x" where `rows`, "" elsewhere."""
    return Texts(["x"], (~rows).astype(np.int64))


def _instalments(cells: list[Any]) -> Any:
    """A schedule cell from its flag and each instalment's (when, amount)."""
    import pyarrow.compute as pc

    parts = [joined([when, amount], " ") for when, amount in zip(cells[1::2], cells[2::2],
                                                                 strict=True)]
    return pc.if_else(pc.not_equal(cells[0], ""), joined(parts, "; "), "")


def _when(due: Dues, rows: np.ndarray) -> Texts:
    """As `output._when`: the due date, `undated`, or a month's window `first/last`."""
    if not due.month:
        return date_coded(due.due, rows & due.due_known, "undated")
    texts = coded(due.due, rows & due.due_known, _window)
    texts.texts.append("undated")
    return texts


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


def write_in_row_order(groups: list[tuple[np.ndarray, Any]], others: list[tuple[int, str]],
                       write: Callable[[Any], Any]) -> None:
    """The groups' lines (each a pyarrow large_string array, a row's text an item) and
    the reference path's texts, written by row number. With one group (the usual case:
    one city) the few other rows are spliced in between slices of its lines, written
    straight from pyarrow's buffer; with several the lines are reordered with pyarrow."""
    import pyarrow as pa

    if len(groups) > 1:
        numbers = np.concatenate([numbers for numbers, _ in groups]
                                 + [np.array([n for n, _ in others], dtype=np.int64)])
        texts = pa.concat_arrays([texts for _, texts in groups]
                                 + [pa.array([t for _, t in others], pa.large_string())])
        groups = [(np.sort(numbers), texts.take(pa.array(np.argsort(numbers, kind="stable"))))]
        others = []
    if not groups:
        write("".join(text for _, text in others).encode("utf-8"))
        return
    numbers, texts = groups[0]
    data, offsets = _buffer(texts)
    positions = np.searchsorted(numbers, [n for n, _ in others]).tolist()
    start = 0
    for position, (_, text) in zip(positions, others, strict=True):
        write(data[offsets[start]:offsets[position]])
        write(text.encode("utf-8"))
        start = position
    write(data[offsets[start]:offsets[-1]])


def _buffer(texts: Any) -> tuple[memoryview, list[int]]:
    """A large_string array's UTF-8 bytes and each value's offset into them."""
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[
        texts.offset:texts.offset + len(texts) + 1]
    data = texts.buffers()[2]
    return memoryview(b"" if data is None else data), offsets.tolist()


def assemble(heads: Any, tails: list[Texts], order: np.ndarray) -> Any:
    """Each row's text: for each slot in the row's order (`order[row]`), its head (a
    pyarrow string array) and that slot's tail, as a pyarrow large_string array of one
    item a row: one `take` from a table of the heads and every slot's distinct tails."""
    import pyarrow as pa

    size, width = order.shape
    if not size:
        return pa.array([], pa.large_string())
    pool = pa.concat_arrays([heads.cast(pa.large_string()),
                             *(tail.texts.cast(pa.large_string()) for tail in tails)])
    starts = np.cumsum([size] + [len(tail.texts) for tail in tails])[:-1]
    codes = np.stack([tail.index + start for tail, start in zip(tails, starts, strict=True)],
                     axis=1)
    pieces = np.empty((size, 2 * width), dtype=np.int64)
    pieces[:, 0::2] = np.arange(size)[:, None]
    pieces[:, 1::2] = np.take_along_axis(codes, order, axis=1)
    flat = pool.take(pa.array(pieces.ravel()))
    offsets = np.frombuffer(flat.buffers()[1], dtype=np.int64)[
        flat.offset:flat.offset + len(flat) + 1][::2 * width]
    return pa.LargeStringArray.from_buffers(size, pa.py_buffer(np.ascontiguousarray(offsets)),
                                            flat.buffers()[2])


def order_key(rule: Rule, city: str) -> tuple[Any, ...]:
    return document_order(rule, city)


def result_lines(assessed: Assessed, heads: Any, tails_of: Callable[[RuleColumns], Texts]
                 ) -> Any:
    """One line per result, in the order `check` shows them: by document, so a row
    whose national rule leads puts it with the national rules (a pyarrow large_string
    array, a row's lines an item). `tails_of`: a result's tails (`result_tails`, or
    `jsontext.json_result_tails`)."""
    import pyarrow as pa

    city, size = assessed.city.id, len(assessed.rows)
    tails, keys = [], []
    for slot in range(len(assessed.primary)):
        chosen = [(tails_of(result), rows) for result, rows in assessed.chosen(slot)]
        tail = chosen[0][0]
        if len(chosen) > 1:
            second, lead = chosen[1]
            tail = Texts(pa.concat_arrays([tail.texts, second.texts]),
                         np.where(lead, second.index + len(tail.texts), tail.index))
        tails.append(tail)
        other = assessed.other[slot]
        keys.append((order_key(assessed.primary[slot].rule, city),
                     () if other is None else order_key(other.rule, city)))
    if not tails:
        return pa.array([""] * size, pa.large_string())
    pattern = np.zeros(size, dtype=np.int64)
    for slot, lead in enumerate(assessed.lead_other):
        pattern |= lead.astype(np.int64) << slot
    codes, where = np.unique(pattern, return_inverse=True)
    orders = np.array([_slot_order(keys, code) for code in codes.tolist()], dtype=np.int64)
    return assemble(heads, tails, orders[where])


def _slot_order(keys: list[tuple[Any, Any]], code: int) -> list[int]:
    """The slots in the order shown, where bit s of `code` says the restated rule of slot
    s leads."""
    return sorted(range(len(keys)), key=lambda s: keys[s][code >> s & 1])


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
    rules = tuple(item[1] for item in ordered)
    if len(_STATUS_CELLS) > _STATUS_CELLS_KEPT:
        _STATUS_CELLS.clear()
    eligible, needs = [], []
    for value in distinct.tolist():
        cells = _STATUS_CELLS.get((rules, value))
        if cells is None:
            cells = _STATUS_CELLS[(rules, value)] = _status_cells(rules, value)
        eligible.append(cells[0])
        needs.append(cells[1])
    return [Texts(eligible, where), Texts(needs, where)]


# each combination of statuses met, for each order of rules, as its two cells: blocks
# repeat them (at most _STATUS_CELLS_KEPT are kept)
_STATUS_CELLS: dict[tuple[tuple[str, ...], int], tuple[str, str]] = {}
_STATUS_CELLS_KEPT = 100_000


def _status_cells(rules: tuple[str, ...], value: int) -> tuple[str, str]:
    """The eligible and needs_info cells of a combination: two bits a rule, the last
    rule's lowest (0: no result, 1 + the status)."""
    digits = []
    for _ in rules:
        digits.append(value % 4)
        value //= 4
    digits.reverse()
    ids = list(zip(rules, digits, strict=True))
    return (csv_cell(";".join(rule for rule, d in ids if d == ELIGIBLE + 1)),
            csv_cell(";".join(rule for rule, d in ids if d == 2)))
