"""Shared fixtures: the bundled rulebook (loaded once) and a profile builder."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from incentives import assess, load_rulebook, parse_profile
from incentives.load.rulebook import RuleBook
from incentives.model.result import Assessment, Result

from .faults.counting import (  # noqa: F401 (hooks: the counts of docs/reliability.md)
    pytest_configure,
    pytest_runtest_makereport,
    pytest_sessionfinish,
    pytest_terminal_summary,
)

# The parsed-TOML cache goes to a folder of this run's, not the user's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="incentives-test-cache-")
ROOT = Path(__file__).resolve().parent.parent
BOOK = load_rulebook()
AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="session")
def book() -> RuleBook:
    return BOOK


def assess_raw(raw: dict[str, Any], as_of: date = AS_OF, **overrides: Any) -> Assessment:
    """Assess a raw profile (as a user would write it) against the bundled rules."""
    profile = parse_profile(raw, BOOK.schema, BOOK.cities)
    return assess(profile, BOOK, as_of, overrides or None)


def result_of(raw: dict[str, Any], rule_id: str, as_of: date = AS_OF, **overrides: Any) -> Result:
    """The result that shows `rule_id`, whether it leads or is cited beside another."""
    for result in assess_raw(raw, as_of, **overrides).results:
        if rule_id in {result.rule.id, *(other.rule.id for other in result.also)}:
            return result
    raise KeyError(rule_id)
