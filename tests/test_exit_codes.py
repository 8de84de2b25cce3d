"""Exit status and messages on every error path of every command.

2: the input can't be used; every problem is listed, and there is no traceback.
1: a bug, and only a bug; a short message says where to report it, and only `--debug`
shows the traceback. Most cases run through click's CliRunner on the `cli` group; those
that depend on `main()` (the bug message, `--debug`, the end of standard input) run the
real entry point in a subprocess, with a library function patched to fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import incentives.cli as cli_module
from incentives.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "3a-general-hospital.toml"
SURPLUS = ROOT / "examples" / "non-profit-with-surplus.toml"
PROFILES = ROOT / "tests" / "fixtures" / "profiles"
SEVERAL = PROFILES / "several-problems.toml"
BAD_RULES = ROOT / "tests" / "fixtures" / "rules" / "several-problems"
AS_OF = ["--as-of", "2026-11-22"]

# Each problem of the several-problems fixtures, as the output must name it.
PROFILE_PROBLEMS = ["distrct", "'四级甲等'", "'maybe'", "'八千万'", "'2024-02-30'"]
RULE_PROBLEMS = ["city.toml:23", "awards.toml:12", "awards.toml:24", "tax.toml:6", "tax.toml:25"]


def invoke(*args: object, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args], input=stdin)


def assert_unusable(result: Result, *expected: str) -> None:
    """Exit 2, every expected text in the output, no exception escaped, no traceback."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"an exception escaped: {result.exception!r}")
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, f"{text!r} not in:\n{result.output}"


def unwritable(tmp_path: Path) -> Path:
    return tmp_path / "no-such-folder" / "out.html"


# --- exit 2, every problem listed, for each command -----------------------------------------

CASES = {
    # check
    "check-profile-problems": (["check", SEVERAL, *AS_OF], PROFILE_PROBLEMS),
    "check-missing-profile": (["check", "absent.toml", *AS_OF], ["absent.toml", "cannot read"]),
    "check-profile-not-toml": (["check", PROFILES / "invalid-syntax.toml"], ["not valid TOML"]),
    "check-bad-as-of": (["check", EXAMPLE, "--as-of", "2026-02-30"], ["YYYY-MM-DD"]),
    "check-params": (["check", EXAMPLE, "--param", "foo=1", "--param", "lending_rate=x",
                      "--param", "lending_rate"], ["'foo=1'", "'x'", "'lending_rate'"]),
    "check-rule-problems": (["check", "--no-bundled", "--rules", BAD_RULES, EXAMPLE],
                            RULE_PROBLEMS),
    "check-rules-not-a-folder": (["check", "--rules", "no-such-folder", EXAMPLE],
                                 ["no-such-folder", "does not exist"]),
    "check-format": (["check", EXAMPLE, "--format", "pdf"], ["'pdf'"]),
    "check-unknown-option": (["check", EXAMPLE, "--colour"], ["--colour"]),
    "check-no-profile": (["check"], ["PROFILE"]),
    # compare
    "compare-profile-problems": (["compare", SEVERAL, *AS_OF], PROFILE_PROBLEMS),
    "compare-cities": (["compare", EXAMPLE, "--city", "上海", "--city", "atlantis"],
                       ["'上海'", "'atlantis'", "no rules are loaded"]),
    "compare-params": (["compare", EXAMPLE, "--param", "foo=1"], ["'foo=1'"]),
    "compare-rule-problems": (["compare", "--no-bundled", "--rules", BAD_RULES, EXAMPLE],
                              RULE_PROBLEMS),
    # explain
    "explain-unknown-rule": (["explain", EXAMPLE, "zhengzhou.grade-awrd", *AS_OF],
                             ["zhengzhou.grade-awrd", "zhengzhou.grade-award"]),
    "explain-profile-problems": (["explain", SEVERAL, "zhengzhou.grade-award"],
                                 PROFILE_PROBLEMS),
    "explain-params": (["explain", EXAMPLE, "zhengzhou.grade-award", "--param", "x=1"],
                       ["'x=1'"]),
    # whatif
    "whatif-sets": (["whatif", EXAMPLE, "--set", "grade", "--set", "=3A"],
                    ["'grade'", "'=3A'", "FACT=VALUE"]),
    "whatif-bad-values": (["whatif", EXAMPLE, "--set", "grade=四级", "--set", "opened_on=never",
                           "--set", "colour=red"], ["四级", "never", "colour"]),
    "whatif-no-set": (["whatif", EXAMPLE], ["--set"]),
    "whatif-profile-problems": (["whatif", SEVERAL, "--set", "grade=3A"], PROFILE_PROBLEMS),
    # rules
    "rules-list-cities": (["rules", "list", "--city", "上海", "--city", "atlantis"],
                          ["'上海'", "'atlantis'"]),
    "rules-show-unknown": (["rules", "show", "zhengzhou.grade-awrd"],
                           ["no rule 'zhengzhou.grade-awrd'", "zhengzhou.grade-award"]),
    "rules-check-problems": (["rules", "check", "--no-bundled", BAD_RULES], RULE_PROBLEMS),
    "rules-check-not-a-folder": (["rules", "check", "no-such-folder"], ["no-such-folder"]),
    "rules-unknown-command": (["rules", "lint"], ["lint"]),
    # init
    "init-rule-problems": (["init", "--no-bundled", "--rules", BAD_RULES], RULE_PROBLEMS),
    "init-lang": (["init", "--lang", "fr"], ["'fr'"]),
    # the group
    "unknown-command": (["chek", EXAMPLE], ["chek"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_unusable_input_exits_2_listing_every_problem(case: str) -> None:
    args, expected = CASES[case]
    assert_unusable(invoke(*args), *expected)


BIG_LAND = ROOT / "tests" / "fixtures" / "fuzz" / "big-land.toml"
HUGE_RATE = ["--param", "land_use_tax_rate=" + "9" * 24 + "亿"]


def test_an_amount_too_long_to_work_out_names_the_rule() -> None:
    """Found while fuzzing: the tax an exemption spares, with a land-use tax rate of 10^32
    yuan/m², has more digits than the fen can be worked out to (was decimal.InvalidOperation,
    exit 1). `--param` now refuses such a rate (the law allows 0.6–30 yuan/m²), so the
    engine's own guard is reached through the library."""
    from datetime import date
    from decimal import Decimal

    from incentives import assess
    from incentives.errors import InputError
    from incentives.load.profile_file import read_profile_file
    from incentives.load.rulebook import load_rulebook
    from incentives.model.profile import parse_profile

    result = invoke("check", BIG_LAND, *AS_OF, *HUGE_RATE)
    assert_unusable(result, "--param land_use_tax_rate=", "outside the range the law allows")
    book = load_rulebook()
    profile = parse_profile(read_profile_file(BIG_LAND), book.schema, book.cities, "big-land")
    with pytest.raises(InputError) as raised:
        assess(profile, book, date(2026, 11, 22), {"land_use_tax_rate": Decimal("1E32")})
    message = str(raised.value)
    for text in ("tax.toml", "zhengzhou.for-profit-property-tax-exemption",
                 "too many digits to work out to the fen", "--param"):
        assert text in message, message


def test_the_largest_rate_a_parameter_may_take_is_shown() -> None:
    """Found reviewing mutants: format_rate rounded in the caller's 28-digit context, so
    `explain` with a rate of 10^32 hit decimal.InvalidOperation (exit 1). `--param` now
    refuses a rate over 100%; the largest it takes is shown."""
    result = invoke("explain", SURPLUS, "zhengzhou.sponsor-annual-award-cap", *AS_OF,
                    "--param", "lending_rate=" + "9" * 24 + "亿")
    assert_unusable(result, "--param lending_rate=", "the law allows 0%–100%")
    result = invoke("explain", SURPLUS, "zhengzhou.sponsor-annual-award-cap", *AS_OF,
                    "--param", "lending_rate=100%")
    assert result.exit_code == 0, result.output
    assert "100.00%" in result.output


def test_the_report_file_cannot_be_written(tmp_path: Path) -> None:
    for command in ("check", "compare"):
        result = invoke(command, EXAMPLE, *AS_OF, "--format", "html", "-o", unwritable(tmp_path))
        assert_unusable(result, "out.html", "cannot write")
    result = invoke("check", EXAMPLE, *AS_OF, "--save", unwritable(tmp_path))
    assert_unusable(result, "out.html", "cannot write")


def test_init_will_not_replace_a_file_unasked(tmp_path: Path) -> None:
    existing = tmp_path / "profile.toml"
    existing.write_text("# mine\n", encoding="utf-8")
    assert_unusable(invoke("init", "-o", existing, "--lang", "en", stdin="n\n"),
                    "exists; not replaced")
    assert_unusable(invoke("init", "-o", existing, stdin="n\n"), "已存在，未替换")
    assert existing.read_text(encoding="utf-8") == "# mine\n"


def test_init_refuses_an_answer_and_asks_again(tmp_path: Path) -> None:
    written = tmp_path / "profile.toml"
    result = invoke("init", "--lang", "en", "-o", written, stdin="上海\n郑州\n" + "\n" * 40)
    assert result.exit_code == 0, result.output
    assert "上海" in result.output  # refused, with what is allowed
    assert 'city = "zhengzhou"' in written.read_text(encoding="utf-8")


def test_batch_input_that_cannot_be_used(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert_unusable(invoke("batch", tmp_path / "absent.csv", "-o", out), "absent.csv")
    registry = tmp_path / "registry.csv"
    registry.write_text("city,colour,size\n郑州,red,2\n", encoding="utf-8")
    assert_unusable(invoke("batch", registry, "-o", out), "colour", "size")
    assert not out.exists()


# --- through the real entry point: main() ---------------------------------------------------

BOOM = "import incentives.assessment.engine as engine\n" \
       "def boom(*args, **kwargs):\n" \
       "    raise ZeroDivisionError('simulated bug ' + 'x' * 1000)\n" \
       "engine.assess = boom\n"


def main(*args: object, patch: str = "", stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `cli.main()` in a fresh interpreter, after `patch` (Python) has run."""
    code = f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n{patch}import cli\ncli.main()\n"
    return subprocess.run([sys.executable, "-c", code, *(str(a) for a in args)], cwd=ROOT,
                          input=stdin, capture_output=True, text=True, encoding="utf-8",
                          timeout=120, check=False)


@pytest.mark.parametrize("command", [["check", EXAMPLE], ["compare", EXAMPLE],
                                     ["explain", EXAMPLE, "zhengzhou.grade-award"],
                                     ["whatif", EXAMPLE, "--set", "grade=2A"]])
def test_a_bug_exits_1_with_a_short_message_saying_where_to_report_it(
        command: list[object]) -> None:
    done = main(*command, *AS_OF, patch=BOOM)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout == ""
    message = done.stderr
    assert message.startswith("incentives: internal error: ZeroDivisionError: simulated bug")
    assert "This is a bug in incentives" in message
    assert "Please report it to " in message and "--debug" in message
    assert len(message) < 700  # the exception's message is cut short
    assert len(message.splitlines()) <= 3


def test_debug_shows_the_traceback() -> None:
    done = main("--debug", "check", EXAMPLE, *AS_OF, patch=BOOM)
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert "ZeroDivisionError: simulated bug" in done.stderr
    assert "in boom" in done.stderr


def test_unusable_input_through_main_exits_2_without_a_traceback() -> None:
    done = main("check", SEVERAL, *AS_OF)
    assert done.returncode == 2
    assert done.stderr.startswith("incentives: the input can't be used:\n")
    for text in PROFILE_PROBLEMS:
        assert text in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    done = main("check", BIG_LAND, *AS_OF, *HUGE_RATE)
    assert done.returncode == 2, done.stderr
    assert "land_use_tax_rate" in done.stderr and "outside the range" in done.stderr


def test_a_bug_in_loading_the_rules_is_a_bug_too() -> None:
    patch = ("import incentives.load.rulebook as rulebook\n"
             "def boom(*args, **kwargs):\n    raise KeyError('simulated')\n"
             "rulebook.load_rulebook = boom\n")
    done = main("rules", "check", patch=patch)
    assert done.returncode == 1
    assert "internal error: KeyError" in done.stderr and "Traceback" not in done.stderr


def test_standard_input_that_ends_during_questions_exits_2(tmp_path: Path) -> None:
    done = main("init", "-o", tmp_path / "profile.toml", stdin="郑州\n")
    assert done.returncode == 2, done.stderr
    assert "输入在所有问题回答完之前已结束" in done.stderr  # init asks in Chinese by default
    assert "Traceback" not in done.stderr
    done = main("init", "--lang", "en", "-o", tmp_path / "profile.toml", stdin="郑州\n")
    assert done.returncode == 2 and "the input ended before every question" in done.stderr


def test_where_to_report_comes_from_the_package_metadata(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    class Metadata(dict[str, str]):
        def get_all(self, name: str) -> list[str]:
            return ["Homepage, https://example.org", "Issues, https://example.org/issues"]

    monkeypatch.setattr("importlib.metadata.metadata", lambda _name: Metadata(Version="9.9"))
    assert cli_module._about_this_program() == ("9.9", "https://example.org/issues")

    class Bare(Metadata):
        def get_all(self, name: str) -> list[str]:
            return []

    monkeypatch.setattr("importlib.metadata.metadata", lambda _name: Bare(Version="9.9"))
    assert cli_module._about_this_program() == ("9.9", "the maintainers of incentives")
