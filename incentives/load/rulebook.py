"""The rule book: `load_rulebook`, the way every command and the library load the rules.

The bundled rules alone, once they have loaded, are read back whole from book_cache.py
(nothing parsed, validated or compiled: the loaders in folders.py are not even imported);
any other load, and a first one, reads and checks every folder (folders.load_folders).
"""

from __future__ import annotations

from pathlib import Path

from incentives.errors import RuleFileError, RuleProblem
from incentives.load.book import RuleBook, bundled_rules_dir
from incentives.load.facts import FACTS_FILE

__all__ = ["RuleBook", "RuleFileError", "RuleProblem", "bundled_rules_dir", "load_rulebook"]


def load_rulebook(roots: list[Path] | None = None, bundled: bool = False,
                  replacing: bool = False) -> RuleBook:
    """Load and check rule folders: those under `roots`, with the bundled ones too if
    `bundled` (with no roots, the bundled ones); with `replacing`, a folder of `roots`
    takes the place of the bundled folder of the same city (an edited copy of it).
    RuleFileError lists every problem.

    Every folder is read and every rule compiled, whichever command loads them: `check`,
    `batch` and `rules check` accept exactly the same folders (`rules check` and `rules
    test` also take an edited copy of a bundled city, in its place). The bundled ones,
    read and compiled once, are then kept whole (book_cache.py)."""
    if roots:
        from incentives.load.folders import load_folders

        return load_folders(roots, bundled, replacing)
    from incentives.load import book_cache

    key = book_cache.book_key(bundled_rules_dir(), FACTS_FILE)
    kept = book_cache.read_book(key) if key else None
    if kept is not None:
        return kept
    from incentives.load.folders import load_folders

    book = load_folders(None, True, replacing)
    if key:
        book_cache.keep_book(key, book)
    return book
