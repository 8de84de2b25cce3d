"""JSON Lines output made from columns, byte for byte as `batch_output.Writer` writes it
per result: `{"row": 1, "name": …, "city": …, "district": …, "rule": …, …}`.

The same codes as the CSV lines (`columnar_text`): each value is a few distinct JSON
texts and each row's index among them, a result's values are combined into one tail per
distinct combination, and a row's lines are put together by one pyarrow `take`
(`text.assemble`). JSON texts are as `jsonable.dumps` writes them (`json.dumps`, Chinese
kept as is).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from incentives.batch.columnar.engine import STATUS_NAMES, Dues, FactBits, RuleColumns
from incentives.batch.columnar.text import Texts, coded, combined, iso, joined, money_coded
from incentives.model.place import City

_ESCAPED = re.compile(r'["\\\x00-\x1f]')  # what json.dumps writes escaped (Chinese kept)


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def quoted(texts: Texts, empty: str = "null") -> Texts:
    """Each text as a JSON string; an index past the end is `empty`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(texts.texts, list):
        return Texts([*(json_text(t) for t in texts.texts), empty], texts.index)
    plain = texts.texts.cast(pa.string())
    if pc.any(pc.match_substring_regex(plain, _ESCAPED.pattern)).as_py():
        return Texts([*(json_text(t) for t in plain.to_pylist()), empty], texts.index)
    wrapped = pc.binary_join_element_wise('"', plain, '"', "")
    return Texts(pa.concat_arrays([wrapped, pa.array([empty], pa.string())]), texts.index)


def json_names(array: Any) -> Any:
    """Each row's name (a pyarrow string array, null where not known) as JSON."""
    import pyarrow as pa
    import pyarrow.compute as pc

    escaped = pc.match_substring_regex(array, _ESCAPED.pattern)
    if pc.any(escaped).as_py():
        return pa.array([json_text(name) for name in array.to_pylist()], pa.string())
    return pc.fill_null(pc.binary_join_element_wise('"', array, '"', ""), "null")


def json_dates(ordinals: np.ndarray, known: np.ndarray) -> Texts:
    """Each known date as a JSON string, null elsewhere."""
    texts = coded(ordinals, known, lambda o: f'"{iso(int(o))}"')
    texts.texts.append("null")
    return texts


def _listed(items: list[Any], like: Any) -> Any:
    """The items joined by ", " (nothing, for no items)."""
    return joined(items, ", ") if items else _constant("", like)


def _same(text: str, size: int) -> Texts:
    return Texts([text], np.zeros(size, dtype=np.int64))


def _keyed(key: str, cells: list[Any]) -> Any:
    return joined([_constant(f'"{key}": ', cells[0]), *cells], "")


def _constant(text: str, like: Any) -> Any:
    import pyarrow as pa

    return pa.array([text] * len(like), pa.string())


def json_result_tails(result: RuleColumns, bits: FactBits, city: City,
                      districts: Texts) -> Texts:
    """Each row's values from `rule` on, as `batch_output.result_record` gives them to
    `dumps`: `, "rule": …, "amount_unstated": false}\\n`, one per distinct combination.
    `districts`: each row's district (its name, or past the end where not known)."""
    rule, size = result.rule, len(result.status)
    none = np.zeros(size, dtype=bool)
    known = result.amount_known if result.amount_known is not None else none
    paid = result.paid if result.paid is not None else none
    left_open = result.open_rows()
    cells = [_same(f'"rule": {json_text(rule.id)}', size),
             Texts([f'"status": {json_text(s)}' for s in STATUS_NAMES], result.status),
             _same(f'"kind": {json_text(rule.kind)}', size),
             _prefixed('"amount": ', quoted(money_coded(result.amount, known))),
             _range(result, size),
             _payers(result, paid, left_open, city, districts),
             _schedule(result, paid, left_open),
             _period(result, size),
             coded(result.missing, np.ones(size, dtype=bool),
                   lambda m: f'"missing": {json_text(bits.decode(int(m)))}'),
             Texts(['"amount_unstated": false', '"amount_unstated": true'],
                   left_open.astype(np.int64))]
    return combined(cells, size, _tail)


def _tail(cells: list[Any]) -> Any:
    import pyarrow as pa

    return joined([pa.nulls(len(cells[0]), pa.string()), *cells], ", ", "}\n")


def _prefixed(prefix: str, texts: Texts) -> Texts:
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(texts.texts, list):
        return Texts([prefix + t for t in texts.texts], texts.index)
    return Texts(pc.binary_join_element_wise(prefix, texts.texts.cast(pa.string()), ""),
                 texts.index)


def _flag(rows: np.ndarray) -> Texts:
    return Texts(["x"], (~rows).astype(np.int64))


def _when_flagged(cells: list[Any], inner: Any, empty: str) -> Any:
    import pyarrow.compute as pc

    return pc.if_else(pc.not_equal(cells[0], ""), inner, empty)


def _pair_object(key: str, first: str, second: str) -> Callable[[list[Any]], Any]:
    """How the cells [flag, first, second] are written: `"key": {"first": …, "second":
    …}` where the flag is set, else `"key": null`."""
    def render(cells: list[Any]) -> Any:
        inner = joined([_constant(f'"{key}": {{"{first}": ', cells[0]), cells[1],
                        _constant(f', "{second}": ', cells[0]), cells[2],
                        _constant("}", cells[0])], "")
        return _when_flagged(cells, inner, f'"{key}": null')
    return render


def _range(result: RuleColumns, size: int) -> Texts:
    """`"range": {"least": "…", "most": "…"}` where the open amount is bounded, else null."""
    if result.ranged is None or not result.ranged.any():
        return _same('"range": null', size)
    assert result.least is not None and result.most is not None
    cells = [_flag(result.ranged), quoted(money_coded(result.least.amount, result.ranged)),
             quoted(money_coded(result.most.amount, result.ranged))]

    return combined(cells, size, _pair_object("range", "least", "most"))


def _labels(city: City, payer: str, districts: Texts) -> Texts:
    """The payer's label (its finance bureau) for each row's district, as JSON."""
    names = list(districts.texts)
    return Texts([json_text(city.payer_label(payer, name)) for name in names]
                 + [json_text(city.payer_label(payer, None))], districts.index)


def _payers(result: RuleColumns, paid: np.ndarray, left_open: np.ndarray, city: City,
            districts: Texts) -> Texts:
    """`"payers": [{"payer": …, "label": …, "amount": …}, …]`: each payer's part where
    paid, each with amount null where the amount is left open, else []."""
    rule, size = result.rule, len(paid)
    if not rule.payers or not (paid.any() or left_open.any()):
        return _same('"payers": []', size)
    state = Texts(["paid", "open"], np.where(paid, 0, np.where(left_open, 1, 2)))
    cells = [state]
    for index, (payer, _) in enumerate(rule.payers):
        part = result.parts[index] if paid.any() else None
        cells += [_labels(city, payer, districts), quoted(money_coded(part, paid))]

    def render(cells: list[Any]) -> Any:
        import pyarrow.compute as pc

        items = [joined([_constant(f'{{"payer": {json_text(payer)}, "label": ', cells[0]),
                         label, _constant(', "amount": ', cells[0]), amount,
                         _constant("}", cells[0])], "")
                 for (payer, _), label, amount in zip(rule.payers, cells[1::2], cells[2::2],
                                                      strict=True)]
        listed = joined([_constant('"payers": [', cells[0]), joined(items, ", "),
                         _constant("]", cells[0])], "")
        return pc.if_else(pc.equal(cells[0], ""), '"payers": []', listed)

    return combined(cells, size, render)


def _due_dates(due: Dues, rows: np.ndarray) -> tuple[Texts, Texts]:
    """An instalment's `"due": …, "until": …` parts: its date (the first day of a month's
    window) and the window's last day; null where not known (or not a window)."""
    from dateutil.relativedelta import relativedelta

    when = rows & due.due_known
    if not due.month:
        return json_dates(due.due, when), _same("null", len(rows))
    from datetime import date

    until = coded(due.due, when,
                  lambda o: json_text((date.fromordinal(int(o)) + relativedelta(day=31))
                                      .isoformat()))
    until.texts.append("null")
    return json_dates(due.due, when), until


def _schedule(result: RuleColumns, paid: np.ndarray, left_open: np.ndarray) -> Texts:
    """`"schedule": [{"due": …, "until": …, "amount": …, "payers": […]}, …]` where paid
    (amounts null where the amount is left open), else []."""
    size = len(paid)
    if not result.dues or not (paid.any() or left_open.any()):
        return _same('"schedule": []', size)
    payers = [payer for payer, _ in result.rule.payers]
    rows = paid | left_open
    state = Texts(["x"], np.where(paid | left_open, 0, 1))
    cells = [state]
    for due in result.dues:
        start, until = _due_dates(due, rows)
        amounts = [quoted(money_coded(due.amount, paid & ~left_open))]
        amounts += [quoted(money_coded(part, paid & ~left_open)) for part in due.parts]
        if len(due.parts) != len(payers):  # no parts (an open amount): every one null
            amounts = amounts[:1] + [_same("null", size)] * len(payers)
        cells += [start, until, *amounts]
    width = 3 + len(payers)

    def render(cells: list[Any]) -> Any:
        import pyarrow.compute as pc

        entries = []
        for at in range(1, len(cells), width):
            due, until, amount, *parts = cells[at:at + width]
            shares = [joined([_constant(f'{{"payer": {json_text(payer)}, "amount": ', due),
                              part, _constant("}", due)], "")
                      for payer, part in zip(payers, parts, strict=True)]
            entries.append(joined([_constant('{"due": ', due), due,
                                   _constant(', "until": ', due), until,
                                   _constant(', "amount": ', due), amount,
                                   _constant(', "payers": [', due), _listed(shares, due),
                                   _constant("]}", due)], ""))
        listed = joined([_constant('"schedule": [', cells[0]), joined(entries, ", "),
                         _constant("]", cells[0])], "")
        return pc.if_else(pc.equal(cells[0], ""), '"schedule": []', listed)

    return combined(cells, size, render)


def _period(result: RuleColumns, size: int) -> Texts:
    """`"period": {"start": …, "end": …}` where there is one, else null."""
    if result.period is None:
        return _same('"period": null', size)
    assert result.start is not None and result.start_known is not None
    assert result.end is not None and result.end_known is not None
    cells = [_flag(result.period),
             json_dates(result.start, result.period & result.start_known),
             json_dates(result.end, result.period & result.end_known)]

    return combined(cells, size, _pair_object("period", "start", "end"))
