"""The bundled rule book kept whole between runs: read back without parsing, validating or
compiling a rule, so a `check` starts in the time it takes to read one JSON file.

A load of the bundled rules (rulebook.load_rulebook with no other folder) that succeeds is
written to the user's cache folder (the one load/cache.py keeps, mode 0700) as plain JSON:
every object of the book by its class, among a fixed list of the model's classes, with
its fields. Reading it back makes those objects and nothing else: no code is named in it,
none is run (the few functions an expression holds, like the `+` of `a + b`, are named and
taken from a fixed table), and the expressions are the trees the compiler built, already
checked against the fact schema.

An entry is used only if:

- its key is the SHA-256 of everything the book is made from: the text of every file
  under the bundled rules folder and of the base facts.toml, the size and time of change
  of each module that loads or holds a book (load/ and model/), and this program's
  version. An edited rule, a new file or an edited loader all give another key: the rules
  are loaded afresh;
- it is a regular file of bounded size (read_bounded, no link followed), and the SHA-256
  of its body is the one its first line records: an entry truncated, edited or swapped
  is not used, and the rules are loaded (and the entry written) again.

INCENTIVES_NO_CACHE=1 turns it off, as it does the TOML cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from incentives.files import read_bounded, write_text
from incentives.load import cache
from incentives.load.book import RuleBook
from incentives.model import conditions, facts, params, place, rule
from incentives.version import __version__

FORMAT = "book-v2"
MAX_BOOK_BYTES = 16 * 1024 * 1024
PACKAGE = Path(__file__).resolve().parent.parent
CODE = ("load", "model")  # the modules whose code decides what a loaded book holds

# The classes an entry may make, by name. A book holding any other is not kept.
CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    RuleBook, facts.FactSchema, facts.Fact, place.City, place.Division, place.Document,
    place.DocumentEnd, params.ParamTable, params.ParamValue, rule.Rule, rule.Text,
    rule.Offset, rule.Source, rule.Quote, rule.AmountCase, rule.Instalment, rule.Component,
    rule.Saving, rule.Note, conditions.Expression, conditions.VType,
    conditions.NamedCondition, conditions.Const, conditions.FactRef, conditions.ParamRef,
    conditions.DateRef, conditions.Known, conditions.Floor, conditions.Arith,
    conditions.Neg, conditions.MinMax, conditions.Compare, conditions.BoolLeaf,
    conditions.Not, conditions.ConditionRef, conditions.BoolOp)}
# The functions an expression's nodes hold (Arith, Compare, MinMax), by name.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    **{f"op:{fn.__name__}": fn for fn in conditions.BINARY_OPERATIONS},
    **{f"cmp:{op}": fn for op, fn in conditions.ORDER_OPS.items()},
    "min": min, "max": max,
}
_FUNCTION_NAMES = {id(fn): name for name, fn in FUNCTIONS.items()}
# What is worked out again on reading, never kept: caches, and what is derived from fields.
LEFT_OUT: dict[type, frozenset[str]] = {
    RuleBook: frozenset({"derived"}),
    rule.Offset: frozenset({"points", "delta"}),
    rule.Rule: frozenset({"payer_weights", "instalment_weights"}),
    conditions.Expression: frozenset({"_evaluate", "_trace"}),
}


class NotKept(Exception):
    """A book holding something an entry cannot hold (it is then loaded every time)."""


# --- the key and the entry ------------------------------------------------------------------


def book_key(rules_dir: Path, facts_file: Path) -> str | None:
    """The digest of everything a bundled book is made from; None if a file can't be read
    as a regular file (the loader then says why, each time)."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode())
    for path in [*_files_under(rules_dir), facts_file]:
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return None
            data = read_bounded(path, MAX_BOOK_BYTES, follow_symlinks=False)
        except (OSError, ValueError):
            return None
        digest.update(f"{path.relative_to(path.anchor)}\0{len(data)}\0".encode())
        digest.update(data)
    for folder in CODE:  # the code by size and time of change: an edit changes the key
        for path in sorted((PACKAGE / folder).glob("*.py")):
            try:
                info = os.stat(path)
            except OSError:
                return None
            digest.update(f"{path.name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _files_under(folder: Path) -> list[Path]:
    found = []
    for top, dirs, names in os.walk(folder):
        dirs.sort()
        found += [Path(top) / name for name in sorted(names)]
    return found


def _entry(key: str) -> Path | None:
    folder = cache.cache_dir()
    if folder is None or not cache.private_folder(folder):
        return None
    return folder / f"book-{key}.json"


def read_book(key: str) -> RuleBook | None:
    """The book kept under `key`, if its entry is sound; else None."""
    entry = _entry(key)
    if entry is None:
        return None
    try:
        raw = read_bounded(entry, MAX_BOOK_BYTES, follow_symlinks=False).decode("utf-8")
    except (OSError, ValueError):
        return None
    head, _, body = raw.partition("\n")
    body = body.removesuffix("\n")  # the final newline every written text ends with
    expected = json.dumps({"format": FORMAT, "key": key,
                           "body": hashlib.sha256(body.encode()).hexdigest()})
    if head != expected:
        return None
    try:
        book = Reader().value(json.loads(body))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        return None
    return book if isinstance(book, RuleBook) else None


def keep_book(key: str, book: RuleBook) -> None:
    """Write the book under `key`; a book or a folder that can't be kept is left alone."""
    entry = _entry(key)
    if entry is None:
        return
    try:
        body = json.dumps(Writer().value(book), ensure_ascii=False, separators=(",", ":"))
    except (NotKept, RecursionError):
        return
    head = json.dumps({"format": FORMAT, "key": key,
                       "body": hashlib.sha256(body.encode()).hexdigest()})
    text = f"{head}\n{body}\n"
    if len(text.encode()) <= MAX_BOOK_BYTES:
        with contextlib.suppress(OSError):
            write_text(entry, text)


# --- objects as JSON and back ---------------------------------------------------------------
#
# Every value that is not a str, int, bool or None is a list whose first item says what it
# is: ["L", …] a list, ["T", …] a tuple, ["S", …] a frozenset, ["D", k, v, …] a dict,
# ["N", "4.35"] a Decimal, ["Y", "2018-08-06"] a date, ["F", name] a function of FUNCTIONS,
# ["O", class, n, {field: value}] the n-th object made, ["R", n] that object again (so what
# the loaded book shares, a fact its conditions rank by, a named condition, stays shared).


class Writer:
    def __init__(self) -> None:
        self.made: dict[int, int] = {}
        self.containers: set[int] = set()

    def value(self, value: Any) -> Any:
        kind = type(value)
        if value is None or kind in (str, int, bool):
            return value
        if kind in (list, tuple, frozenset, dict):
            return self.container(value)
        if kind is Decimal:
            return ["N", str(value)]
        if kind is date:
            return ["Y", value.isoformat()]
        if id(value) in _FUNCTION_NAMES:
            return ["F", _FUNCTION_NAMES[id(value)]]
        if CLASSES.get(kind.__name__) is kind:
            return self.instance(value)
        raise NotKept(f"a {kind.__name__} in the book")

    def container(self, value: Any) -> list[Any]:
        if isinstance(value, (list, dict)):  # a list or dict shared would come back as two
            if id(value) in self.containers:
                raise NotKept("a shared list or dict")
            self.containers.add(id(value))
        if isinstance(value, dict):
            return ["D", *(self.value(item) for pair in value.items() for item in pair)]
        tag = "L" if isinstance(value, list) else "T" if isinstance(value, tuple) else "S"
        return [tag, *(self.value(item) for item in value)]

    def instance(self, value: Any) -> list[Any]:
        if id(value) in self.made:
            return ["R", self.made[id(value)]]
        number = self.made[id(value)] = len(self.made)
        left_out = LEFT_OUT.get(type(value), frozenset())
        fields = {name: self.value(item) for name, item in vars(value).items()
                  if name not in left_out}
        return ["O", type(value).__name__, number, fields]


class Reader:
    def __init__(self) -> None:
        self.made: list[Any] = []

    def value(self, value: Any) -> Any:
        if not isinstance(value, list):
            if value is None or type(value) in (str, int, bool):
                return value
            raise ValueError("not a value of a book")
        tag, items = value[0], value[1:]
        if tag == "O":
            return self.instance(*items)
        if tag == "R":
            return self.made[items[0]]
        if tag == "L":
            return [self.value(item) for item in items]
        if tag == "T":
            return tuple(self.value(item) for item in items)
        if tag == "S":
            return frozenset(self.value(item) for item in items)
        if tag == "D":
            values = [self.value(item) for item in items]
            return dict(zip(values[::2], values[1::2], strict=True))
        if tag == "N":
            return Decimal(items[0])
        if tag == "Y":
            return date.fromisoformat(items[0])
        if tag == "F":
            return FUNCTIONS[items[0]]
        raise ValueError(f"unknown tag {tag!r}")

    def instance(self, name: str, number: int, fields: dict[str, Any]) -> Any:
        cls = CLASSES[name]
        if number != len(self.made) or not isinstance(fields, dict):
            raise ValueError("objects out of order")
        made: Any = object.__new__(cls)
        self.made.append(made)
        made.__dict__.update({key: self.value(item) for key, item in fields.items()})
        _restore(made)
        return made


def _restore(made: Any) -> None:
    """What an object holds that is worked out, not kept: caches start empty."""
    if isinstance(made, rule.Offset):
        made.delta = relativedelta(years=made.years, months=made.months, days=made.days)
        made.points = {}
    elif isinstance(made, RuleBook):
        made.derived = {}
