"""load/book_cache.py: the bundled rule book kept whole, read back only when sound, and the
same book (and the same answers) as one loaded from the folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from incentives import assess, load_profile
from incentives.load import book_cache
from incentives.load.facts import FACTS_FILE
from incentives.load.folders import load_folders
from incentives.load.rulebook import bundled_rules_dir, load_rulebook
from incentives.render.json import assessment_to_dict
from tests.conftest import AS_OF, ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


def same_graph(a: Any, b: Any, pairs: dict[int, int] | None = None, where: str = "book") -> None:
    """Two object graphs alike: the same types and values everywhere, and shared where the
    other is shared (an object met twice in one is the same object met twice in the other)."""
    pairs = {} if pairs is None else pairs
    assert type(a) is type(b), where
    if a is None or isinstance(a, (str, int, bool, Decimal, date)):
        assert a == b and str(a) == str(b), where
        return
    if a in book_cache.FUNCTIONS.values():
        assert a is b, where  # the functions of the fixed table
        return
    if id(a) in pairs:
        assert pairs[id(a)] == id(b), f"{where}: shared in one book, not in the other"
        return
    pairs[id(a)] = id(b)
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            same_graph(a[key], b[key], pairs, f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            same_graph(x, y, pairs, f"{where}[{index}]")
    elif isinstance(a, frozenset):
        assert a == b, where
    else:
        skip = book_cache.LEFT_OUT.get(type(a), frozenset()) - {"delta"}
        fields_a = {k: v for k, v in vars(a).items() if k not in skip}
        fields_b = {k: v for k, v in vars(b).items() if k not in skip}
        assert list(fields_a) == list(fields_b), where
        for key in fields_a:
            if key == "delta":
                assert fields_a[key] == fields_b[key], where
                continue
            same_graph(fields_a[key], fields_b[key], pairs, f"{where}.{key}")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("INCENTIVES_NO_CACHE", raising=False)
    return tmp_path


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("book-*.json"))


def test_a_kept_book_is_the_book_loaded(cache: Path) -> None:
    loaded = load_rulebook()
    assert any(fact.derived for fact in loaded.schema.facts.values())  # a field, not a cache
    assert len(_entries(cache)) == 1
    kept = load_rulebook()
    same_graph(kept, loaded)
    fresh = load_folders(None, True, False)
    same_graph(kept, fresh)
    for path in EXAMPLES:
        for as_of in (AS_OF, date(2019, 6, 1)):
            assert assessment_to_dict(assess(load_profile(path, kept), kept, as_of)) == \
                assessment_to_dict(assess(load_profile(path, fresh), fresh, as_of))


def test_a_kept_book_is_read_back(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_rulebook()
    import incentives.load.folders as folders

    def refuse(*_: Any) -> Any:
        raise AssertionError("loaded from the folders again")

    monkeypatch.setattr(folders, "load_folders", refuse)
    assert load_rulebook().cities


@pytest.mark.parametrize("damage", ["edit", "truncate", "head", "not-json", "swap-class"])
def test_a_damaged_entry_is_not_used(cache: Path, damage: str) -> None:
    load_rulebook()
    [entry] = _entries(cache)
    text = entry.read_text("utf-8")
    head, body = text.split("\n", 1)
    if damage == "edit":  # a figure changed, the digest left as it was
        text = head + "\n" + body.replace('"Y","2018-08-06"', '"Y","2019-08-06"', 1)
        assert text != head + "\n" + body
    elif damage == "truncate":
        text = text[: len(text) // 2]
    elif damage == "head":
        text = head.replace(f'"{book_cache.FORMAT}"', '"book-v0"') + "\n" + body
    elif damage == "not-json":
        text = head + "\n{"
    else:  # a class outside the list, with a digest that matches its body
        import hashlib

        body = body.replace('["O","Text"', '["O","Popen"', 1)
        head = json.dumps({**json.loads(head), "body": hashlib.sha256(
            body.removesuffix("\n").encode()).hexdigest()})
        text = head + "\n" + body
    entry.write_text(text, "utf-8")
    key = book_cache.book_key(bundled_rules_dir(), FACTS_FILE)
    assert key is not None
    assert book_cache.read_book(key) is None
    book = load_rulebook()  # loaded from the folders, and kept again
    same_graph(book, load_folders(None, True, False))
    assert book_cache.read_book(key) is not None


def test_an_edited_rule_file_gives_another_key(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), rules)
    before = book_cache.book_key(rules, FACTS_FILE)
    awards = rules / "zhengzhou" / "awards.toml"
    awards.write_text(awards.read_text("utf-8").replace("1000万", "1001万"), "utf-8")
    edited = book_cache.book_key(rules, FACTS_FILE)
    (rules / "zhengzhou" / "new.toml").write_text("", "utf-8")
    added = book_cache.book_key(rules, FACTS_FILE)
    assert len({before, edited, added}) == 3
    os.mkfifo(rules / "zhengzhou" / "pipe.toml")
    assert book_cache.book_key(rules, FACTS_FILE) is None  # the loader says why, each time


def test_no_cache_keeps_no_book(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCENTIVES_NO_CACHE", "1")
    load_rulebook()
    assert _entries(cache) == []


def test_a_book_with_something_unknown_is_not_kept(cache: Path) -> None:
    book = load_folders(None, True, False)
    book.fact_owners["x"] = 1.5  # type: ignore[assignment]  # a float: never in a book
    key = book_cache.book_key(bundled_rules_dir(), FACTS_FILE)
    assert key is not None
    book_cache.keep_book(key, book)
    assert _entries(cache) == []


MODULES = """
import sys
from incentives.cli import main
sys.argv = ["incentives", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


def test_a_check_from_a_kept_book_loads_no_rule_file(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(tmp_path))
    env.pop("INCENTIVES_NO_CACHE", None)
    args = [sys.executable, "-c", MODULES, "check", str(EXAMPLES[0]), "--as-of", "2026-11-22",
            "--format", "json"]
    runs = [subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True,
                           encoding="utf-8", timeout=120, check=True) for _ in range(2)]
    first, second = (set(run.stderr.splitlines()[-1].split()) for run in runs)
    assert "incentives.load.folders" in first  # loaded, then kept
    never = {"incentives.load.folders", "incentives.load.rulefile", "incentives.load.named",
             "incentives.load.validation", "incentives.load.source", "tomllib", "pydantic",
             "difflib", "incentives.assessment.compare", "rich", "numpy", "pyarrow"}
    assert not second & never, second & never
    assert json.loads(runs[1].stdout) == json.loads(runs[0].stdout)


def test_an_edited_loader_gives_another_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    package = tmp_path / "incentives"
    for folder in book_cache.CODE:
        shutil.copytree(book_cache.PACKAGE / folder, package / folder)
    monkeypatch.setattr(book_cache, "PACKAGE", package)
    before = book_cache.book_key(bundled_rules_dir(), FACTS_FILE)
    rule = package / "model" / "rule.py"
    rule.write_text(rule.read_text("utf-8") + "\n# edited\n", "utf-8")
    assert book_cache.book_key(bundled_rules_dir(), FACTS_FILE) != before
