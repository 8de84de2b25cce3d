"""The schema of rule folders (incentives/load/schema.py): every file checked against it
before it is read, each problem at its file and line in the project's words."""

from __future__ import annotations

import json
import os
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from incentives.cli import cli
from incentives.errors import RuleFileError, RuleProblem
from incentives.load.rulebook import bundled_rules_dir, load_rulebook
from incentives.load.rulefile import RULE_KEYS
from incentives.load.schema import MODELS

from .conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
# pydantic's wording, its error types, Python's type names and the parts of its locations
PYDANTIC_WORDS = re.compile(r"Input should|valid string|Value error|value_error|Extra inputs|"
                            r"model_type|literal_error|ValidationError|\b(?:dict|str|int|"
                            r"float|bool|NoneType)\b|\[key\]|function-after|~")


def kind_of(path: Path) -> str:
    if path.name in ("city.toml", "facts.toml"):
        return path.stem
    return "params" if path.parent.name == "params" else "rules"


def folder_files(root: Path) -> list[Path]:
    """A tree's rule-folder files: not its cases (tests/*.toml, and the profiles they use)."""
    return [path for path in root.rglob("*.toml") if "tests" not in path.relative_to(root).parts]


FOLDER_FILES = sorted([*folder_files(bundled_rules_dir()),
                       *folder_files(ROOT / "tests" / "cities")])


@pytest.mark.parametrize("path", [*FOLDER_FILES, ROOT / "incentives" / "facts.toml"],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_bundled_file_has_the_shape_of_its_kind(path: Path) -> None:
    MODELS[kind_of(path)].model_validate(tomllib.loads(path.read_text("utf-8")))


def problems_of(*folders: Path) -> list[RuleProblem]:
    with pytest.raises(RuleFileError) as caught:
        load_rulebook(list(folders))
    return caught.value.problems


def told(problems: list[RuleProblem]) -> list[tuple[str, int, str]]:
    return [(Path(p.file).name, p.line, p.message) for p in problems]


def test_rule_tables_out_of_shape_are_told_at_their_lines_and_read_no_further() -> None:
    problems = problems_of(FIXTURES / "schema-broken-rules")
    rules = "a rule has " + ", ".join(sorted(RULE_KEYS))  # every key the format knows
    shapes, missing = "rule 'fixture.wrong-shapes': ", "rule 'fixture.missing-article': "
    assert told(problems) == [
        ("awards.toml", 9, shapes + "title: en: must be text"),
        ("awards.toml", 10, shapes + "effective_from: '2018-08-06' is not a date; write it "
         "bare, e.g. 2018-08-06"),
        ("awards.toml", 11, shapes + "kind: 'money' is not one of cash, tax_exemption, cap, "
         "deduction, eligibility_date, procedure"),
        ("awards.toml", 12, shapes + "payers: entry 1: payer: 'mayor' is not one of city, "
         "district, province, state"),
        ("awards.toml", 12, shapes + "payers: entry 1: share: must be a number or a "
         "percentage such as \"50%\", not true"),
        ("awards.toml", 13, shapes + "schedule: entry 1: timing: 'soon' is not one of on, "
         "on_or_after, no_later_than"),
        ("awards.toml", 13, shapes + "schedule: entry 1: month: 13 is above 12, the most "
         "allowed"),
        ("awards.toml", 24, missing + f"colour: unknown key; {rules}"),
        ("awards.toml", 15, missing + "article: missing"),
        ("awards.toml", 22, missing + "amount: must be an expression in quotes or a list of "
         "cases [{ when = …, value = … }, …], not 1.5"),
    ]  # and nothing from the readers: no "a cash rule needs one", no second kind message


def test_a_city_out_of_shape_is_told_whole_and_its_folder_is_not_read() -> None:
    problems = problems_of(FIXTURES / "schema-broken-city")
    document = "[[documents]] '坏〔2020〕1号': "
    assert told(problems) == [
        ("city.toml", 6, "[city] aliases: entry 2: must be text"),
        ("city.toml", 11, document + "valid_for: weeks: unknown key; it has days, months, "
         "years"),
        ("city.toml", 10, document + "signed_on: '2020-01-01' is not a date; write it bare, "
         "e.g. 2018-08-06"),
        ("city.toml", 20, "[[documents]] '坏〔2020〕2号': repealed_by needs repealed_on, the day "
         "it was repealed"),
        ("city.toml", 15, "division type 'borough' is not one of district, county, "
         "county_city, banner, development_zone"),
        ("city.toml", 18, "constant 'KINDS' must be text, true/false or a list of texts"),
    ]


def test_no_message_is_in_pydantics_words() -> None:
    problems = problems_of(FIXTURES / "schema-broken-rules", FIXTURES / "schema-broken-city")
    for problem in problems:
        shown = problem.message.replace("[[documents]]", "").replace("[city]", "")
        assert not PYDANTIC_WORDS.search(shown), problem


def test_a_problem_in_each_folder_is_reported_at_once(tmp_path: Path) -> None:
    facts = tmp_path / "facts" / "facts.toml"
    facts.parent.mkdir()
    (facts.parent / "city.toml").write_text('[city]\nid = "t"\n', "utf-8")
    facts.write_text('[beds]\ntype = "count"\nzh = "床位"\n\n[staff]\ntype = "number"\n'
                     'unit = 3\n', "utf-8")
    params = tmp_path / "params" / "p.toml"
    params.parent.mkdir()
    params.write_text('[rate]\nunit = "rate"\nrange = ["0%", "1%"]\nrange_source = "s"\n\n'
                      '[[rate.values]]\nfrom = 2020-01-01\nvalue = "1%"\n', "utf-8")
    assert told(problems_of(tmp_path, FIXTURES / "schema-broken-rules"))[:4] == [
        ("facts.toml", 2, "fact 'beds': type: 'count' is not one of bool, city, date, "
         "division, enum, money, number, text"),
        ("facts.toml", 7, "fact 'staff': unit: must be text"),
        ("p.toml", 6, "parameter 'rate': values: entry 1: source: missing"),
        ("awards.toml", 9, "rule 'fixture.wrong-shapes': title: en: must be text"),
    ]


NEW_RULE: dict[str, Any] = {
    "id": "x.new", "document": ["包府办发〔2015〕1号", "包府办发〔2016〕3号"], "article": "三",
    "quote": [{"text": "给予一定的奖励", "document": "包府办发〔2015〕1号", "article": "第三条",
               "source": {"report": "包头日报", "published_on": date(2015, 3, 5),
                          "url": "https://example.org/a"}}],
    "source": {"report": "包头日报", "published_on": date(2015, 3, 5)},
    "title": "t", "effective_from": date(2015, 3, 1), "kind": "cash",
    "unstated_amount": {"zh": "给予一定的奖励", "en": "an award of an amount left open"},
    "payers": [{"payer": "city", "share": 1}],
    "schedule": [{"share": "100%", "month": 3, "from": "opened_on",
                  "label": {"zh": "每年三月申报", "en": "applications each March"}}],
}
NEW_CITY: dict[str, Any] = {
    "city": {"id": "baotou"},
    "documents": [{"id": "包府办发〔2015〕1号", "title": "…", "signed_on": date(2015, 3, 1),
                   "effective_from": date(2015, 3, 1), "valid_for": {"years": 5},
                   "repealed_on": date(2019, 5, 1), "repealed_by": "包府发〔2019〕9号"}],
    "conditions": {"eligible_new_beds": {
        "when": "sponsor == 'social' and beds_added_on >= effective_from",
        "zh": "社会办且在政策施行后新增床位", "en": "socially sponsored, new beds"}},
}


def test_the_new_keys_of_issue_13_are_accepted() -> None:
    MODELS["rules"].model_validate({"rule": [NEW_RULE]})
    MODELS["city"].model_validate(NEW_CITY)


@pytest.mark.parametrize(("kind", "data"), [
    ("rules", {"rule": [{**NEW_RULE, "schedule": [{"share": "100%", "month": 0}]}]}),
    ("rules", {"rule": [{**NEW_RULE, "source": {"report": "包头日报"}}]}),
    ("city", {**NEW_CITY, "conditions": {"c": {"when": "x", "label": "?"}}}),
    ("city", {**NEW_CITY, "documents": [{"id": "d", "repealed_on": "2019-05-01"}]}),
])
def test_the_new_keys_are_checked_too(kind: str, data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        MODELS[kind].model_validate(data)


# --- the exported schemas and the #:schema lines ----------------------------------------------

SCHEMAS = ROOT / "schemas"
EXPORTED = ("rules", "city", "facts", "params", "profile")


def schema_printed(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["schema", *args])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


@pytest.mark.parametrize("name", EXPORTED)
def test_the_committed_schemas_are_what_the_command_prints(name: str) -> None:
    assert json.loads((SCHEMAS / f"{name}.json").read_text("utf-8")) == schema_printed(name)


def schema_files() -> list[tuple[Path, str]]:
    """Every bundled file that names a schema, and the schema it should name."""
    found = [(path, kind_of(path)) for path in sorted(folder_files(bundled_rules_dir()))]
    found.append((ROOT / "incentives" / "facts.toml", "facts"))
    return found + [(path, "profile") for path in sorted((ROOT / "examples").glob("*.toml"))]


@pytest.mark.parametrize(("path", "kind"), schema_files(), ids=lambda p: str(p)[-40:])
def test_every_bundled_file_names_its_schema_on_its_first_line(path: Path, kind: str) -> None:
    first = path.read_text("utf-8").split("\n", 1)[0]
    assert first == f"#:schema {os.path.relpath(SCHEMAS / f'{kind}.json', path.parent)}"


def test_the_profile_schema_gives_each_facts_names_type_values_and_unit() -> None:
    facts = schema_printed("profile")["properties"]
    assert facts["sponsor"]["title"] == "举办主体 / Who runs it"
    social = facts["sponsor"]["anyOf"][0]
    assert social["title"] == "social" and "社会办" in social["enum"]
    assert "社会办" in social["description"]
    assert facts["fixed_asset_investment"]["anyOf"][0] == {"type": "integer", "minimum": 0}
    assert facts["land_area"]["description"] == "数字 / a number; 单位 / unit: m²"
    assert "division_type" not in facts  # worked out, never written
    assert "only in Baotou" in facts["medical_elderly_care"]["description"]


def test_a_citys_profile_schema_has_its_own_facts_and_places_only() -> None:
    baotou, zhengzhou = schema_printed("profile", "--city", "baotou"), \
        schema_printed("profile", "--city", "zhengzhou")
    assert "medical_elderly_care" in baotou["properties"]
    assert "medical_elderly_care" not in zhengzhou["properties"]
    assert "郑州市" not in baotou["properties"]["city"]["enum"]
    assert "金水区" in zhengzhou["properties"]["district"]["enum"]
    result = CliRunner().invoke(cli, ["schema", "profile", "--city", "atlantis"])
    assert result.exit_code == 2 and "not a loaded city" in result.output



def test_a_sub_table_of_a_later_rule_is_told_at_its_own_line(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "city.toml").write_text('[city]\nid = "t"\n\n[[documents]]\nid = "D"\n', "utf-8")
    rule = ('[[rule]]\nid = "{id}"\ndocument = "D"\narticle = "一"\nquote = "…"\ntitle = "t"\n'
            'effective_from = 2018-08-06\nkind = "tax_exemption"\n\n[rule.period]\n'
            'years = {years}\n\n')
    (folder / "r.toml").write_text(rule.format(id="a", years=3) + rule.format(id="b", years=300),
                                   "utf-8")
    assert told(problems_of(folder)) == [
        ("r.toml", 23, "rule 'b': period: years: 300 is above 100, the most allowed")]
