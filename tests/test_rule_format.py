"""The rule-format pieces of issue 13, on the made-up city in tests/fixtures/rules/format13:
named conditions, document status, several documents and quotes, open amounts, instalments
anchored on the calendar, and facts scoped to the folder that declares them."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from incentives import assess, load_rulebook, parse_profile
from incentives.cli import cli
from incentives.errors import RuleFileError
from incentives.model.result import Result

from .test_batch_columnar import same_on_both, write_dicts

FOLDER = Path(__file__).parent / "fixtures" / "rules" / "format13"
BOOK = load_rulebook([FOLDER], bundled=True)
BASE = {"city": "河屯", "district": "北区", "sponsor": "social", "for_profit": True,
        "opened_on": "2021-01-01"}


def results(as_of: date, **changes: object) -> dict[str, Result]:
    profile = parse_profile({**BASE, **changes}, BOOK.schema, BOOK.cities)
    return {r.rule.id: r for r in assess(profile, BOOK, as_of).results}


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def check_json(tmp_path: Path, as_of: str, **changes: object) -> dict[str, Any]:
    lines = [f"{key} = {json.dumps(value) if not isinstance(value, bool) else str(value).lower()}"
             for key, value in {**BASE, **changes}.items()]
    profile = tmp_path / "profile.toml"
    profile.write_text("\n".join(lines) + "\n", "utf-8")
    code, output = run("check", profile, "--rules", FOLDER, "--as-of", as_of, "--format", "json")
    assert code == 0, output
    return {r["rule"]: r for r in json.loads(output)["results"]}


def folder_with(tmp_path: Path, city_extra: str = "", rules_extra: str = "") -> Path:
    """A copy of the fixture folder with text added to its city.toml and rules.toml."""
    copy = tmp_path / "riverton"
    shutil.copytree(FOLDER, copy)
    for name, extra in (("city.toml", city_extra), ("rules.toml", rules_extra)):
        with (copy / name).open("a", encoding="utf-8") as handle:
            handle.write(extra)
    return copy


def load_problems(folder: Path) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        load_rulebook([folder], bundled=True)
    return [f"{Path(p.file).name}:{p.line}: {p.message}" for p in caught.value.problems]


# --- 1. named conditions ---------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "status"), [
    ({"rv_beds": 120}, "eligible"),
    ({"rv_beds": 80}, "not_eligible"),
    ({}, "needs_info"),
    ({"rv_beds": 120, "opened_on": "2019-06-01"}, "not_eligible"),  # opened before the notice
])
def test_a_rule_uses_named_conditions_by_name(changes: dict[str, Any], status: str) -> None:
    result = results(date(2022, 1, 1), **changes)["riverton.large-opening"]
    assert result.status == status
    if status == "needs_info":
        assert result.missing == ["rv_beds"]


def test_the_trace_shows_the_name_and_label_over_its_own_checks(tmp_path: Path) -> None:
    found = check_json(tmp_path, "2022-01-01", rv_beds=80)["riverton.large-opening"]
    trace = found["trace"]
    named = trace["children"][0]
    assert (named["op"], named["expr"]) == ("named", "social_large")
    assert named["label"]["zh"] == "社会办新开业且床位不少于100张"
    inner = named["children"][0]
    assert inner["children"][0]["expr"] == "social_new"  # one named condition inside another
    assert inner["children"][0]["children"][0]["children"][0]["expr"] == "sponsor == 'social'"
    assert [c["expr"] for c in found["conditions"] if c["decisive"]] == ["rv_beds >= 100"]
    profile = tmp_path / "profile.toml"
    code, output = run("explain", profile, "riverton.large-opening", "--rules", FOLDER,
                       "--as-of", "2022-01-01")
    assert code == 0, output
    assert "social_large (socially sponsored, newly opened, with at least 100 beds)" in output
    assert "rv_beds >= 100" in output


def test_both_engines_agree_on_named_conditions(tmp_path: Path) -> None:
    rows = [{**BASE, "rv_beds": beds, "opened_on": opened}
            for beds in ("", "80", "120") for opened in ("", "2019-06-01", "2021-01-01")]
    source = write_dicts(tmp_path / "rows.csv", rows)
    for shape in (False, True):
        summary = same_on_both(source, tmp_path / str(shape), BOOK, per_institution=shape)
        assert summary.columnar == len(rows)


@pytest.mark.parametrize(("extra", "expected"), [
    ('[conditions.loop_a]\nwhen = "loop_b"\nzh = "甲"\nen = "a"\n'
     '[conditions.loop_b]\nwhen = "loop_a and for_profit"\nzh = "乙"\nen = "b"\n',
     "condition 'loop_a' uses itself (loop_a → loop_b → loop_a)"),
    ('[conditions.typo]\nwhen = "social_nwe"\nzh = "甲"\nen = "a"\n',
     "condition 'typo': when: unknown name 'social_nwe'; did you mean 'social_new'?"),
    ('[conditions.rv_beds]\nwhen = "for_profit"\nzh = "甲"\nen = "a"\n',
     "condition 'rv_beds' is the name of a fact"),
    ('[conditions.as_of]\nwhen = "for_profit"\nzh = "甲"\nen = "a"\n',
     "condition 'as_of' is the name of a reserved word"),
    ('[conditions.count]\nwhen = "rv_beds + 1"\nzh = "甲"\nen = "a"\n',
     "condition 'count': when: this expression gives a number, but a bool is needed"),
    ('[conditions.bare]\nwhen = "for_profit"\n',
     "condition 'bare': needs when (an expression in quotes) and its label in zh and en"),
])
def test_a_bad_named_condition_is_refused_at_its_line(tmp_path: Path, extra: str,
                                                      expected: str) -> None:
    folder = folder_with(tmp_path, "\n" + extra)
    lines = (folder / "city.toml").read_text("utf-8").split("\n")
    name = expected.split("'")[1]
    line = lines.index(f"[conditions.{name}]") + 1
    line += ": when:" in expected  # a problem in the expression is at its own line
    problems = load_problems(folder)
    assert any(p.startswith(f"city.toml:{line}") and expected in p for p in problems), problems


def test_an_unknown_condition_in_a_rule_is_refused_at_its_line(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, rules_extra="")
    text = (folder / "rules.toml").read_text("utf-8").replace("social_large", "social_lrge")
    (folder / "rules.toml").write_text(text, "utf-8")
    problems = load_problems(folder)
    assert any(p.startswith("rules.toml:") and "unknown name 'social_lrge'; did you mean "
               "'social_large'?" in p for p in problems), problems
    code, output = run("rules", "check", folder)
    assert code == 2 and "social_lrge" in output


# --- 2. document status ------------------------------------------------------------------

@pytest.mark.parametrize(("as_of", "status"), [
    (date(2020, 2, 29), "eligible"),     # 2015-03-01 and five years: the last day
    (date(2020, 3, 1), "not_eligible"),  # lapsed
])
def test_a_rule_lapses_with_its_document(as_of: date, status: str) -> None:
    result = results(as_of)["riverton.opening-award"]
    assert result.status == status
    assert (result.ended is not None) == (status == "not_eligible")


def test_a_repealed_document_ends_its_rules_and_the_result_says_why(tmp_path: Path) -> None:
    before = results(date(2019, 4, 30))["riverton.land-fee-relief"]
    assert before.status == "eligible" and before.ended is None
    found = check_json(tmp_path, "2019-05-01")
    relief = found["riverton.land-fee-relief"]
    assert relief["status"] == "not_eligible"
    assert relief["ended"] == {
        "document": "河政〔2016〕3号", "how": "repealed", "last_day": "2019-04-30",
        "repealed_on": "2019-05-01", "repealed_by": "河政〔2019〕9号", "valid_for": None,
        "text": {"zh": "废止：2019-05-01 由 河政〔2019〕9号 废止",
                 "en": "repealed: 2019-05-01 by 河政〔2019〕9号"}}
    assert relief["documents"][0]["in_force_to"] == "2019-04-30"
    # the next version, citing the new document, takes over with no effective_to needed
    assert found["riverton.land-award"]["amount"] == "40000.00"
    lapsed = check_json(tmp_path, "2020-03-01")["riverton.opening-award"]
    assert lapsed["ended"]["text"]["en"] == "lapsed: valid 5 years to 2020-02-29"
    assert lapsed["documents"][0]["valid_for"] == {"years": 5}
    profile = tmp_path / "profile.toml"
    for lang, words in (("zh", "河政〔2016〕3号 废止：2019-05-01 由 河政〔2019〕9号 废止"),
                        ("en", "河政〔2016〕3号 repealed: 2019-05-01 by 河政〔2019〕9号")):
        code, output = run("check", profile, "--rules", FOLDER, "--as-of", "2019-05-01",
                           "--lang", lang)
        assert code == 0 and words in output, output
        code, output = run("check", profile, "--rules", FOLDER, "--as-of", "2019-05-01",
                           "--lang", lang, "--format", "markdown")
        assert code == 0 and words in output, output


def test_both_engines_agree_on_document_status(tmp_path: Path) -> None:
    rows = [BASE, {**BASE, "sponsor": "public"}]
    source = write_dicts(tmp_path / "rows.csv", rows)
    for as_of in (date(2019, 4, 30), date(2019, 5, 1), date(2020, 3, 1)):
        summary = same_on_both(source, tmp_path / str(as_of), BOOK, as_of=as_of)
        assert summary.columnar == len(rows)


@pytest.mark.parametrize(("document", "expected"), [
    ('valid_for = { years = "five" }', "valid_for: years: must be a whole number"),
    ('valid_for = { weeks = 2 }', "valid_for: weeks: unknown key; it has days, months, years"),
    ('repealed_by = "河政〔2019〕9号"', "repealed_by needs repealed_on, the day it was repealed"),
    ('repealed_on = "2019-05-01"', "repealed_on: '2019-05-01' is not a date"),
    ('repealed_on = 2019-01-01', "repealed_on: is not after the day it took effect"),
])
def test_a_bad_document_status_is_refused_at_its_line(tmp_path: Path, document: str,
                                                      expected: str) -> None:
    """One problem each, at the key's line (a key that needs another: at its document's)."""
    extra = ('\n[[documents]]\nid = "河政〔2019〕10号"\ntitle = "…"\nsigned_on = 2019-06-01\n'
             f"{document}\n")
    folder = folder_with(tmp_path, extra)
    lines = (folder / "city.toml").read_text("utf-8").split("\n")
    line = len(lines) - lines[::-1].index(document)  # the added one, the last
    if document.startswith("repealed_by"):
        line = len(lines) - lines[::-1].index("[[documents]]")
    [problem] = load_problems(folder)
    assert problem.startswith(f"city.toml:{line}: ")
    assert "'河政〔2019〕10号'" in problem and expected in problem


# --- 3. several documents, quotes and their sources -------------------------------------------

def test_every_cited_document_and_each_quote_with_its_source_in_json(tmp_path: Path) -> None:
    found = check_json(tmp_path, "2020-02-01")
    two = found["riverton.two-notices"]
    assert two["citation"] == {"document": "河政〔2020〕1号", "article": "五",
                               "quote": "给予1万元奖励"}  # the contract's keys, the first quote
    assert [doc["id"] for doc in two["documents"]] == ["河政〔2020〕1号", "河政〔2015〕1号",
                                                       "河政〔2019〕9号"]
    assert two["quotes"] == [
        {"text": "给予1万元奖励", "document": "河政〔2020〕1号", "article": "五",
         "official": True, "source": None},
        {"text": "奖励由市财政负担", "document": "河政〔2015〕1号", "article": "第三条",
         "official": False, "source": {"report": "河屯日报", "published_on": "2015-03-05",
                                       "url": "https://example.org/rt/2015-03-05"}}]
    reported = found["riverton.reported"]["quotes"][0]
    assert reported["source"] == {"report": "河屯晚报", "published_on": "2020-01-10", "url": None}


def test_a_rule_citing_several_documents_ends_with_the_first_to_lapse() -> None:
    assert results(date(2020, 2, 29))["riverton.two-notices"].status == "eligible"
    after = results(date(2020, 3, 1))["riverton.two-notices"]
    assert after.status == "not_eligible"
    assert after.ended is not None and after.ended.document == "河政〔2015〕1号"


@pytest.mark.parametrize(("lang", "lines"), [
    ("zh", ["河政〔2015〕1号 第三条: “奖励由市财政负担”  (转引自《河屯日报》2015-03-05)",
            "另依据: 河政〔2019〕9号 河屯市社会办医用地办法（修订，测试用）",
            "河政〔2020〕1号 六: “对新开业的社会办医疗机构给予支持”  "
            "(转引自《河屯晚报》2020-01-10)"]),
    ("en", ["河政〔2015〕1号 第三条: “奖励由市财政负担”  (as reported by 河屯日报, 2015-03-05)",
            "Also rests on: 河政〔2019〕9号"]),
])
def test_reports_show_every_document_and_where_each_quote_was_read(
        tmp_path: Path, lang: str, lines: list[str]) -> None:
    check_json(tmp_path, "2020-02-01")  # writes the profile
    profile = tmp_path / "profile.toml"
    code, output = run("check", profile, "--rules", FOLDER, "--as-of", "2020-02-01",
                       "--lang", lang)
    assert code == 0 and all(line in output for line in lines), output
    code, output = run("check", profile, "--rules", FOLDER, "--as-of", "2020-02-01",
                       "--lang", lang, "--format", "markdown")
    assert code == 0 and all(line.replace("  (", " (") in output for line in lines), output


@pytest.mark.parametrize(("rule", "expected"), [
    ('document = ["河政〔2020〕1号", "河政〔2099〕1号"]\nquote = "…"',
     "document: '河政〔2099〕1号' is not declared in city.toml"),
    ('document = ["河政〔2020〕1号", "河政〔2020〕1号"]\nquote = "…"',
     "document: lists a document twice"),
    ('document = "河政〔2020〕1号"\nquote = [{ text = "…", document = "河政〔2015〕1号" }]',
     "quote: document '河政〔2015〕1号' is not one the rule cites"),
    ('document = "河政〔2020〕1号"\nquote = "…"\nsource = { report = "河屯日报" }',
     "source: published_on: missing"),
    ('document = "河政〔2020〕1号"\nquote = [{ text = "…", source = { report = "报", '
     'published_on = 2020-01-01, url = "javascript:x" } }]',
     "quote: source url 'javascript:x' is not an http(s) address"),
])
def test_a_bad_citation_is_refused_at_the_rule(tmp_path: Path, rule: str, expected: str) -> None:
    extra = ('\n[[rule]]\nid = "riverton.bad"\narticle = "七"\ntitle = "坏"\n'
             f'effective_from = 2020-01-01\nkind = "procedure"\n{rule}\n')
    problems = load_problems(folder_with(tmp_path, rules_extra=extra))
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].startswith("rules.toml:") and "rule 'riverton.bad'" in problems[0]


# --- 4. cash of an amount the text leaves open ------------------------------------------------

def test_an_open_amount_is_eligible_with_no_figure_and_in_no_total(tmp_path: Path) -> None:
    whole = json.loads(_check_output(tmp_path, "2022-01-01", "--format", "json"))
    award = next(r for r in whole["results"] if r["rule"] == "riverton.open-award")
    assert (award["status"], award["amount"], award["amount_unstated"]) == ("eligible", None, True)
    assert award["unstated_amount"] == {"zh": "给予一定的奖励",
                                        "en": "an award of an amount the notice leaves open"}
    assert [(p["payer"], p["amount"], p["share"]) for p in award["payers"]] == [
        ("city", None, "0.5"), ("district", None, "0.5")]
    assert [(d["due"], d["amount"], d["share"]) for d in award["schedule"]] == [
        ("2021-01-01", None, "0.5"), ("2022-01-01", None, "0.5")]
    totals = whole["totals"]
    figures = [Decimal(r["amount"]) for r in whole["results"]
               if r["status"] == "eligible" and r["kind"] == "cash" and r["amount"]]
    assert Decimal(totals["cash"]) == sum(figures)  # the open ones are no number
    assert [r["rule"] for r in whole["results"] if r["amount_unstated"]] == [
        "riverton.open-award", "riverton.march-event"]
    assert totals["unstated"] == {"count": 2, "text": {
        "zh": "另有 2 项奖励，金额文件未作规定（未计入合计）",
        "en": "2 awards of an amount the text leaves open (in no total)"}}
    assert [e["amount"] for e in whole["timeline"] if e["rule"] == "riverton.open-award"] == [
        None, None]
    other = next(r for r in whole["results"] if r["rule"] == "riverton.land-award")
    assert other["amount_unstated"] is False and other["unstated_amount"] is None


def _check_output(tmp_path: Path, as_of: str, *args: str) -> str:
    check_json(tmp_path, as_of)  # writes the profile
    code, output = run("check", tmp_path / "profile.toml", "--rules", FOLDER, "--as-of", as_of,
                       *args)
    assert code == 0, output
    return output


@pytest.mark.parametrize(("lang", "lines"), [
    ("zh", ["金额: 给予一定的奖励 (文件未规定具体数额)", "承担: 河屯市财政 (50%); 北区财政 (50%)",
            "于 2022-01-01: 50% — 开业一年后", "另有 2 项奖励，金额文件未作规定（未计入合计）"]),
    ("en", ["Amount: an award of an amount the notice leaves open (amount left open by the text)",
            "on 2021-01-01: 50% — on opening",
            "2 awards of an amount the text leaves open (in no total)"]),
])
def test_reports_tell_an_open_amount_in_words(tmp_path: Path, lang: str, lines: list[str]) -> None:
    for form in ("table", "markdown"):
        output = _check_output(tmp_path, "2022-01-01", "--lang", lang, "--format", form)
        assert all(line in output for line in lines), output


def test_explain_tells_an_open_amount(tmp_path: Path) -> None:
    check_json(tmp_path, "2022-01-01")
    code, output = run("explain", tmp_path / "profile.toml", "riverton.open-award", "--rules",
                       FOLDER, "--as-of", "2022-01-01", "--lang", "en")
    assert code == 0
    flat = " ".join(output.split())  # as wrapped to the terminal's width
    assert "amount left open by the text: an award of an amount the notice leaves open" in flat
    assert "on 2022-01-01: 50% — a year on" in flat


def test_both_engines_agree_on_an_open_amount(tmp_path: Path) -> None:
    rows = [{**BASE, "opened_on": opened} for opened in ("", "2019-06-01", "2021-01-01")]
    source = write_dicts(tmp_path / "rows.csv", rows)
    for shape in (False, True):
        summary = same_on_both(source, tmp_path / str(shape), BOOK, per_institution=shape,
                               as_of=date(2022, 1, 1))
        assert summary.columnar == len(rows)
        assert summary.to_dict()["cash_unstated"] == {"count": 2}  # the third row's two
    lines = (tmp_path / "False" / "reference" / "out.csv").read_text("utf-8").splitlines()
    header = lines[0].split(",")
    assert header[header.index("amount_most") + 1] == "amount_unstated"
    award = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]
             if ",riverton.open-award," in line]
    assert [(a["status"], a["amount"], a["amount_unstated"], a["paid_city"], a["schedule"],
             a["missing"]) for a in award] == [
        ("needs_info", "", "", "", "", "opened_on"),
        ("not_eligible", "", "", "", "", ""),
        ("eligible", "", "yes", "", "2021-01-01 unstated; 2022-01-01 unstated", "")]
    per = (tmp_path / "True" / "reference" / "out.csv").read_text("utf-8").splitlines()
    header = per[0].split(",")
    assert [line.split(",")[header.index("cash_unstated")] for line in per[1:]] == ["0", "0", "2"]


def test_only_a_cash_rule_leaves_its_amount_open(tmp_path: Path) -> None:
    extra = ('\n[[rule]]\nid = "riverton.bad"\ndocument = "河政〔2020〕1号"\narticle = "七"\n'
             'quote = "…"\ntitle = "坏"\neffective_from = 2020-01-01\nkind = "cap"\n'
             'unstated_amount = "一定的"\namount = "1"\n'
             '\n[[rule]]\nid = "riverton.both"\ndocument = "河政〔2020〕1号"\narticle = "七"\n'
             'quote = "…"\ntitle = "坏"\neffective_from = 2020-01-01\nkind = "cash"\n'
             'unstated_amount = "一定的"\namount = "1"\npayers = [{ payer = "city", share = 1 }]\n')
    problems = load_problems(folder_with(tmp_path, rules_extra=extra))
    assert [p.split(": ", 1)[1] for p in problems] == [
        "rule 'riverton.bad': unstated_amount: only a cash rule may leave its amount open",
        "rule 'riverton.both': unstated_amount: a rule gives an amount or leaves it open "
        "(unstated_amount), not both"]


# --- 5. instalments anchored on the calendar ------------------------------------------------

@pytest.mark.parametrize(("opened", "window"), [
    ("2016-03-10", ("2016-03-01", "2016-03-31")),  # March still to end: this March
    ("2016-03-31", ("2016-03-01", "2016-03-31")),  # its last day counts
    ("2016-04-02", ("2017-03-01", "2017-03-31")),  # March is over: next year's
    ("2016-01-01", ("2016-03-01", "2016-03-31")),
])
def test_a_month_entry_is_the_first_such_month_ending_after_the_date(
        tmp_path: Path, opened: str, window: tuple[str, str]) -> None:
    found = check_json(tmp_path, "2026-05-01", opened_on=opened)
    first = found["riverton.march-grant"]["schedule"][0]
    assert (first["due"], first["until"], first["amount"]) == (*window, "15000.00")
    second = found["riverton.march-grant"]["schedule"][1]
    assert second["until"] is None  # an ordinary entry is a day


def test_a_month_entry_counts_from_the_event_else_the_as_of_date(tmp_path: Path) -> None:
    found = check_json(tmp_path, "2022-05-01", opened_on="2021-04-02")
    event = found["riverton.march-event"]["schedule"][0]
    assert (event["due"], event["until"], event["amount"]) == ("2022-03-01", "2022-03-31", None)
    december = found["riverton.march-any"]["schedule"][0]  # no from, no event: the as-of date
    assert (december["due"], december["until"]) == ("2022-12-01", "2022-12-31")
    assert not found["riverton.march-any"]["past"]
    output = _check_output(tmp_path, "2022-05-01", "--lang", "en")
    assert "within 2022-12-01 – 2022-12-31: 10,000.00 元 (1万元) — paid in December" in output


def test_a_window_not_yet_ended_is_not_past() -> None:
    during = results(date(2021, 3, 15), opened_on="2021-03-10")["riverton.march-event"]
    assert during.status == "eligible" and not during.past
    after = results(date(2021, 4, 1), opened_on="2021-03-10")["riverton.march-event"]
    assert after.past


def test_both_engines_agree_on_calendar_windows(tmp_path: Path) -> None:
    rows = [{**BASE, "opened_on": opened}
            for opened in ("", "2020-02-29", "2020-03-31", "2020-04-01", "2021-12-31")]
    source = write_dicts(tmp_path / "rows.csv", rows)
    for shape in (False, True):
        summary = same_on_both(source, tmp_path / str(shape), BOOK, per_institution=shape,
                               as_of=date(2021, 6, 1))
        assert summary.columnar == len(rows)
    text = (tmp_path / "False" / "reference" / "out.csv").read_text("utf-8")
    assert "2021-03-01/2021-03-31 15000.00; 2022-04-01 15000.00" in text
    assert "2021-12-01/2021-12-31 10000.00" in text
    assert "2022-03-01/2022-03-31 unstated" in text  # the open award of one opened 2021-12-31


@pytest.mark.parametrize(("entry", "expected"), [
    ('{ share = "100%", month = 13 }', "month: 13 is above 12, the most allowed"),
    ('{ share = "100%", month = 3, years = 1 }', "years does not go with it"),
    ('{ share = "100%", month = 3, timing = "no_later_than" }', "timing does not go with it"),
    ('{ share = "100%", month = 3, from = "sponsor" }', "from: 'sponsor' is not a date fact"),
])
def test_a_bad_month_entry_is_refused(tmp_path: Path, entry: str, expected: str) -> None:
    extra = ('\n[[rule]]\nid = "riverton.bad"\ndocument = "河政〔2020〕1号"\narticle = "七"\n'
             'quote = "…"\ntitle = "坏"\neffective_from = 2020-01-01\nkind = "cash"\n'
             f'amount = "1"\npayers = [{{ payer = "city", share = 1 }}]\nschedule = [{entry}]\n')
    problems = load_problems(folder_with(tmp_path, rules_extra=extra))
    assert len(problems) == 1 and "rule 'riverton.bad': schedule: " in problems[0]
    assert expected in problems[0]


# --- 6. facts scoped to the folder that declares them ----------------------------------------

def test_a_profile_may_not_give_another_citys_fact(tmp_path: Path) -> None:
    profile = tmp_path / "zz.toml"
    profile.write_text('city = "郑州市"\ndistrict = "金水区"\nsponsor = "social"\n'
                       "rv_beds = 120\n", "utf-8")
    code, output = run("check", profile, "--rules", FOLDER, "--as-of", "2022-01-01")
    assert code == 2
    assert "'rv_beds' is a fact of riverton (declared in its folder's facts.toml), not of " \
           "zhengzhou, the profile's city" in " ".join(output.split())
    assert "Traceback" not in output
    own = results(date(2022, 1, 1), rv_beds=120)["riverton.large-opening"]  # its own city's
    assert own.status == "eligible"
    national = parse_profile({"city": "郑州市", "sponsor": "social", "for_profit": True},
                             BOOK.schema, BOOK.cities)  # the common facts, as ever
    assert national.city == "zhengzhou"


def test_a_batch_row_with_another_citys_fact_is_rejected_on_both_engines(tmp_path: Path) -> None:
    rows = [{**BASE, "rv_beds": "120"},
            {"city": "郑州市", "district": "金水区", "sponsor": "social", "rv_beds": "120"},
            {"city": "郑州市", "district": "金水区", "sponsor": "social", "rv_beds": ""},
            {"city": "包头市", "district": "昆都仑区", "sponsor": "social", "rv_beds": "5"}]
    source = write_dicts(tmp_path / "rows.csv", rows)
    for shape in (False, True):
        summary = same_on_both(source, tmp_path / str(shape), BOOK, per_institution=shape,
                               as_of=date(2022, 1, 1))
        assert summary.columnar >= 2  # the riverton row and the blank cell
    errors = (tmp_path / "False" / "reference" / "out.csv.errors.csv").read_text("utf-8")
    assert [line[:3] for line in csv.reader(errors.splitlines()[1:])] == [["2", "3", "rv_beds"],
                                                               ["4", "5", "rv_beds"]]
    messages = [line[3] for line in csv.reader(errors.splitlines()[1:])]
    assert messages == [f"'rv_beds' is a fact of riverton (declared in its folder's facts.toml), "
                        f"not of {city}, the profile's city; leave it out or blank"
                        for city in ("zhengzhou", "baotou")]
    output = (tmp_path / "False" / "reference" / "out.csv").read_text("utf-8")
    assert sorted({line.split(",")[0] for line in output.splitlines()[1:]}) == ["1", "3"]


def test_named_conditions_that_double_at_every_link_are_refused(tmp_path: Path) -> None:
    chain = '[conditions.c0]\nwhen = "for_profit"\nzh = "甲"\nen = "a"\n' + "".join(
        f'[conditions.c{n}]\nwhen = "c{n - 1} and c{n - 1}"\nzh = "甲"\nen = "a"\n'
        for n in range(1, 40))  # written out, c39 would be 2**39 checks
    problems = load_problems(folder_with(tmp_path, "\n" + chain))
    assert any("written out, this expression has more than 5,000 parts" in p
               for p in problems), problems


def test_a_long_chain_of_named_conditions_is_refused_before_it_nests_too_deep(
        tmp_path: Path) -> None:
    chain = '[conditions.c0]\nwhen = "for_profit"\nzh = "甲"\nen = "a"\n' + "".join(
        f'[conditions.c{n}]\nwhen = "c{n - 1}"\nzh = "甲"\nen = "a"\n' for n in range(1, 190))
    problems = load_problems(folder_with(tmp_path, "\n" + chain))
    assert any("nested more than 120 deep" in p for p in problems), problems


def test_a_layers_facts_are_for_every_city(tmp_path: Path) -> None:
    layer = tmp_path / "everywhere"
    layer.mkdir()
    (layer / "city.toml").write_text('[city]\nid = "everywhere"\ncovers = "all"\n', "utf-8")
    (layer / "facts.toml").write_text('[ew_staff]\ntype = "number"\nzh = "职工人数"\n'
                                      'en = "Staff"\n', "utf-8")
    book = load_rulebook([FOLDER, layer], bundled=True)
    assert book.schema["ew_staff"].scope is None and book.schema["rv_beds"].scope == "riverton"
    for city in ("郑州市", "河屯"):
        assert parse_profile({"city": city, "ew_staff": 12}, book.schema,
                             book.cities).facts["ew_staff"] == 12


def test_explain_json_carries_the_window_the_open_amount_and_the_end(tmp_path: Path) -> None:
    check_json(tmp_path, "2022-05-01", opened_on="2021-04-02")
    profile = tmp_path / "profile.toml"

    def explained(rule: str, as_of: str) -> dict[str, Any]:
        code, output = run("explain", profile, rule, "--rules", FOLDER, "--as-of", as_of,
                           "--format", "json")
        assert code == 0, output
        found: dict[str, Any] = json.loads(output)
        return found

    grant = explained("riverton.march-grant", "2022-05-01")
    assert [(d["due"], d["until"]) for d in grant["schedule"]] == [
        ("2022-03-01", "2022-03-31"), ("2023-04-02", None)]
    assert explained("riverton.march-event", "2022-05-01")["unstated_amount"]["en"] == "an award"
    ended = explained("riverton.land-fee-relief", "2019-05-01")["ended"]
    assert ended["how"] == "repealed" and ended["repealed_by"] == "河政〔2019〕9号"
    two = explained("riverton.two-notices", "2020-02-01")
    assert [q["official"] for q in two["quotes"]] == [True, False]
