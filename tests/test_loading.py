"""Loading the rules fast: the parsed-TOML cache."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from incentives.load.cache import cache_dir, parse_toml
from incentives.load.rulebook import bundled_rules_dir

from .conftest import ROOT

TOML_FILES = [*sorted(bundled_rules_dir().rglob("*.toml")), ROOT / "incentives" / "facts.toml"]


@pytest.mark.parametrize("path", TOML_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cached_tables_equal_a_fresh_parse(path: Path) -> None:
    text = path.read_text("utf-8")
    first, second = parse_toml(text), parse_toml(text)  # a miss, then a hit
    assert first == second == tomllib.loads(text)


def test_a_damaged_entry_is_ignored_and_replaced() -> None:
    text = 'when = 2024-03-15\nname = "x"\n'
    parse_toml(text)
    folder = cache_dir()
    assert folder is not None
    for entry in folder.glob("*.json"):
        entry.write_text("{not json", "utf-8")
    assert parse_toml(text) == {"when": date(2024, 3, 15), "name": "x"}


def test_times_of_day_are_parsed_every_time(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = "at = 2024-03-15T09:30:00\n"
    assert parse_toml(text) == tomllib.loads(text)
    assert not list(tmp_path.rglob("*.json"))  # a datetime is not cached


def test_the_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("INCENTIVES_NO_CACHE", "1")
    assert parse_toml('a = 1\n') == {"a": 1}
    assert cache_dir() is None and not list(tmp_path.rglob("*"))


def test_an_invalid_file_is_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(tomllib.TOMLDecodeError):
        parse_toml("a = \n")
    assert not list(tmp_path.rglob("*.json"))


def test_a_colliding_entry_is_never_used(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    import incentives.load.cache as tomlcache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(tomlcache, "_entry_name", lambda _: "7")  # every text, one entry name
    assert parse_toml("a = 1\n") == {"a": 1}
    assert parse_toml("a = 2\n") == {"a": 2}  # same name, same length: the text decides
    assert parse_toml("a = 1\n") == {"a": 1}
