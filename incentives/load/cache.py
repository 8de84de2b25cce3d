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

A cache that can't be read or written is simply not used; INCENTIVES_NO_CACHE=1 turns it
off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from incentives.files import read_bounded, write_text

FORMAT = "v4"  # part of every key: a new format never reads an old entry
MAX_ENTRY_BYTES = 8 * 1024 * 1024  # rule files are at most 512 KiB; their tables, no more


def cache_dir() -> Path | None:
    if os.environ.get("INCENTIVES_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "incentives" / f"toml-{FORMAT}"


def parse_toml(text: str) -> dict[str, Any]:
    """tomllib.loads(text), from the cache when this exact text was parsed before."""
    folder = cache_dir()
    if folder is None or not _private_folder(folder):
        return tomllib.loads(text)
    source = _sha256(text)
    entry = folder / f"{_entry_name(source)}.json"
    cached = _read_entry(entry, source)
    if cached is not None:
        return cached
    data = tomllib.loads(text)  # a TOMLDecodeError goes to the caller, uncached
    _store(entry, source, data)
    return data


def _entry_name(source: str) -> str:
    return source


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _private_folder(folder: Path) -> bool:
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


def _read_entry(entry: Path, source: str) -> dict[str, Any] | None:
    """The tables of a sound entry for the text whose digest is `source`, else None."""
    try:
        raw = read_bounded(entry, MAX_ENTRY_BYTES, follow_symlinks=False)
        cached = json.loads(raw.decode("utf-8"), object_hook=_decode)
    except (OSError, ValueError, RecursionError):  # missing, a link, not JSON, too deep
        return None
    if not isinstance(cached, dict) or cached.get("format") != FORMAT:
        return None
    tables = cached.get("tables")
    if cached.get("source") != source or not isinstance(tables, dict):
        return None
    try:
        if cached.get("parsed") != _sha256(_canonical(tables)):
            return None
    except (TypeError, ValueError, RecursionError):
        return None
    return tables


def _store(entry: Path, source: str, data: dict[str, Any]) -> None:
    if _has_marker_key(data):
        return  # a table with a key like "$date" would read back as a date: not cached
    try:
        tables = _canonical(data)
        encoded = (f'{{"format": "{FORMAT}", "source": "{source}", '
                   f'"parsed": "{_sha256(tables)}", "tables": {tables}}}')
        if len(encoded.encode()) <= MAX_ENTRY_BYTES:
            write_text(entry, encoded)
    except (OSError, TypeError, ValueError):
        pass  # not cacheable (a time of day, a read-only home): parse again next time


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
    raise TypeError(f"{type(value).__name__} is not cached")  # datetime, time: keep parsing


def _decode(table: dict[str, Any]) -> Any:
    if len(table) == 1 and isinstance(table.get("$date"), str):
        return date.fromisoformat(table["$date"])
    return table
