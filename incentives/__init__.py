"""incentives: what China's policies for privately run hospitals give an institution, and why.

The library, usable without click or rich:

    from datetime import date
    from incentives import load_rulebook, load_profile, assess
    book = load_rulebook()
    profile = load_profile("examples/new-rehabilitation-hospital.toml", book)
    assessment = assess(profile, book, date(2026, 11, 22))
"""

from __future__ import annotations

from pathlib import Path

from incentives.assessment.engine import assess
from incentives.errors import InputError, RuleFileError
from incentives.load.profile_file import read_profile_file
from incentives.load.rulebook import RuleBook, load_rulebook
from incentives.model.profile import Profile, parse_profile
from incentives.model.result import Assessment, Result
from incentives.version import __version__

__all__ = [
    "Assessment",
    "InputError",
    "Profile",
    "Result",
    "RuleBook",
    "RuleFileError",
    "__version__",
    "assess",
    "load_profile",
    "load_rulebook",
    "parse_profile",
]


def load_profile(path: str | Path, book: RuleBook) -> Profile:
    """Read and check a profile file against a loaded rulebook; InputError lists all problems."""
    path = Path(path)
    return parse_profile(read_profile_file(path), book.schema, book.cities, str(path))
