"""Parsed TOML kept between runs, keyed by the file's text, so start-up skips the parse.

Parsing TOML in pure Python is the largest part of loading the rules. The parsed tables of
a text seen before are read back from a JSON file in the user's cache folder instead. JSON
cannot run code, and an entry is trusted no more than it must be:

- it lives in a folder of the user's own that only the user may enter (mode 0700); a
  folder that is a symbolic link, someone else's, or open to others is not used;
- it is read only if it is a regular file (not a link, a FIFO or a device) of bounded
  size, and written by atomic rename (files.write_text), never through a link;
- it names the SHA-256 of the text it was parsed from and of its own tables (their
  canonical JSON), and is used only for that very text and only if the tables still
  hash to what was stored: an entry edited, truncated or swapped is parsed again.

An entry also records the kinds of file (rules, city, facts, params) its text passed the
schema of (schema.py) as, under this version of the program and this schema: a file seen
before is then neither parsed nor validated, and start-up imports neither tomllib nor
pydantic. A profile's entry keeps its numbers as Decimals (`parse_toml(…, decimals=True)`).

A cache that can't be read or written is simply not used; INCENTIVES_NO_CACHE=1 turns it
off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from incentives.files import read_bounded, write_text
from incentives.version import __version__

FORMAT = "v5"  # part of every key: a new format never reads an old entry
SCHEMA_MODULE = Path(__file__).with_name("schema.py")
MAX_ENTRY_BYTES = 8 * 1024 * 1024  # rule files are at most 512 KiB; their tables, no more


def cache_dir() -> Path | None:
    if os.environ.get("INCENTIVES_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "incentives" / f"toml-{FORMAT}"


@dataclass
class Parsed:
    """A text's tables, and whether they passed the schema of the kind asked for."""

    tables: dict[str, Any]
    valid: bool = False


def parse_toml(text: str, decimals: bool = False) -> dict[str, Any]:
    """tomllib.loads(text), from the cache when this exact text was parsed before; with
    `decimals`, numbers with a fraction are Decimals (as a profile's are)."""
    return read_toml(text, "", decimals).tables


def read_toml(text: str, kind: str, decimals: bool = False) -> Parsed:
    """The text's tables, and whether they passed the schema of `kind` before (under this
    version of the program); from the cache where it can."""
    folder = cache_dir()
    if folder is None or not private_folder(folder):
        return Parsed(_parse(text, decimals))
    source = _sha256(text)
    entry = folder / f"{_entry_name(source)}{'-d' if decimals else ''}.json"
    cached = _read_entry(entry, source)
    if cached is not None:
        tables, valid = cached
        return Parsed(tables, bool(kind) and kind in valid)
    data = _parse(text, decimals)  # a TOMLDecodeError goes to the caller, uncached
    _store(entry, source, data, [])
    return Parsed(data)


def record_valid(text: str, kind: str, decimals: bool = False) -> None:
    """Note in the text's entry (if it has one) that its tables passed the schema of `kind`."""
    folder = cache_dir()
    if folder is None or not private_folder(folder):
        return
    source = _sha256(text)
    entry = folder / f"{_entry_name(source)}{'-d' if decimals else ''}.json"
    cached = _read_entry(entry, source)
    if cached is not None and kind not in cached[1]:
        _store(entry, source, cached[0], sorted([*cached[1], kind]))


def validity_key() -> str:
    """What a record of validity holds for: this version and this very schema (a schema
    edited in a checkout, version unchanged, validates every file again)."""
    global _VALIDITY_KEY
    if _VALIDITY_KEY is None:
        try:
            schema = hashlib.sha256(SCHEMA_MODULE.read_bytes()).hexdigest()[:16]
        except OSError:
            schema = ""
        _VALIDITY_KEY = f"{__version__}+{schema}"
    return _VALIDITY_KEY


_VALIDITY_KEY: str | None = None


def _parse(text: str, decimals: bool) -> dict[str, Any]:
    import tomllib  # here, not at the top: a run served from the cache never imports it

    return tomllib.loads(text, parse_float=Decimal) if decimals else tomllib.loads(text)


def _entry_name(source: str) -> str:
    return source


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def private_folder(folder: Path) -> bool:
    """Make the cache folder (mode 0700) if need be; whether it is a real folder, the
    user's own, that no one else may read or write."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)
        info = os.lstat(folder)
    except OSError:
        return False
    ours = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return stat.S_ISDIR(info.st_mode) and ours and not info.st_mode & 0o077


def _read_entry(entry: Path, source: str) -> tuple[dict[str, Any], list[str]] | None:
    """The tables of a sound entry for the text whose digest is `source`, and the kinds it
    passed the schema of under this version; else None."""
    try:
        raw = read_bounded(entry, MAX_ENTRY_BYTES, follow_symlinks=False)
        cached = json.loads(raw.decode("utf-8"), object_hook=_decode)
    except (OSError, ValueError, RecursionError):  # missing, a link, not JSON, too deep
        return None
    if not isinstance(cached, dict) or cached.get("format") != FORMAT:
        return None
    tables, valid = cached.get("tables"), cached.get("valid")
    if cached.get("source") != source or not isinstance(tables, dict) \
            or not isinstance(valid, dict):
        return None
    try:
        if cached.get("parsed") != _sha256(_canonical(tables) + _canonical(valid)):
            return None
    except (TypeError, ValueError, RecursionError):
        return None
    kinds = valid.get("kinds") if valid.get("key") == validity_key() else []
    return tables, [kind for kind in kinds or [] if isinstance(kind, str)]


def _store(entry: Path, source: str, data: dict[str, Any], kinds: list[str]) -> None:
    if _has_marker_key(data):
        return  # a table with a key like "$date" would read back as a date: not cached
    try:
        encoded = entry_text(source, data, kinds)
        if len(encoded.encode()) <= MAX_ENTRY_BYTES:
            write_text(entry, encoded)
    except (OSError, TypeError, ValueError):
        pass  # not cacheable (a time of day, a read-only home): parse again next time


def entry_text(source: str, data: dict[str, Any], kinds: list[str]) -> str:
    """The entry for the text whose digest is `source`: its tables, the kinds of file it
    passed the schema of, and the digest of both."""
    tables = _canonical(data)
    valid = _canonical({"key": validity_key(), "kinds": kinds})
    return (f'{{"format": "{FORMAT}", "source": "{source}", '
            f'"parsed": "{_sha256(tables + valid)}", "valid": {valid}, "tables": {tables}}}')


def _canonical(tables: dict[str, Any]) -> str:
    """The one JSON text of these tables, which their digest is taken of. Keys keep their
    order (a file's order is the order facts, rules and questions are shown in), and JSON
    read back keeps it too, so the same tables always give the same text."""
    return json.dumps(tables, default=_encode, ensure_ascii=False, separators=(",", ":"))


def _has_marker_key(value: Any) -> bool:
    if isinstance(value, dict):
        return any(str(key).startswith("$") or _has_marker_key(item)
                   for key, item in value.items())
    return isinstance(value, list) and any(_has_marker_key(item) for item in value)


def _encode(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"{type(value).__name__} is not cached")  # datetime, time: keep parsing


def _decode(table: dict[str, Any]) -> Any:
    if len(table) == 1 and isinstance(table.get("$date"), str):
        return date.fromisoformat(table["$date"])
    if len(table) == 1 and isinstance(table.get("$decimal"), str):
        return Decimal(table["$decimal"])
    return table
