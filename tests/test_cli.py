"""The `incentives` command line: reports, the JSON contract, parameters and exit status.

Most cases run in-process through click's CliRunner on the `cli` group; a few run the
real console script (or `python cli.py`) in a subprocess, because `main()` is what turns
a bug into exit 1 and unusable input into exit 2 for people and scripts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from incentives.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = "2026-11-22"
SURPLUS = EXAMPLES / "non-profit-with-surplus.toml"
CAP_RULE = "zhengzhou.sponsor-annual-award-cap"

RESULT_KEYS = {
    "rule", "status", "kind", "amount", "payers", "schedule", "period", "conditions",
    "citation", "notes",
}
STATUSES = {"eligible", "not_eligible", "needs_info"}
KINDS = {"cash", "tax_exemption", "cap", "deduction", "eligibility_date", "procedure"}

# (example, the institution's name, the cash total as the table prints it, as JSON prints it)
EXAMPLE_CASES = [
    ("3a-general-hospital.toml", "郑州仁济综合医院", "10,000,000.00", "10000000.00"),
    ("new-rehabilitation-hospital.toml", "郑州康宁康复医院", "1,038,000.00", "1038000.00"),
    ("non-profit-with-surplus.toml", "郑州同仁中医医院", "5,000,000.00", "5000000.00"),
]


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def assert_clean_exit(result: Result, code: int) -> None:
    """Exit `code` through click's own exit, never an escaped exception or a traceback."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"an exception escaped: {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output


def check_json(profile: Path, *extra: object) -> dict:
    result = invoke("check", profile, "--format", "json", *extra)
    assert_clean_exit(result, 0)
    return json.loads(result.stdout)


def cap_result(report: dict) -> dict:
    matches = [r for r in report["results"] if r["rule"] == CAP_RULE]
    assert len(matches) == 1
    return matches[0]


# --- the table report -----------------------------------------------------------------------


@pytest.mark.parametrize(("example", "name", "total", "_json_total"), EXAMPLE_CASES)
def test_table_report_names_the_institution_and_the_totals(
    example: str, name: str, total: str, _json_total: str
) -> None:
    result = invoke("check", EXAMPLES / example, "--as-of", AS_OF, "--lang", "en")
    assert_clean_exit(result, 0)
    assert name in result.stdout
    assert AS_OF in result.stdout
    assert "By year: cash by payer" in result.stdout
    assert total in result.stdout


def test_table_report_shows_the_investment_reward_and_its_split() -> None:
    result = invoke("check", EXAMPLES / "new-rehabilitation-hospital.toml", "--as-of", AS_OF)
    assert_clean_exit(result, 0)
    # 8650万 × 1.2% = 1,038,000.00, split 1:1 between the city and 二七区.
    assert "1,038,000.00" in result.stdout
    assert "519,000.00" in result.stdout
    assert "二七区财政" in result.stdout
    assert "郑州市财政" in result.stdout


# --- the JSON contract ----------------------------------------------------------------------


@pytest.mark.parametrize(("example", "name", "_total", "json_total"), EXAMPLE_CASES)
def test_json_follows_the_contract(example: str, name: str, _total: str, json_total: str) -> None:
    report = check_json(EXAMPLES / example, "--as-of", AS_OF)
    assert {"as_of", "city", "results", "totals"} <= set(report)
    assert report["as_of"] == AS_OF
    assert report["city"] == "zhengzhou"
    assert report.get("institution") == name
    # the 12 Zhengzhou provisions, three of them citing the national rule they restate, and
    # the one national rule Zhengzhou does not restate (non-profit property tax)
    assert len(report["results"]) == 13
    assert len({r["rule"] for r in report["results"]}) == 13
    for result in report["results"]:
        assert set(result) >= RESULT_KEYS, result["rule"]
        assert result["status"] in STATUSES
        assert result["kind"] in KINDS
        assert result["amount"] is None or Decimal(result["amount"]).as_tuple().exponent == -2
        assert isinstance(result["payers"], list)
        assert isinstance(result["schedule"], list)
        assert result["period"] is None or set(result["period"]) == {"start", "end"}
        assert isinstance(result["conditions"], list)
        assert set(result["citation"]) >= {"document", "article", "quote"}
        assert result["citation"]["document"] in {
            "郑政办〔2018〕71号", "财税〔2000〕42号", "财税〔2016〕36号", "财税〔2009〕122号"}
        assert result["citation"]["quote"]
        assert isinstance(result["notes"], list)
        assert all(isinstance(note, str) for note in result["notes"])
    assert set(report["totals"]) >= {"cash", "by_payer"}
    assert report["totals"]["cash"] == json_total


@pytest.mark.parametrize(("example", "_name", "_total", "_json_total"), EXAMPLE_CASES)
def test_json_totals_add_up_the_eligible_cash_results(
    example: str, _name: str, _total: str, _json_total: str
) -> None:
    report = check_json(EXAMPLES / example, "--as-of", AS_OF)
    eligible_cash = [r for r in report["results"]
                     if r["kind"] == "cash" and r["status"] == "eligible"]
    total = sum((Decimal(r["amount"]) for r in eligible_cash), Decimal(0))
    assert Decimal(report["totals"]["cash"]) == total
    by_payer = report["totals"]["by_payer"]
    assert sum((Decimal(v) for v in by_payer.values()), Decimal(0)) == total
    for result in eligible_cash:
        paid = sum((Decimal(p["amount"]) for p in result["payers"]), Decimal(0))
        assert paid == Decimal(result["amount"]), result["rule"]


def test_json_investment_reward_of_the_rehabilitation_hospital() -> None:
    report = check_json(EXAMPLES / "new-rehabilitation-hospital.toml", "--as-of", AS_OF)
    reward = next(r for r in report["results"] if r["rule"] == "zhengzhou.investment-reward")
    assert reward["status"] == "eligible"
    assert reward["kind"] == "cash"
    assert reward["amount"] == "1038000.00"
    assert {p["payer"]: p["amount"] for p in reward["payers"]} == {
        "city": "519000.00", "district": "519000.00",
    }
    # 50% after opening (2025-04-28), 50% within two years of it.
    assert [(d["due"], d["amount"]) for d in reward["schedule"]] == [
        ("2025-04-28", "519000.00"), ("2027-04-28", "519000.00"),
    ]
    assert report["totals"]["by_payer"] == {"city": "519000.00", "district": "519000.00"}


def test_json_output_is_the_whole_stdout() -> None:
    result = invoke("check", SURPLUS, "--format", "json", "--as-of", AS_OF)
    assert_clean_exit(result, 0)
    assert result.stdout.lstrip().startswith("{")
    assert result.stdout.rstrip().endswith("}")
    json.loads(result.stdout)


# --- dated parameters -----------------------------------------------------------------------


def test_default_lending_rate_gives_the_lpr_cap() -> None:
    report = check_json(SURPLUS, "--as-of", AS_OF)
    cap = cap_result(report)
    assert cap["status"] == "eligible"
    assert cap["amount"] == "2160000.00"  # 6000万 × 1.2 × 3.00%
    [used] = [p for p in report["parameters"] if p["name"] == "lending_rate"]
    assert Decimal(used["value"]) == Decimal("0.03")
    assert used["overridden"] is False


def test_param_override_changes_the_cap_and_is_reported() -> None:
    report = check_json(SURPLUS, "--as-of", AS_OF, "--param", "lending_rate=4.35%")
    cap = cap_result(report)
    assert cap["amount"] == "3132000.00"  # 6000万 × 1.2 × 4.35%
    [used] = [p for p in report["parameters"] if p["name"] == "lending_rate"]
    assert Decimal(used["value"]) == Decimal("0.0435")
    assert used["overridden"] is True
    assert any(p["overridden"] is True for p in cap["parameters"])


def test_param_override_shows_in_the_table() -> None:
    result = invoke("check", SURPLUS, "--as-of", AS_OF, "--param", "lending_rate=4.35%")
    assert_clean_exit(result, 0)
    assert "3,132,000.00" in result.stdout
    assert "2,160,000.00" not in result.stdout


@pytest.mark.parametrize(
    ("as_of", "rate", "amount"),
    [
        ("2019-08-19", "0.0435", "3132000.00"),  # the PBoC benchmark, the day before the LPR
        ("2019-08-20", "0.0425", "3060000.00"),  # the first one-year LPR
    ],
)
def test_as_of_picks_the_rate_in_force(as_of: str, rate: str, amount: str) -> None:
    report = check_json(SURPLUS, "--as-of", as_of)
    assert report["as_of"] == as_of
    assert cap_result(report)["amount"] == amount
    [used] = [p for p in report["parameters"] if p["name"] == "lending_rate"]
    assert Decimal(used["value"]) == Decimal(rate)
    assert used["overridden"] is False


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        pytest.param("lending_rate=4.35", ["write 4.35%", "the law allows 0%–100%"],
                     id="rate-without-percent"),  # was read as 435%: a cap of 52,200,000.00
        pytest.param("lending_rate=0.0435", ["write 4.35% for a share of 0.0435",
                                             "or 0.0435% for 0.0435 percent"],
                     id="share-without-percent"),
        pytest.param("land_use_tax_rate=-3", ["-3 yuan/m² is outside the range the law allows",
                                              "0.6–30 yuan/m²", "城镇土地使用税暂行条例 第四条"],
                     id="negative-land-use-tax"),
        pytest.param("property_tax_deduction_ratio=150%", ["150% is outside the range",
                                                           "10%–30%", "房产税暂行条例 第三条"],
                     id="deduction-over-30-percent"),
    ],
)
@pytest.mark.parametrize("command", ["check", "explain", "compare", "batch"])
def test_a_param_outside_its_law_or_without_its_unit_is_refused(
    command: str, param: str, expected: list[str], tmp_path: Path,
) -> None:
    registry = tmp_path / "registry.csv"
    registry.write_text("city,for_profit\nzhengzhou,false\n", encoding="utf-8")
    args = {"check": [SURPLUS], "explain": [SURPLUS, CAP_RULE], "compare": [SURPLUS],
            "batch": [registry, "--output", tmp_path / "out.jsonl"]}[command]
    result = invoke(command, *args, "--as-of", AS_OF, "--param", param)
    assert_clean_exit(result, 2)
    for text in expected:
        assert text in result.output, result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_every_bad_param_is_named_at_once() -> None:
    result = invoke("check", SURPLUS, "--param", "lending_rate=4.35",
                    "--param", "property_tax_deduction_ratio=150%",
                    "--param", "land_use_tax_rate=0.5")
    assert_clean_exit(result, 2)
    for text in ("lending_rate=4.35:", "property_tax_deduction_ratio=150%:",
                 "land_use_tax_rate=0.5:"):
        assert text in result.output, result.output


def test_params_at_the_ends_of_their_ranges_are_accepted() -> None:
    report = check_json(SURPLUS, "--as-of", AS_OF, "--param", "lending_rate=0%",
                        "--param", "property_tax_deduction_ratio=10%",
                        "--param", "land_use_tax_rate=30")
    assert cap_result(report)["amount"] == "0.00"  # 6000万 × 1.2 × 0%


# --- unusable input: exit 2, a clear message, no traceback -----------------------------------

BAD_ARGS = [
    pytest.param(["--as-of", "2026-13-01"], ["2026-13-01", "YYYY-MM-DD"], id="bad-as-of"),
    pytest.param(["--param", "foo=1"], ["foo", "lending_rate"], id="unknown-param"),
    pytest.param(["--param", "lending_rate=abc"], ["lending_rate", "'abc'", "not a number"],
                 id="bad-param-value"),
    pytest.param(["--param", "lending_rate"], ["NAME=VALUE"], id="param-without-value"),
    pytest.param(["--format", "xml"], ["xml"], id="bad-format"),
    pytest.param(["--param", "lending_rate", "--param", "foo=1", "--param", "lending_rate=abc"],
                 ["'lending_rate':", "'foo=1'", "'abc'"], id="every-bad-param-at-once"),
]


@pytest.mark.parametrize(("args", "expected"), BAD_ARGS)
def test_bad_flags_exit_2_with_a_message(args: list[str], expected: list[str]) -> None:
    result = invoke("check", SURPLUS, *args)
    assert_clean_exit(result, 2)
    for text in expected:
        assert text in result.output


def test_missing_profile_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-profile.toml"
    result = invoke("check", missing, "--as-of", AS_OF)
    assert_clean_exit(result, 2)
    assert "no-such-profile.toml" in result.output
    assert "cannot read" in result.output


def test_several_bad_params_are_all_reported() -> None:
    result = invoke("check", SURPLUS, "--param", "foo=1", "--param", "lending_rate=abc")
    assert_clean_exit(result, 2)
    assert "foo" in result.output
    assert "'abc'" in result.output


# --- the real command, as a subprocess ------------------------------------------------------


def command() -> list[str]:
    script = Path(sys.executable).parent / "incentives"
    if script.exists():
        return [str(script)]
    return [sys.executable, str(ROOT / "cli.py")]


def run(*args: object, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command(), *(str(a) for a in args)], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", timeout=120, check=False)


def test_subprocess_check_json_exits_0(tmp_path: Path) -> None:
    done = run("check", EXAMPLES / "new-rehabilitation-hospital.toml", "--format", "json",
               "--as-of", AS_OF, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["totals"]["cash"] == "1038000.00"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["--as-of", "2026-13-01"], ["YYYY-MM-DD"], id="bad-as-of"),
        pytest.param(["--param", "foo=1"], ["foo", "lending_rate"], id="unknown-param"),
        pytest.param(["--param", "lending_rate=abc"], ["not a number"], id="bad-param-value"),
    ],
)
def test_subprocess_bad_flags_exit_2(args: list[str], expected: list[str]) -> None:
    done = run("check", SURPLUS, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    for text in expected:
        assert text in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout == ""


def test_subprocess_missing_profile_exits_2(tmp_path: Path) -> None:
    done = run("check", tmp_path / "absent.toml", "--as-of", AS_OF)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "absent.toml" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_subprocess_bad_profile_lists_every_problem() -> None:
    profile = ROOT / "tests" / "fixtures" / "profiles" / "several-problems.toml"
    done = run("check", profile, "--as-of", AS_OF)
    assert done.returncode == 2, done.stdout + done.stderr
    for key in ("distrct", "grade", "for_profit", "fixed_asset_investment", "opened_on"):
        assert key in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
