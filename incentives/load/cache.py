"""Parsed TOML kept between runs, keyed by the file's text, so start-up skips the parse.

Parsing TOML in pure Python is the largest part of loading the rules. The parsed tables of
a text seen before are read back from a JSON file in the user's cache folder instead. JSON
cannot run code, and an entry holds the text it was parsed from and is used only for that
very text, so a stale or colliding entry is never used. A cache that can't be read or
written is simply not used; INCENTIVES_NO_CACHE=1 turns it off.
"""

from __future__ import annotations

import json
import os
import tomllib
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from incentives.files import write_text

FORMAT = "v2"  # part of every key: a new format never reads an old entry


def cache_dir() -> Path | None:
    if os.environ.get("INCENTIVES_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "incentives" / f"toml-{FORMAT}"


def parse_toml(text: str) -> dict[str, Any]:
    """tomllib.loads(text), from the cache when this exact text was parsed before."""
    folder = cache_dir()
    if folder is None:
        return tomllib.loads(text)
    encoded = text.encode()
    entry = folder / f"{zlib.crc32(encoded):08x}-{len(encoded)}.json"
    try:
        cached = json.loads(entry.read_text(encoding="utf-8"), object_hook=_decode)
        if isinstance(cached, dict) and cached.get("text") == text:
            return cached["tables"]  # type: ignore[no-any-return]
    except (OSError, ValueError):
        pass
    data = tomllib.loads(text)  # a TOMLDecodeError goes to the caller, uncached
    _store(entry, text, data)
    return data


def _store(entry: Path, text: str, data: dict[str, Any]) -> None:
    if _has_marker_key(data):
        return  # a table with a key like "$date" would read back as a date: not cached
    try:
        encoded = json.dumps({"text": text, "tables": data}, default=_encode,
                             ensure_ascii=False)
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_text(entry, encoded)
    except (OSError, TypeError, ValueError):
        pass  # not cacheable (a time of day, a read-only home): parse again next time


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

