"""Loading the rules fast: the parsed-TOML cache, which also records the files that passed
their schema."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from incentives.errors import RuleFileError
from incentives.load.cache import cache_dir, parse_toml, read_toml
from incentives.load.rulebook import bundled_rules_dir, load_rulebook

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


# --- validated once: a file the cache knows as valid is neither parsed nor validated ---------

MODULES_LOADED = """
import sys
from incentives.cli import main
sys.argv = ["incentives", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "tomllib"))),
      file=sys.stderr)
"""


def modules_loaded(cache: Path, *args: str) -> tuple[str, set[str]]:
    """The output of a command run in a fresh process, and which of pydantic and tomllib
    (and their modules) it imported."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(cache))
    env.pop("INCENTIVES_NO_CACHE", None)
    result = subprocess.run([sys.executable, "-c", MODULES_LOADED, *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, encoding="utf-8", timeout=120,
                            check=False)
    *_, last = result.stderr.splitlines() or [""]
    return result.stdout, {name.split(".")[0] for name in last.split()}


CHECK = ("check", str(ROOT / "examples" / "3a-general-hospital.toml"), "--as-of", "2026-11-22",
         "--format", "json")


def test_a_check_from_a_warm_cache_imports_neither_pydantic_nor_tomllib(tmp_path: Path) -> None:
    cold, first = modules_loaded(tmp_path, *CHECK)
    warm, second = modules_loaded(tmp_path, *CHECK)
    assert first == {"pydantic", "tomllib"}  # parsed and validated, then recorded
    assert second == set()
    assert json.loads(warm) == json.loads(cold) and json.loads(warm)["results"]


def test_a_file_edited_or_a_new_schema_is_validated_again(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import incentives.load.cache as tomlcache

    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "tests" / "cities" / "lakeside", folder)
    args = ("rules", "check", str(folder))
    assert modules_loaded(tmp_path / "cache", *args)[1] == {"pydantic", "tomllib"}
    assert modules_loaded(tmp_path / "cache", *args)[1] == set()
    city = folder / "city.toml"
    city.write_text(city.read_text("utf-8") + "\n# edited\n", "utf-8")
    assert modules_loaded(tmp_path / "cache", *args)[1] == {"pydantic", "tomllib"}
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = city.read_text("utf-8")
    assert read_toml(text, "city").valid and not read_toml(text, "rules").valid
    monkeypatch.setattr(tomlcache, "_VALIDITY_KEY", "0.0.0+another-schema")
    assert not read_toml(text, "city").valid  # another version's record is not trusted


def test_a_file_out_of_shape_is_never_recorded_as_valid(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = ROOT / "tests" / "fixtures" / "rules" / "schema-broken-rules"
    for _ in range(2):
        with pytest.raises(RuleFileError):
            load_rulebook([folder])
    text = (folder / "awards.toml").read_text("utf-8")
    assert not read_toml(text, "rules").valid


def test_a_profile_keeps_its_decimals_through_the_cache(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = 'rate = 0.10\nbeds = 120\nopened_on = 2016-09-01\n'
    first, second = parse_toml(text, decimals=True), parse_toml(text, decimals=True)
    assert first == second == tomllib.loads(text, parse_float=Decimal)
    assert str(second["rate"]) == "0.10" and isinstance(second["rate"], Decimal)
    assert parse_toml(text) == {"rate": 0.1, "beds": 120, "opened_on": date(2016, 9, 1)}


def test_the_version_the_cache_is_keyed_on_is_the_packages() -> None:
    from importlib.metadata import version

    import incentives

    assert incentives.__version__ == version("incentives")
    from incentives.load.cache import validity_key

    assert validity_key().startswith(f"{incentives.__version__}+")
