"""`check` opens with the answer: a short summary that fits one 80-column screen, before
the details."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from incentives import load_rulebook
from incentives.assessment.engine import assess
from incentives.load.profile_file import read_profile_file
from incentives.model.profile import parse_profile
from incentives.render.table import print_report
from incentives.render.words import label

from .conftest import ROOT

BOOK = load_rulebook()
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


def screen(path: Path, lang: str) -> list[str]:
    from datetime import date

    profile = parse_profile(read_profile_file(path), BOOK.schema, BOOK.cities)
    console = Console(width=80, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    print_report(assess(profile, BOOK, date(2026, 11, 22)), BOOK.schema, console, lang)
    return console.export_text().splitlines()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_summary_comes_first_and_fits_80_columns(path: Path, lang: str) -> None:
    lines = screen(path, lang)
    start = lines.index(label("summary", lang))
    end = next(i for i, line in enumerate(lines) if line.startswith(label("eligible", lang)))
    summary = lines[start + 1:end]
    assert start <= 3 and end - start <= 24  # it opens the report, and fits a screen
    assert all(sum(2 if "\u2e80" <= c <= "\uffef" else 1 for c in line.rstrip()) <= 80
               for line in summary), summary
    assert summary[0].strip().startswith(label("certain", lang))


def test_the_summary_says_the_cash_by_payer_the_tax_saved_and_the_next_date() -> None:
    lines = screen(ROOT / "examples" / "new-rehabilitation-hospital.toml", "zh")
    text = "\n".join(lines[:12])
    assert "确定可得: 1,038,000.00 元" in text
    assert "郑州市财政 519,000.00 元" in text and "二七区财政 519,000.00 元" in text
    assert "预计减免税额（估算）:" in text
    assert "下一日期: 2027-04-28 519,000.00 元" in text
    assert lines.index("概要") < next(i for i, line in enumerate(lines) if "依据" in line)
