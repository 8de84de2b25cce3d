"""Reading a profile file (TOML or JSON) into a raw mapping, bounded in size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from incentives.errors import DuplicateKey, InputError, Problem, zh_os_error
from incentives.files import NotReadable, read_bounded
from incentives.load import strict_json
from incentives.load.cache import parse_toml

MAX_PROFILE_BYTES = 1_000_000


def read_profile_file(path: Path) -> dict[str, Any]:
    """Read a profile file (TOML or JSON, by extension) into a raw mapping."""
    where = str(path)
    try:  # a FIFO or /dev/zero is refused before a byte is read, a large file unread
        data = read_bounded(path, MAX_PROFILE_BYTES)
    except NotReadable as error:
        why = str(error).removeprefix(f"{path}: ")
        raise InputError([Problem(where, f"cannot read the file: {why}")]) from None
    except OSError as error:
        raise InputError([Problem(where, f"cannot read the file: {error.strerror}",
                                  f"无法读取该文件：{zh_os_error(error)}")]) from None
    kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
    try:
        text = data.decode("utf-8-sig")
        # a TOML profile seen before is read from the cache
        raw = strict_json.loads(text) if kind == "JSON" else parse_toml(text, decimals=True)
    except UnicodeDecodeError:
        raise InputError([Problem(where, "file is not UTF-8 text")]) from None
    except DuplicateKey as error:
        raise InputError([Problem(where, str(error))]) from None
    except (ValueError, RecursionError) as error:
        raise InputError([Problem(where, f"not valid {kind}: {_why(error)}")]) from None
    if not isinstance(raw, dict):
        raise InputError([Problem(where, "a profile must be a table of facts")])
    return raw


def _why(error: ValueError | RecursionError) -> str:
    """Why a text is not JSON or TOML; a ValueError of neither parser is int() refusing a
    number of more than 4300 digits."""
    import tomllib  # imported already if it raised the error

    if isinstance(error, json.JSONDecodeError | tomllib.TOMLDecodeError | RecursionError):
        return str(error) if len(str(error)) <= 200 else str(error)[:199] + "…"
    return "a number in it is far too long"
