"""Fuzzing the readers: any profile or rule folder gives a result or a typed error.

Profiles (TOML, JSON, CSV-style cells) must give a Profile or `InputError`; rule folders a
RuleBook or `RuleFileError`; an accepted rule book must assess any profile without an
exception other than `InputError`; and the command line must exit 0 or 2, never 1, with
no traceback. Inputs Hypothesis found that broke one of these are kept under
tests/fixtures/fuzz/ and replayed by test_regression_fixtures.py-style tests at the end.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incentives import assess, load_rulebook
from incentives.assessment.reach import within_reach
from incentives.cli import cli
from incentives.errors import InputError, RuleFileError
from incentives.load.profile_file import read_profile_file
from incentives.load.rulebook import RuleBook
from incentives.model.facts import EARLIEST_DATE, LATEST_DATE
from incentives.model.profile import Profile, parse_profile
from incentives.render.json import assessment_to_dict

from .conftest import BOOK
from .fuzzing import (
    cell_profiles,
    expressions,
    json_document,
    number_expressions,
    raw_profiles,
    toml_document,
    toml_texts,
    toml_value,
    values,
)

AS_OF = date(2026, 11, 22)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
FEW = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
MAX_PROBLEM_CHARS = 1000  # a problem is a line someone reads, not the input echoed back


def profile_outcome(path: Path) -> Profile | None:
    """Read, parse and assess a profile file: None when it is refused with InputError."""
    try:
        profile = parse_profile(read_profile_file(path), BOOK.schema, BOOK.cities, str(path))
    except InputError as error:
        assert error.problems
        for problem in error.problems:
            assert str(path) in problem.where
            assert problem.message and len(str(problem)) < MAX_PROBLEM_CHARS + len(str(path))
        return None
    assess(profile, BOOK, AS_OF)
    return profile


# --- profiles -------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=300), st.sampled_from([".toml", ".json"]))
def test_any_bytes_as_a_profile(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"profile{suffix}"
        path.write_bytes(data)
        profile_outcome(path)


@FUZZ
@given(toml_texts())
def test_toml_fragments_as_a_profile(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "profile.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        profile_outcome(path)


@FUZZ
@given(raw_profiles(), st.sampled_from(["toml", "json"]))
def test_structured_but_wrong_profiles(raw: dict[str, Any], kind: str) -> None:
    text = toml_document(raw) if kind == "toml" else json_document(raw)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"profile.{kind}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        profile_outcome(path)


@FUZZ
@given(raw_profiles())
def test_parse_profile_of_any_mapping(raw: dict[str, Any]) -> None:
    try:
        profile = parse_profile(raw, BOOK.schema, BOOK.cities, "mem")
    except InputError as error:
        assert all(p.where.startswith("mem") for p in error.problems)
        return
    assess(profile, BOOK, AS_OF)


@FUZZ
@given(cell_profiles())
def test_csv_style_cells(raw: dict[str, str]) -> None:
    """Every value a string, as a CSV row gives it; a blank is an unknown fact."""
    try:
        profile = parse_profile(raw, BOOK.schema, BOOK.cities, "row 1")
    except InputError as error:
        assert all(p.where.startswith("row 1: ") for p in error.problems)
        assert all(len(p.message) < MAX_PROBLEM_CHARS for p in error.problems)
        return
    assert all(raw[key].strip() for key in profile.facts if key in raw and key != "district")
    assess(profile, BOOK, AS_OF)


# --- rule folders ---------------------------------------------------------------------------

CITY = {
    "city": {"id": "fuzzville", "zh": "模糊市", "en": "Fuzzville", "aliases": ["模糊"]},
    "documents": [{"id": "DOC-1", "title": "A document", "signed_on": date(2018, 8, 6)}],
    "divisions": {"district": ["东区", "西区"], "county": [{"name": "北县", "aliases": ["北"]}]},
    "constants": {"SHORT": ["nursing", "rehabilitation"]},
}
COMMON = {"provision": "FZ-1", "document": "DOC-1", "article": "一", "quote": "引文",
          "title": {"zh": "奖", "en": "Award"}, "effective_from": date(2018, 8, 6)}
BASE_RULES: list[dict[str, Any]] = [
    {"id": "fuzz.cash", **COMMON, "kind": "cash",
     "when": "sponsor == 'social' and fixed_asset_investment >= 5000万",
     "amount": [{"when": "kind in SHORT", "value": "fixed_asset_investment * 1.2%"},
                {"value": "fixed_asset_investment * 1%"}],
     "payers": [{"payer": "city", "share": 4}, {"payer": "district", "share": 6}],
     "schedule": [{"share": "50%", "from": "opened_on", "timing": "on_or_after"},
                  {"share": "50%", "from": "opened_on", "years": 2, "timing": "no_later_than"}],
     "notes": [{"text": {"zh": "注", "en": "A note"}, "when": "newly_built"}, "plain note"]},
    {"id": "fuzz.exemption", **COMMON, "kind": "tax_exemption", "when": "for_profit",
     "period": {"from": "licence_registered_on", "years": 3},
     "savings": [{"label": "land", "per_year": "land_area * lending_rate"}]},
    {"id": "fuzz.deduction", **COMMON, "kind": "deduction", "when": "for_profit",
     "components": [{"label": "annuity", "amount": "payroll_total * 5%", "when": "newly_built"}]},
    {"id": "fuzz.date", **COMMON, "kind": "eligibility_date", "date": {"from": "opened_on",
                                                                       "years": 1}},
    {"id": "fuzz.cap", **COMMON, "kind": "cap",
     "amount": "min(annual_surplus, sponsor_contribution * 1.2 * lending_rate)"},
]
PARAMS = {"lending_rate": {"zh": "利率", "en": "rate", "unit": "rate", "check_age": True,
                           "range": ["0%", "100%"], "range_source": "s",
                           "values": [{"from": date(2019, 8, 20), "value": "4.25%",
                                       "source": "s"}]}}
EXPRESSION_KEYS = {"when", "value", "per_year", "amount"}

# Profiles that reach far: every kind of fact, and amounts as large as a profile allows.
BIG = Decimal("999999999999999999999999E8")
FACTS: list[dict[str, Any]] = [
    {},
    {"sponsor": "social", "for_profit": True, "newly_built": True, "kind": "nursing",
     "grade": "3A", "district": "东区", "division_type": "district",
     "fixed_asset_investment": BIG, "payroll_total": BIG, "land_area": BIG,
     "annual_surplus": BIG, "sponsor_contribution": BIG, "opened_on": date(2024, 2, 29),
     "licence_registered_on": date(2024, 2, 29), "grade_attained_on": date(2020, 1, 1)},
    {"sponsor": "public", "for_profit": False, "fixed_asset_investment": Decimal("0.01"),
     "opened_on": EARLIEST_DATE, "licence_registered_on": LATEST_DATE},
]


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """`base` with some values replaced (by anything, or by a random expression), some
    keys dropped, maybe a key added; nested tables are mutated the same way."""
    table = dict(base)
    for key in draw(st.lists(st.sampled_from(sorted(base)), max_size=3, unique=True)):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            del table[key]
        elif choice == 1 or key not in EXPRESSION_KEYS:
            table[key] = draw(values)
        else:
            table[key] = draw(expressions | number_expressions)
        if choice == 3 and isinstance(base[key], dict):
            table[key] = draw(mutated(base[key]))
        elif choice == 3 and isinstance(base[key], list) and base[key] and isinstance(
                base[key][0], dict):
            table[key] = [draw(mutated(base[key][0])), *base[key][1:]]
    if draw(st.booleans()):
        table[draw(st.text(max_size=8))] = draw(values)
    return table


def rule_file(rules: list[dict[str, Any]]) -> str:
    return "".join("[[rule]]\n" + toml_document(rule) + "\n" for rule in rules)


def write_folder(root: Path, city: str, rules: str, params: str) -> None:
    (root / "fuzzville").mkdir(parents=True)
    (root / "params").mkdir()
    (root / "fuzzville" / "city.toml").write_text(city, encoding="utf-8",
                                                   errors="surrogatepass")
    (root / "fuzzville" / "rules.toml").write_text(rules, encoding="utf-8",
                                                    errors="surrogatepass")
    (root / "params" / "rate.toml").write_text(params, encoding="utf-8", errors="surrogatepass")


@st.composite
def rule_folders(draw: st.DrawFn) -> tuple[str, str, str]:
    """city.toml, a rule file and a parameter file: at most one of them broken."""
    city, params = toml_document(CITY), toml_document(PARAMS)
    rules = rule_file(BASE_RULES)
    broken = draw(st.sampled_from(["rules", "rules", "rules", "city", "params", "text"]))
    if broken == "rules":
        rules = rule_file([draw(mutated(rule)) for rule in BASE_RULES])
    elif broken == "city":
        city = toml_document(draw(mutated(CITY)))
    elif broken == "params":
        params = toml_document({"lending_rate": draw(mutated(PARAMS["lending_rate"]))})
    else:
        rules = draw(toml_texts())
    return city, rules, params


def assess_everything(book: RuleBook) -> None:
    """Assess the far-reaching profiles in every city, with what is within reach."""
    for city in book.cities:
        for facts in FACTS:
            profile = Profile(city, {"city": city, **facts})
            try:
                assessment = assess(profile, book, AS_OF)
                within_reach(assessment, book)
            except InputError as error:
                assert error.problems and all(len(str(p)) < MAX_PROBLEM_CHARS
                                              for p in error.problems)
                continue
            assessment_to_dict(assessment)


# pydantic's own words, and the schema check's fallback for an error it has no words for
PYDANTIC_WORDING = re.compile("Input should|Extra inputs|Value error|value_error|Field required|"
                              "validation error|is not written as docs/rule-format.md shows")


def load_outcome(root: Path) -> RuleBook | None:
    try:
        book = load_rulebook([root])
    except RuleFileError as error:
        assert error.problems
        for problem in error.problems:
            assert Path(problem.file).is_relative_to(root), problem
            assert problem.line >= 1 and problem.message, problem
            assert len(problem.message) < MAX_PROBLEM_CHARS, problem
            assert not PYDANTIC_WORDING.search(problem.message), problem
        return None
    assess_everything(book)
    return book


def test_the_unbroken_folder_loads_and_assesses(tmp_path: Path) -> None:
    write_folder(tmp_path, toml_document(CITY), rule_file(BASE_RULES), toml_document(PARAMS))
    book = load_outcome(tmp_path)
    assert book is not None
    assert {r.id for r in book.all_rules()} == {r["id"] for r in BASE_RULES}


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(rule_folders())
def test_any_rule_folder_loads_or_is_refused(folder: tuple[str, str, str]) -> None:
    with tempfile.TemporaryDirectory() as name:
        write_folder(Path(name), *folder)
        load_outcome(Path(name))


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_as_a_rule_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        write_folder(root, toml_document(CITY), "", toml_document(PARAMS))
        (root / "fuzzville" / "rules.toml").write_bytes(data)
        load_outcome(root)


@FUZZ
@given(st.lists(number_expressions, min_size=1, max_size=3))
def test_accepted_amounts_of_any_size_assess_or_are_refused(amounts: list[str]) -> None:
    """Amount expressions multiplying the largest literals and facts: the engine either
    gives an amount to the fen or refuses it as unusable input, never a Decimal trap."""
    rules = [{**BASE_RULES[0], "amount": [{"value": amount} for amount in amounts]}]
    with tempfile.TemporaryDirectory() as name:
        write_folder(Path(name), toml_document(CITY), rule_file(rules), toml_document(PARAMS))
        load_outcome(Path(name))


# --- registry rows (incentives batch) --------------------------------------------------------


def registry_rows(path: Path) -> int:
    """Read a registry as `incentives batch` does, parse and assess each usable row; the
    number of rows. Only RegistryError (the whole file) and InputError (a row) may arise."""
    from incentives.batch.io import Registry
    from incentives.errors import RegistryError

    count = 0
    try:
        with Registry(path, BOOK.schema) as registry:
            for row in registry:
                count += 1
                if not row.readable or row.problems:
                    assert all(isinstance(message, str) for _, message in row.problems)
                    continue
                try:
                    profile = parse_profile(row.raw, BOOK.schema, BOOK.cities, f"row {count}")
                except InputError:
                    continue
                assess(profile, BOOK, AS_OF)
    except RegistryError as error:
        assert error.problems
    return count


@FUZZ
@given(st.lists(cell_profiles(), min_size=1, max_size=4), st.sampled_from(["csv", "jsonl"]))
def test_registry_rows_of_any_text(rows: list[dict[str, str]], kind: str) -> None:
    import csv
    import io

    keys = sorted({key for row in rows for key in row})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"registry.{kind}"
        if kind == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(keys)
            writer.writerows([row.get(key, "") for key in keys] for row in rows)
            path.write_text(out.getvalue(), encoding="utf-8", errors="surrogatepass")
        else:
            path.write_text("\n".join(json_document(row) for row in rows) + "\n",
                            encoding="utf-8", errors="surrogatepass")
        registry_rows(path)


@FUZZ
@given(st.binary(max_size=200), st.sampled_from(["csv", "jsonl"]))
def test_registry_of_any_bytes(data: bytes, kind: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"registry.{kind}"
        path.write_bytes(b"city,name\n" + data if kind == "csv" else data)
        registry_rows(path)


def test_a_registry_row_with_a_number_too_long_for_python(tmp_path: Path) -> None:
    path = tmp_path / "registry.jsonl"
    path.write_text('{"city": "郑州", "fixed_asset_investment": ' + "9" * 5000 + "}\n",
                    encoding="utf-8")
    assert registry_rows(path) == 1


# --- through the command line ---------------------------------------------------------------


def assert_exit_0_or_2(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 2), (args, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"an exception escaped: {result.exception!r}")
    assert "Traceback" not in result.output


@FEW
@given(raw_profiles() | cell_profiles(), st.sampled_from(["toml", "json"]))
def test_check_exits_0_or_2_for_any_profile(raw: dict[str, Any], kind: str) -> None:
    text = toml_document(raw) if kind == "toml" else json_document(raw)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"profile.{kind}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        assert_exit_0_or_2(["check", str(path), "--as-of", "2026-11-22", "--format", "json"])


@FEW
@given(rule_folders())
def test_check_and_rules_check_exit_0_or_2_for_any_rule_folder(
        folder: tuple[str, str, str]) -> None:
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        write_folder(root, *folder)
        profile = root / "profile.toml"
        profile.write_text(toml_document({"city": "模糊", "district": "东区",
                                          "sponsor": "social", "newly_built": True,
                                          "fixed_asset_investment": "6000万"}), "utf-8")
        assert_exit_0_or_2(["rules", "check", "--no-bundled", str(root)])
        assert_exit_0_or_2(["check", "--no-bundled", "--rules", str(root), str(profile),
                            "--as-of", "2026-11-22"])


@FEW
@given(st.lists(st.text(max_size=30) | st.sampled_from(["lending_rate=" + "9" * 24 + "亿",
                                                        "land_use_tax_rate=1e9"]),
                max_size=2), values)
def test_check_exits_0_or_2_for_any_param(params: list[str], value: Any) -> None:
    args = ["check", str(Path(__file__).parent.parent / "examples" / "3a-general-hospital.toml"),
            "--as-of", "2026-11-22"]
    for param in params:
        args += ["--param", param]
    args += ["--param", f"lending_rate={toml_value(value)}"]
    assert_exit_0_or_2(args)


# --- the inputs fuzzing found, kept ----------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "fuzz"


@pytest.mark.parametrize("path", sorted((FIXTURES / "profiles").iterdir()),
                         ids=lambda p: p.name)
def test_fuzz_found_profiles_are_refused_cleanly(path: Path) -> None:
    assert profile_outcome(path) is None, f"{path.name} was accepted"
    assert_exit_0_or_2(["check", str(path), "--as-of", "2026-11-22"])


@pytest.mark.parametrize("folder", sorted((FIXTURES / "rules").iterdir()),
                         ids=lambda p: p.name)
def test_fuzz_found_rule_folders_are_refused_cleanly(folder: Path) -> None:
    assert load_outcome(folder) is None, f"{folder.name} was accepted"
    assert_exit_0_or_2(["rules", "check", "--no-bundled", str(folder)])


@pytest.mark.parametrize("folder", sorted(p for p in (FIXTURES / "assess").iterdir()
                                          if p.is_dir()), ids=lambda p: p.name)
def test_fuzz_found_amounts_that_cannot_be_worked_out_are_refused(folder: Path) -> None:
    """Rules that load, but whose amount for the profile beside them has too many digits
    to round to the fen, or is negative and can't be split: unusable input, naming the rule."""
    book = load_rulebook([folder])
    profile_path = folder.with_suffix(".profile.toml")
    profile = parse_profile(read_profile_file(profile_path), book.schema, book.cities)
    with pytest.raises(InputError) as caught:
        assess(profile, book, AS_OF)
    [problem] = caught.value.problems
    assert problem.where == f"{folder / 'rules.toml'}:2"  # the rule's [[rule]] line
    assert "rule 'fuzz.cash'" in problem.message
    result = CliRunner().invoke(cli, ["check", "--no-bundled", "--rules", str(folder),
                                      str(profile_path), "--as-of", "2026-11-22"])
    assert result.exit_code == 2, result.output
    assert f"{folder / 'rules.toml'}:2: rule 'fuzz.cash'" in result.output
