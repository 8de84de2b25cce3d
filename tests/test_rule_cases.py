"""Every case file of every bundled city and test city (`<folder>/tests/*.toml`), run as
the project's own tests: one test per case, named by its sentence. And `incentives rules
test` itself: a failure told as expected vs got with the rule's explain, exit 1; a case
file that can't be used, exit 2 with its line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from incentives.assessment.cases import run_case
from incentives.cli import cli
from incentives.errors import RuleProblem
from incentives.load.cases import Case, case_files, load_cases
from incentives.load.rulebook import bundled_rules_dir, load_rulebook

from .conftest import ROOT

CITIES = ROOT / "tests" / "cities"
FOLDERS = [bundled_rules_dir(), *sorted(p.parent for p in CITIES.glob("*/city.toml"))]
BOOK = load_rulebook([CITIES], bundled=True)


def all_cases() -> list[Case]:
    problems: list[RuleProblem] = []
    cases = [case for folder in FOLDERS for path in case_files(folder)
             for case in load_cases(path, problems)]
    assert problems == []
    return cases


CASES = all_cases()


def test_there_are_cases_for_the_bundled_cities_and_the_test_cities() -> None:
    cities = {Path(case.file).parent.parent.name for case in CASES}
    assert {"zhengzhou", "baotou", "qinghe"} <= cities


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(case: Case) -> None:
    outcome = run_case(case, BOOK)
    assert outcome.unusable == []
    assert outcome.mismatches == []


COVERED = [ROOT / "rules" / name for name in ("zhengzhou", "baotou", "national")] + [
    CITIES / "qinghe"]


@pytest.mark.parametrize("folder", COVERED, ids=[folder.name for folder in COVERED])
def test_the_cases_exercise_every_part_of_every_rule(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["rules", "test", str(folder), "--coverage", "--format",
                                      "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found and {r["rule"]: r["not_exercised"] for r in found if r["percent"] < 100} == {}


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def copy_of_zhengzhou(tmp_path: Path) -> Path:
    folder = tmp_path / "zhengzhou"
    shutil.copytree(ROOT / "rules" / "zhengzhou", folder)
    return folder


def test_a_mutated_threshold_in_a_copy_is_caught(tmp_path: Path) -> None:
    """5000万 → 5001万 in a copy of Zhengzhou's rules: the case at the threshold fails,
    told as expected vs got, with the rule's explain; exit 1."""
    folder = copy_of_zhengzhou(tmp_path)
    awards = folder / "awards.toml"
    awards.write_text(awards.read_text(encoding="utf-8").replace(
        "fixed_asset_investment >= 5000万", "fixed_asset_investment >= 5001万"), "utf-8")
    code, out = run("rules", "test", folder)
    assert code == 1
    assert "✗ 5,000万 of investment reaches the threshold" in out
    assert "zhengzhou.investment-reward: status: expected eligible, got not_eligible" in out
    assert "fixed_asset_investment >= 5001万 → false" in out  # the explain
    assert "1 failed" in out


def test_a_swapped_split_in_a_copy_is_caught(tmp_path: Path) -> None:
    folder = copy_of_zhengzhou(tmp_path)
    awards = folder / "awards.toml"
    text = awards.read_text(encoding="utf-8")
    swapped = text.replace('{ payer = "city", share = 4 }', '{ payer = "city", share = 6 }', 1)
    assert swapped != text
    awards.write_text(swapped, encoding="utf-8")
    code, out = run("rules", "test", folder)
    assert code == 1
    assert "payers: expected {city: 4000000, district: 6000000}" in out


def test_the_copy_unchanged_passes(tmp_path: Path) -> None:
    code, out = run("rules", "test", copy_of_zhengzhou(tmp_path))
    assert code == 0, out
    assert " 0 failed" in out


def test_an_unusable_case_file_exits_2_naming_its_line(tmp_path: Path) -> None:
    folder = copy_of_zhengzhou(tmp_path)
    (folder / "tests" / "bad.toml").write_text(
        '[[case]]\nname = "no date"\nprofile = { city = "郑州" }\n'
        '[case.expect."zhengzhou.grade-award"]\nstatus = "eligible"\ncolour = "red"\n',
        encoding="utf-8")
    code, out = run("rules", "test", folder)
    assert code == 2
    assert f"{folder / 'tests' / 'bad.toml'}:1: case 'no date': as_of:" in out
    assert "unknown key 'colour'" in out


def test_coverage_names_what_no_case_exercises(tmp_path: Path) -> None:
    """Qinghe's first cases all use one leased hospital: with only those, its own-premises
    branch and the note on short leases are never reached, and the coverage says so by
    name."""
    folder = tmp_path / "qinghe"
    shutil.copytree(CITIES / "qinghe", folder)
    cases = folder / "tests" / "cases.toml"
    text = cases.read_text(encoding="utf-8")
    cases.write_text(text[:text.index("# --- each branch")], encoding="utf-8")
    code, out = run("rules", "test", folder, "--coverage", "--format", "json")
    assert code == 0, out
    found = {entry["rule"]: entry for entry in json.loads(out[out.index("["):])}
    assert set(found) == {r.id for r in BOOK.rules["qinghe"]}
    subsidy = found["qinghe.bed-subsidy"]
    assert "not premises_leased is true" in subsidy["not_exercised"]
    assert "amount case 3" in subsidy["not_exercised"]  # a general hospital, own premises
    assert "amount case 1" not in subsidy["not_exercised"]  # general, leased: reached
    assert any(part.startswith("note 1 (when premises_leased and lease_years < 5")
               for part in subsidy["not_exercised"])
    assert 0 < subsidy["percent"] < 100


def test_a_failing_case_exits_1_from_the_installed_command(tmp_path: Path) -> None:
    """The exit status a shell or CI sees, not only CliRunner's."""
    import os
    import subprocess
    import sys

    folder = copy_of_zhengzhou(tmp_path)
    awards = folder / "awards.toml"
    awards.write_text(awards.read_text(encoding="utf-8").replace(
        '{ payer = "city", share = 4 }', '{ payer = "city", share = 6 }', 1), "utf-8")
    done = subprocess.run([sys.executable, "-m", "incentives", "rules", "test", str(folder)],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "35 passed, 3 failed" in done.stdout  # the splits of 三甲, 二甲 and 中牟县's 二甲
