"""A block's string columns checked and converted into fact columns (`vector.Column`).

Each distinct cell of a column is converted once, by `profile.convert` itself, so a
value means here exactly what it means in a profile (Chinese names, 万 and 亿, dates
written 2025年4月28日). Amounts in plain digits (`86500000`, `86500000.25`) are read in
bulk, as whole fen. A row with any cell that does not convert, a district not in its
city, or an amount beyond what the columns hold exactly is not assessed here: it goes
to the reference path, which reports its problems (or assesses it) row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from incentives.batch.columnar.vector import Column, decimal_parts
from incentives.model.facts import Fact, FactSchema
from incentives.model.place import City
from incentives.model.profile import CONTROL_CHARACTER, Profile, convert

FEN_BOUND = 10**17  # the largest amount held in a column: just under 10**15 yuan
# what str.strip() takes off: every character for which str.isspace() is true
_SPACE = r"[\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}" \
         r"\x{205f}\x{3000}]"
_PADDED = f"^{_SPACE}|{_SPACE}$"
_PLAIN_AMOUNT = r"^[0-9]{1,15}(\.[0-9]{1,10})?[万亿]?$"


@dataclass
class Facts:
    """The facts of a block's plain rows, and which of those rows the reference path takes."""

    size: int
    columns: dict[str, Column]
    city: np.ndarray  # index into the city ids, -1 where not known
    city_ids: list[str]
    refer: np.ndarray  # rows to leave to the reference path
    names: Any  # each row's `name` fact, a pyarrow string array (null where not known)
    districts: np.ndarray  # each row's district as placed in its city (None where not known)
    district_codes: np.ndarray  # index into district_names: rows with the same district
    district_names: list[Any]


def read_facts(cells: list[Any], keys: list[str | None], schema: FactSchema,
               cities: dict[str, City], memo: dict[str, Memo] | None = None
               ) -> Facts:
    """Convert a block's string columns (pyarrow arrays, one per column of the file, the
    profile key of each in `keys`, None for one not assessed); `memo` remembers each
    fact's converted texts from one block to the next."""
    memo = {} if memo is None else memo
    size = len(cells[0]) if cells else 0
    refer = np.zeros(size, dtype=bool)
    columns: dict[str, Column] = {}
    raw: dict[str, Any] = {}
    for index, key in enumerate(keys):
        if key is not None:
            raw[key] = cells[index].combine_chunks()
    city_ids = list(cities)
    city = np.full(size, -1, dtype=np.int64)
    for name, fact in schema.facts.items():
        if fact.derived:
            continue
        if name not in raw:
            columns[name] = _unknown(fact, size)
        elif fact.type == "city":
            codes, known, bad = _by_distinct(raw[name], lambda s, fact=fact: city_ids.index(
                str(convert(fact, s, cities))), memo.setdefault(name, Memo(np.int64, -1)))
            city, refer = np.where(known, codes, -1), refer | bad | ~known
        elif fact.type in ("money", "number"):
            columns[name], bad = _amounts(raw[name], fact, cities)
            refer |= bad
        else:
            columns[name], bad = _categorical(raw[name], fact, cities, memo)
            refer |= bad
    if "city" not in raw:
        refer[:] = True
    _scoped(columns, schema, city, city_ids, refer)
    _imply(columns, schema, refer)
    districts, codes, labels = _place(columns, raw.get("district"), city, city_ids, cities,
                                      schema, refer)
    names = _names(raw.get("name") if "name" in columns else None, size)
    return Facts(size, columns, city, city_ids, refer, names, districts, codes, labels)


def _names(array: Any, size: int) -> Any:
    """The `name` fact of each row as a profile holds it (stripped; null where blank), as
    a pyarrow string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if array is None:
        return pa.nulls(size, pa.string())
    if pc.any(pc.match_substring_regex(array, _PADDED)).as_py():
        return pa.array([text.strip() if text else None for text in array.to_pylist()],
                        pa.string())
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _scoped(columns: dict[str, Column], schema: FactSchema, city: np.ndarray,
            city_ids: list[str], refer: np.ndarray) -> None:
    """A value in a column of a fact another city declares is left to the reference path,
    which rejects the row naming both cities (a blank cell is fine)."""
    for name, fact in schema.facts.items():
        if fact.scope is not None and fact.scope in city_ids:
            own = city == city_ids.index(fact.scope)
            refer |= columns[name].known & ~own
        elif fact.scope is not None:
            refer |= columns[name].known


def _imply(columns: dict[str, Column], schema: FactSchema, refer: np.ndarray) -> None:
    """The facts a known one implies (grade 3A: hospital_level 3), filled in where unknown,
    as parse_profile does; a row that gives one that disagrees is left to the reference
    path, which reports it."""
    for name, fact in schema.facts.items():
        for other, mapping in fact.implies.items():
            given, target = columns[name], columns[other]
            values = schema[other].values
            lookup = np.array([values.index(mapping[v]) if v in mapping else -1
                               for v in fact.values], dtype=np.int64)
            implied = np.where(given.known, lookup[np.where(given.known, given.data, 0)], -1)
            some = implied >= 0
            refer |= target.known & some & (target.data != implied)
            target.data = np.where(target.known | ~some, target.data, implied)
            target.known = target.known | some


def _unknown(fact: Fact, size: int) -> Column:
    kind = fact.value_type
    data = (np.full(size, None, dtype=object) if kind == "text"
            else np.zeros(size, dtype=bool if kind == "bool" else np.int64))
    return Column(kind, data, np.zeros(size, dtype=bool), 2 if kind == "number" else 0, fact)


class Memo:
    """The texts of one fact converted so far (blocks repeat them: dates, kinds, yes/no),
    looked up in bulk with pyarrow; forgotten past MEMO_LIMIT texts, so memory stays
    bounded whatever the file holds."""

    LIMIT = 200_000

    def __init__(self, dtype: Any, empty: Any) -> None:
        self.dtype, self.empty = dtype, empty
        self.texts: list[str] = []
        self.array: Any = None
        self.values = np.empty(0, dtype=dtype)
        self.known = np.empty(0, dtype=bool)
        self.bad = np.empty(0, dtype=bool)

    def lookup(self, texts: Any, value_of: Any) -> np.ndarray:
        """The memo's index of each text, converting the distinct new ones."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if len(self.texts) > self.LIMIT:
            self.__init__(self.dtype, self.empty)  # type: ignore[misc]
        index = pc.index_in(texts, value_set=self.array) if self.array is not None \
            else pa.nulls(len(texts), pa.int32())
        if index.null_count:
            self._convert(pc.unique(texts.filter(index.is_null())).to_pylist(), value_of)
            index = pc.index_in(texts, value_set=self.array)
        return index.to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]

    def _convert(self, texts: list[str], value_of: Any) -> None:
        import pyarrow as pa

        values = np.full(len(texts), self.empty, dtype=self.dtype)
        known = np.zeros(len(texts), dtype=bool)
        bad = np.zeros(len(texts), dtype=bool)
        for index, text in enumerate(texts):
            if text == "":
                continue
            try:
                values[index], known[index] = value_of(text), True
            except ValueError:
                bad[index] = True
        self.texts += texts
        self.array = pa.array(self.texts, pa.string())
        self.values = np.concatenate([self.values, values])
        self.known = np.concatenate([self.known, known])
        self.bad = np.concatenate([self.bad, bad])


def _by_distinct(array: Any, value_of: Any, memo: Memo
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each distinct cell converted once: (values, known, bad) per row. A blank cell is
    unknown; a cell whose conversion raises ValueError is bad."""
    where = memo.lookup(array, value_of)
    return memo.values[where], memo.known[where], memo.bad[where]


def _categorical(array: Any, fact: Fact, cities: dict[str, City], memo: dict[str, Memo]
                 ) -> tuple[Column, np.ndarray]:
    kind = fact.value_type
    if kind == "text":
        import pyarrow.compute as pc

        data = array.to_numpy(zero_copy_only=False)
        known = pc.not_equal(array, "").to_numpy(zero_copy_only=False)
        bad = np.zeros(len(data), dtype=bool)
        # one pass finds neither padding nor a control character in the usual block
        if pc.any(pc.match_substring_regex(array, f"{_PADDED}|{CONTROL_CHARACTER.pattern}"
                                           )).as_py():
            padded = pc.match_substring_regex(array, _PADDED).to_numpy(zero_copy_only=False)
            for index in np.flatnonzero(padded).tolist():
                data[index] = data[index].strip()
            # a text with a control character is refused by the row engine, which words why
            bad = pc.match_substring_regex(array, CONTROL_CHARACTER.pattern).to_numpy(
                zero_copy_only=False)
        data[~known] = None
        return Column(kind, data, known, 0, fact), bad
    if kind == "bool":
        values, known, bad = _by_distinct(
            array, lambda s: bool(convert(fact, s, cities)), memo.setdefault(
                fact.name, Memo(bool, False)))
    elif kind == "enum":
        values, known, bad = _by_distinct(
            array, lambda s: fact.values.index(str(convert(fact, s, cities))),
            memo.setdefault(fact.name, Memo(np.int64, 0)))
    else:  # a date, as its ordinal
        values, known, bad = _by_distinct(
            array, lambda s: convert(fact, s, cities).toordinal(),  # type: ignore[union-attr]
            memo.setdefault(fact.name, Memo(np.int64, 0)))
    return Column(kind, values, known, 0, fact), bad


def _amounts(array: Any, fact: Fact, cities: dict[str, City]) -> tuple[Column, np.ndarray]:
    """Whole fen: plain digits with 万 or 亿 in bulk, anything else (commas, spaces, %…)
    one distinct text at a time by `convert`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    fen, known = _plain_fen(array)
    bad = np.zeros(len(known), dtype=bool)
    others = ~known & pc.not_equal(array, "").to_numpy(zero_copy_only=False)
    if others.any():
        rows = np.flatnonzero(others)
        encoded = pc.dictionary_encode(array.filter(pa.array(others)))
        texts = encoded.dictionary.to_pylist()
        values = np.zeros(len(texts), dtype=np.int64)
        usable = np.zeros(len(texts), dtype=bool)
        for index, text in enumerate(texts):
            try:
                whole = _as_fen(convert(fact, text, cities))  # type: ignore[arg-type]
            except ValueError:
                continue
            if whole is not None:  # else exact, but not held here: the reference path
                values[index], usable[index] = whole, True
        where = encoded.indices.to_numpy(zero_copy_only=False)
        fen[rows], known[rows], bad[rows] = values[where], usable[where], ~usable[where]
    return Column("number", np.where(known, fen, 0), known, 2, fact), bad


def _plain_fen(texts: Any) -> tuple[np.ndarray, np.ndarray]:
    """`86500000`, `86500000.25`, `8650万`, `1.2亿` as whole fen, in bulk; known False for
    any other text (and for one that is not a whole number of fen or is too large)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    fen = np.zeros(len(texts), dtype=np.int64)
    known = np.zeros(len(texts), dtype=bool)
    filled = pc.not_equal(texts, "")
    rows = np.flatnonzero(filled.to_numpy(zero_copy_only=False))
    if not len(rows):
        return fen, known
    texts = texts.filter(filled)
    plain = pc.match_substring_regex(texts, _PLAIN_AMOUNT)
    yi = pc.ends_with(texts, "亿").to_numpy(zero_copy_only=False)
    wan = pc.ends_with(texts, "万").to_numpy(zero_copy_only=False)
    body = pc.if_else(plain, texts, "0")
    if yi.any() or wan.any():
        body = pc.if_else(pa.array(yi | wan), pc.utf8_slice_codeunits(body, 0, -1), body)
    dot = pc.find_substring(body, ".").to_numpy(zero_copy_only=False)
    length = pc.binary_length(body).to_numpy(zero_copy_only=False)
    places = np.where(dot >= 0, length - dot - 1, 0)
    usable = plain.to_numpy(zero_copy_only=False) & (length - (dot >= 0) <= 18)
    if (dot >= 0).any():
        body = pc.replace_substring(body, ".", "")
    ints = pc.cast(pc.if_else(pa.array(usable), body, "0"), pa.int64()).to_numpy(
        zero_copy_only=False)
    shift = np.where(yi, 8, np.where(wan, 4, 0)) + 2 - places
    usable &= shift >= 0
    scale = 10 ** np.clip(shift, 0, 18).astype(np.int64)
    usable &= ints < FEN_BOUND // scale
    fen[rows] = np.where(usable, ints * np.where(usable, scale, 1), 0)
    known[rows] = usable
    return fen, known


def _as_fen(value: Decimal) -> int | None:
    coefficient, exp = decimal_parts(value)
    if exp > 2:  # 9395.6182万 is 93956182.0000: whole fen all the same
        step = 10 ** (exp - 2)
        if coefficient % step:
            return None
        coefficient, exp = coefficient // step, 2
    fen = coefficient * 10 ** (2 - exp)
    return fen if abs(fen) < FEN_BOUND else None


def _place(columns: dict[str, Column], raw: Any, city: np.ndarray, city_ids: list[str],
           cities: dict[str, City], schema: FactSchema, refer: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Each district placed in its row's city (its full name) and its division type; a
    row whose district is not in its city is left to the reference path."""
    import pyarrow.compute as pc

    size = len(city)
    type_fact = schema.facts["division_type"]
    district = columns.get("district")
    if district is None or raw is None:
        columns["division_type"] = _unknown(type_fact, size)
        return np.full(size, None, dtype=object), np.zeros(size, dtype=np.int64), [None]
    encoded = pc.dictionary_encode(raw)
    texts = [text.strip() for text in encoded.dictionary.to_pylist()]
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    pairs = np.where(district.known & (city >= 0), city * len(texts) + codes, -1)
    distinct, where = np.unique(pairs, return_inverse=True)
    names = np.full(len(distinct), None, dtype=object)
    types = np.zeros(len(distinct), dtype=np.int64)
    placed = np.zeros(len(distinct), dtype=bool)
    for index, pair in enumerate(distinct.tolist()):
        if pair < 0:
            continue
        division = cities[city_ids[pair // len(texts)]].division(texts[pair % len(texts)])
        if division is not None:
            names[index], placed[index] = division.name, True
            types[index] = type_fact.values.index(division.type)
    row_placed = placed[where]
    refer |= district.known & ~row_placed & (city >= 0)
    district.data = names[where]
    district.known = row_placed
    columns["division_type"] = Column("enum", types[where], row_placed, 0, type_fact)
    codes = np.where(row_placed, where, len(distinct))
    return district.data, codes, [*names.tolist(), None]


def facts_of(profiles: list[Profile], schema: FactSchema, cities: dict[str, City]) -> Facts:
    """Profiles already parsed, as fact columns: for evaluating a list of institutions
    over columns (the tests, the evaluation benchmark). Numbers keep every decimal place."""
    size = len(profiles)
    columns: dict[str, Column] = {}
    for name, fact in schema.facts.items():
        values = [profile.facts.get(name) for profile in profiles]
        known = np.array([value is not None for value in values], dtype=bool)
        kind = fact.value_type
        if kind == "number":
            numbers = [v for v in values if isinstance(v, Decimal)]
            exp = max([2, *(decimal_parts(v)[1] for v in numbers)])
            ints = [decimal_parts(v)[0] * 10 ** (exp - decimal_parts(v)[1])
                    if isinstance(v, Decimal) else 0 for v in values]
            data = np.array(ints, dtype=object)
            if all(abs(i) < 2**62 for i in ints):
                data = data.astype(np.int64)
            columns[name] = Column(kind, data, known, exp, fact)
            continue
        if kind == "bool":
            data = np.array([bool(v) for v in values], dtype=bool)
        elif kind == "date":
            data = np.array([v.toordinal() if v else 0 for v in values],  # type: ignore[union-attr]
                            dtype=np.int64)
        elif kind == "enum":
            data = np.array([fact.values.index(v) if v else 0 for v in values], dtype=np.int64)
        else:
            data = np.array(values, dtype=object)
        columns[name] = Column(kind, data, known, 0, fact)
    city_ids = list(cities)
    city = np.array([city_ids.index(p.city) for p in profiles], dtype=np.int64)
    districts = np.array([p.facts.get("district") for p in profiles], dtype=object)
    names = sorted({str(d) for d in districts if d is not None})
    codes = np.array([names.index(d) if d is not None else len(names) for d in districts],
                     dtype=np.int64)
    import pyarrow as pa

    return Facts(size, columns, city, city_ids, np.zeros(size, dtype=bool),
                 pa.array([p.facts.get("name") for p in profiles], pa.string()), districts,
                 codes, [*names, None])
