"""Hostile input to the loaders: profiles, registries, rule folders and the parsed-TOML
cache that a stranger may have written to mislead, to hang or to exhaust the program.

Each case is refused with a clear message and exit status 2 (or, for the cache, ignored),
never a silently different answer, a hang or a traceback. Commands that could hang run in
a subprocess with a generous timeout, which only catches a hang and times nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from incentives.cli import cli
from incentives.errors import MoneyError
from incentives.model.money import parse_amount

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "hostile"
AS_OF = "2026-01-01"
PROFILE: dict[str, Any] = {
    "name": "康宁", "city": "郑州市", "district": "二七区", "sponsor": "social",
    "for_profit": True, "kind": "康复医院", "grade": "ungraded", "newly_built": True,
    "leading_level": False, "fixed_asset_investment": "8650万", "opened_on": "2025-04-28",
}


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def main(*args: object, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess (a hang fails the test instead of the suite)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "incentives", *(str(a) for a in args)],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, check=False)


def json_object(pairs: list[tuple[str, Any]]) -> str:
    """A JSON object written pair by pair, so that a key may appear twice."""
    return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                           for k, v in pairs) + "}"


# --- 3. strict JSON: a key given twice, a percentage as money --------------------------------


def test_json_profile_with_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json_object([*PROFILE.items(), ("fixed_asset_investment", "1")]),
                    encoding="utf-8")
    result = invoke("check", path, "--as-of", AS_OF)
    assert result.exit_code == 2, result.output
    assert "'fixed_asset_investment' is given twice" in result.output


def test_jsonl_row_with_a_key_given_twice_is_rejected_alone(tmp_path: Path) -> None:
    source, output = tmp_path / "r.jsonl", tmp_path / "out.csv"
    rows = [json_object([*PROFILE.items(), ("fixed_asset_investment", "1")]),
            json_object(list(PROFILE.items()))]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = invoke("batch", source, "-o", output, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "assessed 1 + rejected 1" in result.output
    errors = (tmp_path / "out.csv.errors.csv").read_text(encoding="utf-8").splitlines()
    assert errors[1].startswith("1,1,,") and "'fixed_asset_investment' is given twice" in errors[1]


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_a_percentage_is_not_an_amount_of_money(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"p{suffix}"
    raw = dict(PROFILE, fixed_asset_investment="50%")
    if suffix == ".json":
        path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text("".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n"
                                for k, v in raw.items()), encoding="utf-8")
    result = invoke("check", path, "--as-of", AS_OF)
    assert result.exit_code == 2, result.output
    assert "fixed_asset_investment: '50%': a percentage is a rate, not an amount" in result.output


def test_a_percentage_is_still_a_rate() -> None:
    assert parse_amount("4.35%") == parse_amount("0.0435")
    with pytest.raises(MoneyError, match="percentage"):
        parse_amount("50%", percent=False)
    assert parse_amount("8650万", percent=False) == 86_500_000
