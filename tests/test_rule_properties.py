"""`incentives rules test --properties`: edge cases generated from the rules themselves.
Every threshold decides at its bound (one fen / one unit / one day short it does not),
splits add up, the range of an unknown fact holds every completion, an amount named
monotone never falls; a mistake is shown with a profile to paste into a case file."""

from __future__ import annotations

import shutil
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from incentives.assessment.properties import bounds_of
from incentives.cli import cli
from incentives.load.rulebook import load_rulebook

from .conftest import ROOT

FOLDERS = [ROOT / "rules" / "zhengzhou", ROOT / "rules" / "baotou",
           ROOT / "tests" / "cities" / "qinghe"]


def properties(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["rules", "test", str(folder), "--properties"])
    return result.exit_code, result.stdout


def test_the_inventory_holds_each_threshold_and_the_first_day_of_the_event() -> None:
    rule = load_rulebook().rule("zhengzhou.investment-reward")
    assert rule is not None
    found = {(b.fact, b.op, b.value) for b in bounds_of(rule, load_rulebook())}
    assert found == {("fixed_asset_investment", ">=", Decimal(50_000_000)),
                     ("opened_on", ">=", rule.effective_from)}


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_every_property_holds_for_the_bundled_rules_and_qinghe(folder: Path) -> None:
    code, out = properties(folder)
    assert code == 0, out
    assert "✗" not in out
    held = out.split("properties: ")[1]
    assert held.split(" of ")[0] == held.split(" of ")[1].split(" ")[0]


def test_the_5000万_bound_is_told_at_the_fen(tmp_path: Path) -> None:
    _code, out = properties(ROOT / "rules" / "zhengzhou")
    assert ("✓ zhengzhou.investment-reward · the bound decides: fixed_asset_investment >= "
            "5000万: at 50,000,000 and 49,999,999.99: eligible 500,000.00 / not_eligible") in out


def copy_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "zhengzhou"
    shutil.copytree(ROOT / "rules" / "zhengzhou", folder)
    awards = folder / "awards.toml"
    text = awards.read_text(encoding="utf-8")
    assert old in text
    awards.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def pasted_case(out: str) -> dict[str, object]:
    block = out.split("  [[case]]\n", 1)[1].split("\n\n")[0]
    lines = [line[2:] for line in block.splitlines() if line.startswith("  ")]
    return tomllib.loads("\n".join(lines))


def test_a_threshold_another_condition_masks_is_found(tmp_path: Path) -> None:
    folder = copy_with(tmp_path, "fixed_asset_investment >= 5000万\"",
                       "fixed_asset_investment >= 5000万 and fixed_asset_investment >= 6000万\"")
    code, out = properties(folder)
    assert code == 1
    assert "✗ zhengzhou.investment-reward · the bound decides: fixed_asset_investment >= 5000万" \
        in out
    case = pasted_case(out)
    assert case["profile"]["fixed_asset_investment"] == "50000000"  # type: ignore[index]
    assert str(case["as_of"]) == "2026-11-22"


def test_an_amount_that_falls_as_its_base_grows_is_found(tmp_path: Path) -> None:
    folder = copy_with(tmp_path, "amount = [\n  { when = \"(kind in TRADITIONAL_KINDS",
                       "amount = [\n  { when = \"fixed_asset_investment >= 6000万\", value = "
                       "\"50万\" },\n  { when = \"(kind in TRADITIONAL_KINDS")
    code, out = properties(folder)
    assert code == 1
    assert "✗ zhengzhou.investment-reward · never less as it grows: the amount falls" in out
    case = pasted_case(out)
    assert Decimal(str(case["profile"]["fixed_asset_investment"])) >= 60_000_000  # type: ignore[index]
