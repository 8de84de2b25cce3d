"""Text from strangers never reaches a terminal as control codes.

An institution's name is shown on screen by `check`, `explain` and the reports; an escape
sequence in it (`\\x1b]0;…\\x07` retitles the window, `\\x1b[2J` clears it) would be obeyed by
the terminal. A control character in a text fact is refused, with the character named, by
the profile reader and, row by row, by both batch engines.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from incentives.cli import cli

ESCAPE_NAME = "Evil\x1b[31mRED\x1b]0;pwned\x07"


def test_a_profile_name_with_an_escape_code_is_refused_with_the_character_named(
        tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('city = "zhengzhou"\nkind = "general"\n'
                       'name = "Evil\\u001b[31mRED\\u001b]0;pwned\\u0007"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(profile), "--as-of", "2026-11-22"])
    assert result.exit_code == 2
    assert "control character U+001B" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


@pytest.mark.parametrize("engine", [[], ["--no-columnar"]], ids=["columnar", "rows"])
def test_a_registry_row_with_a_control_character_is_rejected_by_both_engines(
        tmp_path: Path, engine: list[str]) -> None:
    registry = tmp_path / "r.csv"
    registry.write_text(f'name,city,kind\n"{ESCAPE_NAME}",zhengzhou,general\n'
                        "Plain,zhengzhou,general\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["batch", str(registry), "-o", str(output),
                                      "--as-of", "2026-11-22", *engine])
    assert result.exit_code == 0, result.output
    assert "read 2 = assessed 1 + rejected 1" in result.output
    errors = Path(f"{output}.errors.csv").read_text(encoding="utf-8")
    assert "U+001B" in errors and "\x1b" not in errors
    assert "Plain" in output.read_text(encoding="utf-8")
