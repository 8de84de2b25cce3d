"""Bad profiles and bad rule folders: every problem reported, with where and why.

Each bad input is a fixture file under tests/fixtures/ (except the two that would be too
big to commit, which are generated in tmp_path), and the message it must produce is
asserted here. Every case is checked through the library and through the command line,
which must exit 2 with no traceback.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from incentives import assess
from incentives.cli import cli
from incentives.errors import InputError, Problem, RuleFileError, RuleProblem
from incentives.load.profile_file import read_profile_file
from incentives.load.rulebook import RuleBook, load_rulebook
from incentives.load.source import MAX_RULE_FILE_BYTES
from incentives.model.profile import parse_profile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROFILES = FIXTURES / "profiles"
pytestmark = pytest.mark.bad_input  # counted in docs/reliability.md
RULES = FIXTURES / "rules"
EXAMPLE = ROOT / "examples" / "new-rehabilitation-hospital.toml"
AS_OF = "2026-11-22"


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rulebook()


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def assert_exit_2(result: Result) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"an exception escaped: {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output


# --- profiles -------------------------------------------------------------------------------


def profile_problems(path: Path, book: RuleBook) -> list[Problem]:
    try:
        raw = read_profile_file(path)
        parse_profile(raw, book.schema, book.cities, str(path))
    except InputError as error:
        assert error.problems, "InputError without problems"
        return error.problems
    pytest.fail(f"{path.name} was accepted")


# (fixture, the key the problem is reported under or None for the whole file, texts)
PROFILE_CASES = [
    ("unknown-key.toml", "distrct", ["unknown key 'distrct'", "did you mean 'district'"]),
    ("district-not-in-city.toml", "district", ["'朝阳区'", "not in 郑州市", "金水区", "中牟县"]),
    ("bad-grade.toml", "grade", ["'四级甲等'", "not a known value", "3A", "三级甲等", "ungraded"]),
    ("money-in-words.toml", "fixed_asset_investment", ["'八千万'", "not a number", "8000万"]),
    ("negative-investment.toml", "fixed_asset_investment", ["must not be negative"]),
    ("level-disagrees-with-grade.toml", "hospital_level",
     ["hospital_level = 2 (二级) disagrees with grade = 3A (三级甲等)", "3 (三级)"]),
    ("bad-date.json", "opened_on", ["'2024-02-30'", "not a date", "YYYY-MM-DD"]),
    ("datetime-not-date.toml", "opened_on", ["a date and time", "the date alone"]),
    ("for-profit-maybe.toml", "for_profit", ["'maybe'", "not yes or no", "营利性", "非营利性"]),
    ("missing-city.toml", "city", ["missing", "zhengzhou"]),
    ("unknown-city.toml", "city", ["'上海'", "no rules are loaded", "zhengzhou"]),
    ("invalid-syntax.toml", None, ["not valid TOML", "line 2"]),
    ("invalid.json", None, ["not valid JSON", "line 4"]),
]


@pytest.mark.parametrize(("fixture", "key", "expected"), PROFILE_CASES)
def test_bad_profile_through_the_library(
    fixture: str, key: str | None, expected: list[str], book: RuleBook
) -> None:
    path = PROFILES / fixture
    problems = profile_problems(path, book)
    assert len(problems) == 1, problems
    [problem] = problems
    assert str(path) in problem.where
    if key is not None:
        assert problem.where.endswith(f": {key}")
    for text in expected:
        assert text in str(problem), f"{text!r} not in {problem}"


@pytest.mark.parametrize(("fixture", "key", "expected"), PROFILE_CASES)
def test_bad_profile_through_the_cli(fixture: str, key: str | None, expected: list[str]) -> None:
    result = invoke("check", PROFILES / fixture, "--as-of", AS_OF)
    assert_exit_2(result)
    assert fixture in result.output
    if key is not None:
        assert key in result.output
    for text in expected:
        assert text in result.output


SEVERAL = {
    "distrct": "did you mean 'district'",
    "grade": "'四级甲等'",
    "for_profit": "'maybe'",
    "fixed_asset_investment": "'八千万'",
    "opened_on": "'2024-02-30'",
}


def test_every_problem_in_a_profile_is_reported(book: RuleBook) -> None:
    problems = profile_problems(PROFILES / "several-problems.toml", book)
    assert len(problems) == len(SEVERAL), problems
    for key, text in SEVERAL.items():
        matching = [p for p in problems if p.where.endswith(f": {key}")]
        assert len(matching) == 1, (key, problems)
        assert text in matching[0].message


def test_every_problem_in_a_profile_is_reported_by_the_cli() -> None:
    result = invoke("check", PROFILES / "several-problems.toml", "--as-of", AS_OF)
    assert_exit_2(result)
    for key, text in SEVERAL.items():
        assert key in result.output
        assert text in result.output


@pytest.mark.parametrize(
    ("raw", "key", "text"),
    [
        ({"fixed_asset_investment": "-8000万"}, "fixed_asset_investment", "negative"),
        ({"fixed_asset_investment": 85000000.5}, "fixed_asset_investment", "inexact"),
        ({"fixed_asset_investment": True}, "fixed_asset_investment", "not a number"),
        ({"opened_on": "2024年2月30日"}, "opened_on", "not a date"),
        ({"grade": 3}, "grade", "not a known value"),
        ({"newly_built": "perhaps"}, "newly_built", "not yes or no"),
        ({"division_type": "district"}, "division_type", "unknown key"),
        ({"name": 42}, "name", "must be text"),
    ],
)
def test_bad_values_in_memory(raw: dict, key: str, text: str, book: RuleBook) -> None:
    with pytest.raises(InputError) as caught:
        parse_profile({"city": "zhengzhou", **raw}, book.schema, book.cities, "mem")
    [problem] = caught.value.problems
    assert problem.where == f"mem: {key}"
    assert text in problem.message


@pytest.mark.parametrize("fixture", ["chinese-names.toml", "chinese-names.json"])
def test_chinese_names_parse_to_canonical_values(fixture: str, book: RuleBook) -> None:
    profile = parse_profile(read_profile_file(PROFILES / fixture), book.schema, book.cities)
    facts = profile.facts
    assert profile.city == "zhengzhou"
    assert facts["city"] == "zhengzhou"
    assert facts["sponsor"] == "social"
    assert facts["for_profit"] is False
    assert facts["grade"] == "3A"
    assert facts["fixed_asset_investment"] == Decimal(80_000_000)
    assert isinstance(facts["fixed_asset_investment"], Decimal)
    assert facts["payroll_total"] == Decimal(120_000_000)
    assert facts["opened_on"] == date(2024, 3, 15)


def test_chinese_kind_and_district_names(book: RuleBook) -> None:
    toml = parse_profile(read_profile_file(PROFILES / "chinese-names.toml"), book.schema,
                         book.cities)
    assert toml.facts["kind"] == "rehabilitation"
    assert toml.facts["district"] == "金水区"
    assert toml.facts["division_type"] == "district"
    json_ = parse_profile(read_profile_file(PROFILES / "chinese-names.json"), book.schema,
                          book.cities)
    assert json_.facts["kind"] == "tcm"
    assert json_.facts["district"] == "郑州高新技术产业开发区"  # written as its alias 高新区
    assert json_.facts["division_type"] == "development_zone"


@pytest.mark.parametrize(
    ("key", "written", "canonical"),
    [
        ("city", "郑州市", "zhengzhou"),
        ("city", "郑州", "zhengzhou"),
        ("sponsor", "社会办", "social"),
        ("sponsor", "公立", "public"),
        ("for_profit", "非营利性", False),
        ("for_profit", "营利性", True),
        ("grade", "三级甲等", "3A"),
        ("grade", "二级甲等", "2A"),
        ("kind", "康复医院", "rehabilitation"),
        ("kind", "中医医院", "tcm"),
        ("kind", "综合医院", "general"),
        ("fixed_asset_investment", "8000万", Decimal(80_000_000)),
        ("fixed_asset_investment", "1.2亿", Decimal(120_000_000)),
        ("fixed_asset_investment", 50_000_000, Decimal(50_000_000)),
    ],
)
def test_each_chinese_name_is_accepted(key: str, written: object, canonical: object,
                                       book: RuleBook) -> None:
    raw = {"city": "zhengzhou", key: written}
    profile = parse_profile(raw, book.schema, book.cities)
    assert profile.facts[key] == canonical
    assert type(profile.facts[key]) is type(canonical)


def test_a_left_out_fact_is_unknown_not_false_or_zero(book: RuleBook) -> None:
    profile = parse_profile(read_profile_file(PROFILES / "chinese-names.toml"), book.schema,
                            book.cities)
    for left_out in ("newly_built", "featured_services", "leading_level", "annual_surplus",
                     "sponsor_contribution", "grade_attained_on", "licence_registered_on"):
        assert left_out not in profile.facts


def test_a_city_only_profile_needs_information_everywhere(book: RuleBook) -> None:
    profile = parse_profile({"city": "郑州"}, book.schema, book.cities)
    assert profile.facts == {"city": "zhengzhou"}
    assessment = assess(profile, book, date(2026, 11, 22))
    assert assessment.results
    # everything waits on a fact, but the national VAT exemption, which every licensed
    # medical institution has
    statuses = {r.rule.id: r.status for r in assessment.results}
    assert statuses.pop("national.medical-services-vat-exemption") == "eligible"
    assert set(statuses.values()) == {"needs_info"}
    reward = next(r for r in assessment.results if r.rule.id == "zhengzhou.investment-reward")
    assert "fixed_asset_investment" in reward.missing
    assert "newly_built" in reward.missing


@pytest.mark.parametrize("fixture", ["chinese-names.toml", "chinese-names.json"])
def test_chinese_profile_runs_through_the_cli(fixture: str) -> None:
    result = invoke("check", PROFILES / fixture, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["city"] == "zhengzhou"
    assert report["institution"] in {"郑州康复医院", "郑州同仁中医医院"}
    assert len(report["results"]) == 13  # 12 Zhengzhou rules + 1 national rule


# --- rule folders ---------------------------------------------------------------------------


def rule_problems(*folders: Path) -> list[RuleProblem]:
    try:
        load_rulebook(list(folders))
    except RuleFileError as error:
        assert error.problems, "RuleFileError without problems"
        return error.problems
    pytest.fail(f"{[f.name for f in folders]} loaded without a problem")


def find(problems: list[RuleProblem], file: str, text: str) -> RuleProblem:
    matching = [p for p in problems if Path(p.file).name == file and text in p.message]
    assert len(matching) == 1, f"{file!r} / {text!r} not found once in:\n" + "\n".join(
        str(p) for p in problems)
    return matching[0]


def test_the_good_fixture_folder_loads(tmp_path: Path) -> None:
    book = load_rulebook([RULES / "good"])
    assert list(book.cities) == ["zhengzhou"]
    assert [rule.id for rule in book.rules["zhengzhou"]] == ["fixture.grade-award"]
    [rule] = book.rules["zhengzhou"]
    assert Path(rule.file).name == "awards.toml"
    assert rule.line == 3  # the line of its [[rule]] header


def test_the_good_fixture_folder_runs_through_the_cli() -> None:
    profile = ROOT / "examples" / "3a-general-hospital.toml"
    result = invoke("check", "--no-bundled", "--rules", RULES / "good", profile, "--format", "json",
                    "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [r["rule"] for r in report["results"]] == ["fixture.grade-award"]
    assert report["results"][0]["status"] == "eligible"
    assert report["totals"]["cash"] == "10000000.00"


# (folder, file, line, texts the message must hold)
RULE_CASES = [
    ("misspelt-fact", "awards.toml", 12,
     ["when", "unknown name 'newly_biult'", "did you mean 'newly_built'"]),
    ("missing-quote", "awards.toml", 3, ["'fixture.grade-award'", "quote", "missing"]),
    ("unknown-kind", "awards.toml", 11, ["kind", "'grant'", "not one of", "cash", "procedure"]),
    ("undeclared-document", "awards.toml", 6,
     ["document", "'郑政办〔2099〕1号'", "not declared in city.toml"]),
    ("invalid-toml", "awards.toml", 8, ["not valid TOML", "line 8"]),
    ("import-expression", "awards.toml", 12, ["when", "may not start with '_'"]),
    ("constant-min", "city.toml", 23, ["constant 'min'", "shadows a built-in"]),
    ("param-out-of-range", "params/deduction.toml", 17,
     ["'deduction_ratio'", "'150%'", "outside the range the law allows", "10%–30%",
      "房产税暂行条例 第三条"]),
    ("param-without-range", "params/rate.toml", 3, ["'some_rate'", "needs range = [LEAST, MOST]"]),
]


@pytest.mark.parametrize(("folder", "file", "line", "expected"), RULE_CASES)
def test_bad_rule_folder_through_the_library(
    folder: str, file: str, line: int, expected: list[str]
) -> None:
    problems = rule_problems(RULES / folder)
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    [problem] = problems
    assert Path(problem.file) == RULES / folder / file
    for text in expected:
        assert text in problem.message, f"{text!r} not in {problem}"
    assert problem.line == line, f"expected line {line}: {problem}"
    assert str(problem).startswith(f"{problem.file}:{line}: ")


@pytest.mark.parametrize(("folder", "file", "line", "expected"), RULE_CASES)
def test_bad_rule_folder_through_the_cli(
    folder: str, file: str, line: int, expected: list[str]
) -> None:
    result = invoke("check", "--no-bundled", "--rules", RULES / folder, EXAMPLE, "--as-of", AS_OF)
    assert_exit_2(result)
    assert file in result.output
    for text in expected:
        assert text in result.output


def test_misspelt_fact_shows_the_expression_and_a_caret() -> None:
    [problem] = rule_problems(RULES / "misspelt-fact")
    source, caret = problem.detail.splitlines()
    assert source.strip() == "sponsor == 'social' and newly_biult"
    assert caret.index("^") == source.index("newly_biult")


def test_duplicated_rule_id_names_both_locations() -> None:
    problems = rule_problems(RULES / "duplicate-id")
    assert len(problems) == 1, problems
    [problem] = problems
    assert "'fixture.grade-award'" in problem.message
    assert "used again" in problem.message
    # the second use is where the problem is; the first is named in the message
    assert Path(problem.file).name == "b.toml"
    assert problem.line == 4, str(problem)
    assert f"{RULES / 'duplicate-id' / 'a.toml'}:3" in problem.message, str(problem)


def test_duplicated_rule_id_through_the_cli() -> None:
    result = invoke("check", "--no-bundled", "--rules", RULES / "duplicate-id", EXAMPLE,
                    "--as-of", AS_OF)
    assert_exit_2(result)
    assert "a.toml" in result.output
    assert "b.toml" in result.output
    assert "used again" in result.output


def test_duplicated_rule_id_across_two_cities(tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(RULES / "good", other)
    city = other / "city.toml"
    city.write_text(city.read_text(encoding="utf-8").replace('id = "zhengzhou"', 'id = "other"')
                    .replace('aliases = ["郑州", "郑州市", "Zhengzhou"]', "aliases = []"),
                    encoding="utf-8")
    problems = rule_problems(RULES / "good", other)
    [problem] = problems
    assert Path(problem.file) == other / "awards.toml"
    assert "used again" in problem.message
    assert str(RULES / "good" / "awards.toml") in problem.message


def test_the_same_city_in_two_folders_is_refused(tmp_path: Path) -> None:
    again = tmp_path / "again"
    shutil.copytree(RULES / "good", again)
    problems = rule_problems(RULES / "good", again)
    problem = find(problems, "city.toml", "declared twice")
    assert Path(problem.file) == again / "city.toml"


# (file, line, text) of every problem in the several-problems folder
SEVERAL_RULE_PROBLEMS = [
    ("city.toml", 23, "constant 'max' shadows"),
    ("awards.toml", 12, "unknown name 'newly_biult'"),
    ("awards.toml", 24, "'grant' is not one of"),
    ("tax.toml", 6, "not declared in city.toml"),
    ("tax.toml", 25, "only the functions"),
]


def test_every_problem_in_a_rule_folder_is_reported() -> None:
    problems = rule_problems(RULES / "several-problems")
    assert len(problems) == len(SEVERAL_RULE_PROBLEMS), "\n".join(map(str, problems))
    for file, _line, text in SEVERAL_RULE_PROBLEMS:
        find(problems, file, text)


@pytest.mark.parametrize(("file", "line", "text"), SEVERAL_RULE_PROBLEMS)
def test_each_problem_in_a_rule_folder_has_its_line(file: str, line: int, text: str) -> None:
    problem = find(rule_problems(RULES / "several-problems"), file, text)
    assert problem.line == line, str(problem)


def test_every_problem_in_a_rule_folder_is_reported_by_the_cli() -> None:
    result = invoke("check", "--no-bundled", "--rules", RULES / "several-problems", EXAMPLE,
                    "--as-of", AS_OF)
    assert_exit_2(result)
    for file, _line, text in SEVERAL_RULE_PROBLEMS:
        assert file in result.output
        assert text in result.output


# --- generated rule files: too big, too deep ------------------------------------------------


def good_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES / "good", folder)
    return folder


def pad_to(path: Path, size: int) -> None:
    """A rule file of exactly `size` bytes: one valid rule, then comment lines."""
    text = (RULES / "good" / "awards.toml").read_text(encoding="utf-8").replace(
        "fixture.grade-award", "fixture.padded")
    text += "\n"
    line = "# " + "x" * 97 + "\n"
    while len(text.encode()) + len(line) <= size:
        text += line
    text += "#" * (size - len(text.encode()) - 1) + "\n"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size == size


def test_rule_file_over_512_kib_is_refused(tmp_path: Path) -> None:
    folder = good_copy(tmp_path)
    pad_to(folder / "big.toml", MAX_RULE_FILE_BYTES + 1)
    [problem] = rule_problems(folder)
    assert Path(problem.file) == folder / "big.toml"
    assert problem.line == 1
    assert "over the limit" in problem.message
    assert str(MAX_RULE_FILE_BYTES + 1) in problem.message


def test_rule_file_of_exactly_512_kib_is_accepted(tmp_path: Path) -> None:
    assert MAX_RULE_FILE_BYTES == 512 * 1024
    folder = good_copy(tmp_path)
    pad_to(folder / "big.toml", MAX_RULE_FILE_BYTES)
    book = load_rulebook([folder])
    assert {r.id for r in book.rules["zhengzhou"]} == {"fixture.grade-award", "fixture.padded"}


def test_rule_file_over_512_kib_through_the_cli(tmp_path: Path) -> None:
    folder = good_copy(tmp_path)
    pad_to(folder / "big.toml", MAX_RULE_FILE_BYTES + 1)
    result = invoke("check", "--no-bundled", "--rules", folder, EXAMPLE, "--as-of", AS_OF)
    assert_exit_2(result)
    assert "big.toml" in result.output
    assert "over the limit" in result.output


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("deep = " + "[" * 100 + "]" * 100 + "\n", id="arrays"),
        pytest.param("deep = " + "{ a = " * 100 + "1" + " }" * 100 + "\n", id="inline-tables"),
        pytest.param("[[rule]]\nid = \"x\"\nwhen = " + "[" * 100 + "]" * 100 + "\n",
                     id="inside-a-rule"),
    ],
)
def test_toml_nested_100_deep_is_refused(tmp_path: Path, text: str) -> None:
    folder = good_copy(tmp_path)
    (folder / "deep.toml").write_text(text, encoding="utf-8")
    [problem] = rule_problems(folder)
    assert Path(problem.file) == folder / "deep.toml"
    assert "nested 100 deep" in problem.message
    result = invoke("check", "--no-bundled", "--rules", folder, EXAMPLE, "--as-of", AS_OF)
    assert_exit_2(result)
    assert "deep.toml" in result.output
    assert "nested" in result.output


def test_deeply_nested_expression_is_refused(tmp_path: Path) -> None:
    folder = good_copy(tmp_path)
    rule = (folder / "awards.toml").read_text(encoding="utf-8")
    deep = "not " * 40 + "newly_built"  # 41 levels; the limit is 32
    (folder / "awards.toml").write_text(
        rule.replace("sponsor == 'social' and grade == '3A'", deep), encoding="utf-8")
    [problem] = rule_problems(folder)
    assert "when" in problem.message
    assert "nested more than 32 deep" in problem.message


def test_redundant_parentheses_are_not_depth(tmp_path: Path) -> None:
    folder = good_copy(tmp_path)
    rule = (folder / "awards.toml").read_text(encoding="utf-8")
    (folder / "awards.toml").write_text(
        rule.replace("sponsor == 'social' and grade == '3A'", "(" * 60 + "newly_built" + ")" * 60),
        encoding="utf-8")
    book = load_rulebook([folder])
    assert [r.id for r in book.rules["zhengzhou"]] == ["fixture.grade-award"]


def test_a_rule_with_three_mistakes_gets_three_messages_each_on_its_line() -> None:
    # an unknown key no longer hides the rest of the rule, and a bad amount is not also
    # reported as a missing one ("a cash rule needs one")
    problems = rule_problems(RULES / "three-mistakes")
    assert sorted((p.line, p.message.split(": ")[1]) for p in problems) == [
        (14, "when"), (15, "amount"), (16, "schedul")], "\n".join(map(str, problems))
    assert "unknown key" in find(problems, "awards.toml", "schedul").message
    assert "newly_built" in find(problems, "awards.toml", "newly_biult").message
