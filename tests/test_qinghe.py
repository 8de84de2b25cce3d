"""Qinghe (tests/cities/qinghe), a 2015 notice written as data alone with every piece of the
rule format: named conditions, two documents and a quote from a press report, a repeal
and a validity window, the as-of date in a condition, a stepped award with a ceiling, an
award of an amount the text leaves open, a March application window and known(). Each
figure is worked out by hand from the notice's sentence; check, explain, compare, batch
(both engines) and rules check all read it with no change to incentives/."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from incentives import assess, load_rulebook, parse_profile
from incentives.cli import cli
from incentives.model.result import ELIGIBLE, NOT_ELIGIBLE, Result

FOLDER = Path(__file__).parent / "cities" / "qinghe"
BOOK = load_rulebook([FOLDER], bundled=True)
AS_OF = date(2018, 5, 15)
HOSPITAL: dict[str, Any] = {
    "name": "清河仁和医院", "city": "清河", "district": "河东区", "sponsor": "社会办",
    "for_profit": "营利性", "kind": "综合医院", "grade": "三甲", "grade_attained_on": "2017-05-10",
    "newly_built": True, "opened_on": "2016-03-10", "total_beds": 350, "beds_added": 120,
    "beds_added_on": "2016-03-10", "premises_leased": True, "lease_years": 6,
    "international_accreditation_on": "2018-01-20", "talent_team": True}


def results(as_of: date = AS_OF, **changes: Any) -> dict[str, Result]:
    raw = {k: v for k, v in {**HOSPITAL, **changes}.items() if v is not None}
    profile = parse_profile(raw, BOOK.schema, BOOK.cities)
    return {r.rule.id: r for r in assess(profile, BOOK, as_of).results}


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.mark.parametrize(("changes", "amount"), [
    ({}, D("6000000")),  # general, leased 6 years: 120 × 10万 × 50% = 600万
    ({"premises_leased": False}, D("12000000")),  # own premises: 120 × 10万 = 1,200万
    ({"kind": "专科医院"}, D("3000000")),  # specialty, leased: 120 × 5万 × 50% = 300万
    ({"kind": "专科医院", "premises_leased": False}, D("6000000")),  # 120 × 5万 = 600万
])
def test_beds_added_are_subsidised_by_kind_and_premises(changes: dict[str, Any],
                                                        amount: D) -> None:
    subsidy = results(**changes)["qinghe.bed-subsidy"]
    assert (subsidy.status, subsidy.amount) == (ELIGIBLE, amount)


def test_a_lease_under_five_years_gets_no_bed_subsidy_and_a_note_says_why() -> None:
    subsidy = results(lease_years=4)["qinghe.bed-subsidy"]
    assert subsidy.status == NOT_ELIGIBLE
    assert any("不足5年" in note.zh for note in subsidy.notes)


def test_beds_count_only_if_added_while_the_notice_is_in_force_and_by_the_as_of_date() -> None:
    """The shared condition reads effective_from and as_of: beds added before 2015-03-01,
    or after the day assessed, do not count; beds with no date are not refused for it."""
    assert results(beds_added_on="2015-02-28")["qinghe.bed-subsidy"].status == NOT_ELIGIBLE
    assert results(date(2016, 3, 9))["qinghe.bed-subsidy"].status == NOT_ELIGIBLE
    assert results(date(2016, 3, 10))["qinghe.bed-subsidy"].status == ELIGIBLE
    undated = results(beds_added_on=None)["qinghe.bed-subsidy"]
    assert undated.status == NOT_ELIGIBLE  # known() is false, never unknown


@pytest.mark.parametrize(("beds", "amount"), [
    (99, None), (100, D("200000")), (200, D("200000")), (299, D("200000")),
    (300, D("300000")),  # (300 − 200) // 100 = 1 step: 20万 + 10万
    (350, D("300000")), (500, D("500000")), (700, D("500000")),  # 5 steps → 70万, at most 50万
])
def test_the_opening_award_steps_by_each_full_100_beds_to_its_ceiling(beds: int,
                                                                     amount: D | None) -> None:
    award = results(total_beds=beds)["qinghe.opening-award"]
    assert award.amount == amount
    assert award.status == (NOT_ELIGIBLE if amount is None else ELIGIBLE)


def test_the_grade_award_is_split_5_5_as_the_second_document_says() -> None:
    award = results()["qinghe.grade-award"]
    assert award.amount == D("3000000")  # 三级甲等: 300万
    assert [(p.label, p.amount) for p in award.payers] == [
        ("清河市财政", D("1500000")), ("河东区财政", D("1500000"))]
    assert results(grade="三乙")["qinghe.grade-award"].amount == D("1000000")  # 100万


def test_no_accreditation_date_means_no_accreditation_award() -> None:
    assert results()["qinghe.accreditation-award"].amount == D("5000000")
    left_out = results(international_accreditation_on=None)["qinghe.accreditation-award"]
    assert left_out.status == NOT_ELIGIBLE and not left_out.missing


@pytest.fixture
def check_json(tmp_path: Path) -> Any:
    """`incentives check --format json` of the hospital with some facts changed."""
    def checked(as_of: date, **changes: Any) -> dict[str, Any]:
        code, out = run("check", "--rules", FOLDER, profile_file(tmp_path, **changes),
                        "--as-of", as_of, "--format", "json")
        assert code == 0, out
        payload: dict[str, Any] = json.loads(out)
        return payload
    return checked


def profile_file(folder: Path, **changes: Any) -> Path:
    raw = {k: v for k, v in {**HOSPITAL, **changes}.items() if v is not None}
    path = folder / "hospital.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path


def by_rule(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in payload["results"]}


def test_the_unstated_award_is_eligible_counted_and_in_no_total(check_json: Any) -> None:
    payload = check_json(AS_OF)
    talent = by_rule(payload)["qinghe.talent-award"]
    assert (talent["status"], talent["amount"], talent["amount_unstated"]) == (
        "eligible", None, True)
    assert talent["payers"] == [{"payer": "city", "amount": None, "label": "清河市财政",
                                 "share": "1"}]
    # 600万 + 30万 + 300万 + 500万: the open award adds nothing
    assert payload["totals"]["cash"] == "14300000.00"
    assert payload["totals"]["unstated"]["count"] == 1


def test_applications_each_march_open_in_the_first_march_after_the_beds(check_json: Any) -> None:
    subsidy = by_rule(check_json(AS_OF))["qinghe.bed-subsidy"]
    assert [(d["due"], d["until"]) for d in subsidy["schedule"]] == [("2016-03-01", "2016-03-31")]
    later = by_rule(check_json(AS_OF, beds_added_on="2016-04-02"))["qinghe.bed-subsidy"]
    assert [(d["due"], d["until"]) for d in later["schedule"]] == [("2017-03-01", "2017-03-31")]


def test_documents_sources_and_quotes_are_cited(check_json: Any) -> None:
    rules = by_rule(check_json(AS_OF))
    opening = rules["qinghe.opening-award"]["quotes"][0]
    assert opening["official"] is False
    assert opening["source"]["report"] == "清河日报"
    assert opening["source"]["published_on"] == "2015-03-05"
    grade = rules["qinghe.grade-award"]
    assert [d["id"] for d in grade["documents"]] == ["清政〔2015〕8号", "清卫〔2015〕20号"]
    assert [q["document"] for q in grade["quotes"]] == ["清政〔2015〕8号", "清卫〔2015〕20号"]


def test_the_repeal_ends_every_rule_and_the_lapse_ends_the_grade_award(check_json: Any) -> None:
    """清政〔2015〕8号 was repealed on 2019-05-01 (in force to 2019-04-30); 清卫〔2015〕20号
    was valid three years from 2015-06-01 (to 2018-05-31), and the grade award cites both."""
    last_day = by_rule(check_json(date(2019, 4, 30)))
    assert last_day["qinghe.bed-subsidy"]["status"] == "eligible"
    assert last_day["qinghe.grade-award"]["ended"]["how"] == "lapsed"
    repealed = by_rule(check_json(date(2019, 5, 1)))
    for rule_id in ("qinghe.bed-subsidy", "qinghe.opening-award", "qinghe.talent-award"):
        ended = repealed[rule_id]["ended"]
        assert repealed[rule_id]["status"] == "not_eligible"
        assert (ended["how"], ended["repealed_by"]) == ("repealed", "清政〔2019〕4号")
    assert by_rule(check_json(date(2018, 5, 31)))["qinghe.grade-award"]["status"] == "eligible"
    assert by_rule(check_json(date(2018, 6, 1)))["qinghe.grade-award"]["status"] == "not_eligible"


def test_explain_shows_the_named_condition_over_its_own_checks(tmp_path: Path) -> None:
    code, out = run("explain", "--rules", FOLDER, profile_file(tmp_path), "QH-1", "--as-of",
                    AS_OF, "--format", "json")
    assert code == 0, out
    text = json.dumps(json.loads(out), ensure_ascii=False)
    assert "beds_added_in_force" in text and "社会办医院，在意见施行后新增床位" in text
    assert "social_hospital" in text and "known(beds_added_on)" in text


def test_compare_lines_the_grade_award_up_with_zhengzhou(tmp_path: Path) -> None:
    code, out = run("compare", "--rules", FOLDER, profile_file(tmp_path), "--as-of", AS_OF,
                    "--format", "json")
    assert code == 0, out
    payload = json.loads(out)
    text = json.dumps(payload, ensure_ascii=False)
    assert "qinghe.grade-award" in text and "zhengzhou.grade-award" in text


def test_rules_check_reads_the_folder() -> None:
    code, out = run("rules", "check", FOLDER)
    assert (code, out.strip()) == (0, "ok: 5 rules in 1 jurisdiction "
                                      f"({FOLDER}), 3 parameters")


def test_both_batch_engines_agree_on_a_registry_of_qinghe(tmp_path: Path) -> None:
    variants = [{}, {"premises_leased": False}, {"kind": "专科医院"}, {"lease_years": 4},
                {"total_beds": 700}, {"grade": "三乙"}, {"beds_added_on": ""},
                {"international_accreditation_on": ""}, {"talent_team": False},
                {"beds_added_on": "2016-04-02"}, {"sponsor": "公立"}, {"kind": "诊所"}]
    fields = list(HOSPITAL)
    source = tmp_path / "registry.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerows({**HOSPITAL, **v} for v in variants)
    outputs = []
    for engine in ("--columnar", "--no-columnar"):
        target = tmp_path / f"out{engine}.csv"
        code, out = run("batch", source, "-o", target, "--rules", FOLDER, "--as-of", AS_OF,
                        engine)
        assert code == 0, out
        assert f"read {len(variants)} = assessed {len(variants)} + rejected 0" in out
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    rows = list(csv.DictReader(outputs[0].decode("utf-8").splitlines()))
    talent = [r for r in rows if r["rule"] == "qinghe.talent-award" and r["status"] == "eligible"]
    assert talent and all(r["amount"] == "" and r["amount_unstated"] for r in talent)


def changed_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the Qinghe folder with `old` written `new` in one of its files."""
    folder = tmp_path / "qinghe"
    folder.mkdir()
    for each in ("facts.toml", "rules.toml", "city.toml"):
        text = (FOLDER / each).read_text(encoding="utf-8")
        if each == name:
            assert old in text
            text = text.replace(old, new)
        (folder / each).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("when", "problem"), [
    ("beds_added_in_force", "condition 'social_hospital' uses itself (social_hospital → "
     "beds_added_in_force → social_hospital)"),
    ("sponsr == 'social'", "condition 'social_hospital': when: unknown name 'sponsr'; did you "
     "mean 'sponsor'?"),
])
def test_a_broken_named_condition_is_told_once_not_in_every_rule_that_uses_it(
        tmp_path: Path, when: str, problem: str) -> None:
    shared = "when = \"sponsor == 'social' and kind not in ['clinic', 'outpatient']\""
    folder = changed_copy(tmp_path, "city.toml", shared, f'when = "{when}"')
    code, out = run("rules", "check", folder)
    assert code == 2
    problems = [line for line in out.splitlines() if line.startswith(f"  {folder}")]
    assert len(problems) == 1 and problem in problems[0]


def test_a_cash_rule_with_an_empty_list_of_amounts_is_refused(tmp_path: Path) -> None:
    folder = changed_copy(tmp_path, "rules.toml", 'amount = "500万"', "amount = []")
    code, out = run("rules", "check", folder)
    assert code == 2
    assert "rule 'qinghe.accreditation-award': amount: an empty list" in out
