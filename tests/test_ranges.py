"""An amount left open by unknown facts is told as its exact range: golden cases from the
policy text, and properties that hold every range to the amounts its completions give."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from incentives import assess, parse_profile
from incentives.cli import cli
from incentives.model.result import Assessment, Result

from .conftest import BOOK, result_of
from .test_accuracy_order import any_profile, dates

AS_OF = date(2026, 12, 3)
SOME = settings(max_examples=60, deadline=None)
KINDS = sorted(BOOK.schema["kind"].values)
# the facts the investment reward's rate and the sponsor cap read, any of which may be left out
OPEN = ["kind", "leading_level", "featured_services", "annual_surplus", "sponsor_contribution"]


def new_build() -> st.SearchStrategy[dict[str, Any]]:
    """A new social hospital in a Zhengzhou district, of any kind and investment over the
    threshold, for profit or not, with a sponsor's contribution and surplus."""
    money = st.integers(0, 10**11).map(lambda fen: D(fen).scaleb(-2))
    return st.fixed_dictionaries({
        "city": st.just("zhengzhou"), "district": st.sampled_from(["二七区", "金水区"]),
        "sponsor": st.just("social"), "for_profit": st.booleans(), "newly_built": st.just(True),
        "fixed_asset_investment": st.integers(5 * 10**9, 10**12).map(lambda f: D(f).scaleb(-2)),
        "opened_on": st.dates(date(2019, 1, 1), date(2026, 1, 1)),
        "kind": st.sampled_from(KINDS), "leading_level": st.booleans(),
        "featured_services": st.booleans(), "annual_surplus": money,
        "sponsor_contribution": money})


def results(raw: dict[str, Any]) -> dict[str, Result]:
    return {r.rule.id: r for r in run(raw).results}


def run(raw: dict[str, Any]) -> Assessment:
    return assess(parse_profile(raw, BOOK.schema, BOOK.cities), BOOK, AS_OF)


def span(result: Result) -> tuple[D, D] | None:
    """The least and most of an eligible result: its range, or its exact amount twice."""
    if result.status != "eligible":
        return None
    if result.range is not None:
        return result.range.least.amount, result.range.most.amount
    return None if result.amount is None else (result.amount, result.amount)


# --- golden cases ----------------------------------------------------------------------------


def erqi(folder: Path) -> Path:
    """A new general hospital in 二七区, 1.2亿 invested, opened 2025-09-01, its leading level
    not given."""
    path = folder / "p.toml"
    path.write_text('city = "zhengzhou"\ndistrict = "二七区"\nsponsor = "social"\n'
                    'for_profit = true\nkind = "general"\nnewly_built = true\n'
                    'fixed_asset_investment = "1.2亿"\nopened_on = 2025-09-01\n',
                    encoding="utf-8")
    return path


def test_the_sponsor_cap_with_the_surplus_unknown_is_at_most_the_contribution_limit() -> None:
    # 1000万 contributed, one-year rate 3.00% (LPR from 2025-05-20): at most
    # 10,000,000 × 1.2 × 3.00% = 360,000.00; the surplus may be anything from 0, so the
    # least is 0.00, and only the surplus is asked.
    raw = {"city": "郑州", "district": "金水区", "sponsor": "social", "for_profit": False,
           "sponsor_contribution": "1000万"}
    r = result_of(raw, "zhengzhou.sponsor-annual-award-cap", AS_OF)
    assert r.status == "eligible" and r.amount is None and r.range is not None
    assert (r.range.least.amount, r.range.most.amount) == (D("0.00"), D("360000.00"))
    assert r.missing == ["annual_surplus"]


def test_the_range_is_in_the_json_and_the_totals_say_what_is_certain_and_possible(
        tmp_path: Path) -> None:
    # 二七区, 1.2亿, general, leading level not given: 1,200,000.00 certain (1%), 1,440,000.00
    # possible (1.2%), each half by city and district; half of each paid in 2025, half
    # by 2027.
    path = erqi(tmp_path)
    out = CliRunner().invoke(cli, ["check", str(path), "--format", "json",
                                   "--as-of", AS_OF.isoformat()])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    reward = next(r for r in report["results"] if r["rule"] == "zhengzhou.investment-reward")
    assert (reward["status"], reward["amount"]) == ("eligible", None)
    assert (reward["range"]["least"], reward["range"]["most"]) == ("1200000.00", "1440000.00")
    assert [d["fact"] for d in reward["range"]["decided_by"]] == ["leading_level"]
    assert report["totals"]["certain"]["cash"] == "1200000.00"
    assert report["totals"]["possible"] == {
        "cash": "1440000.00", "by_payer": {"city": "720000.00", "district": "720000.00"}}
    assert report["by_year"]["cash_possible"]["2027"]["total"] == "720000.00"
    assert report["by_year"]["cash"]["2025"]["total"] == "600000.00"
    # the first half was due 2025-09-01, before the as-of date: the second is still to come
    assert report["totals"]["to_come"]["cash"] == "600000.00"
    assert report["totals"]["to_come_possible"]["cash"] == "720000.00"


def test_the_table_shows_the_range_and_what_each_answer_gives(tmp_path: Path) -> None:
    path = erqi(tmp_path)
    out = CliRunner().invoke(cli, ["check", str(path), "--as-of", AS_OF.isoformat(),
                                   "--lang", "zh"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "金额: 1,200,000.00 – 1,440,000.00 元" in out.output
    assert "取决于: leading_level" in out.output and "是 → 1,440,000.00 元" in out.output
    assert "featured_services" not in out.output


# --- properties ------------------------------------------------------------------------------


@SOME
@given(raw=new_build(), left_out=st.sets(st.sampled_from(OPEN)))
def test_every_range_holds_the_amount_of_the_full_profile(raw: dict[str, Any],
                                                          left_out: set[str]) -> None:
    full = results(raw)
    fewer = results({k: v for k, v in raw.items() if k not in left_out})
    for rule_id, result in fewer.items():
        found, exact = span(result), span(full[rule_id])
        if found is not None:
            assert exact is not None and found[0] <= exact[0] == exact[1] <= found[1], rule_id


@SOME
@given(raw=new_build(), left_out=st.sets(st.sampled_from(OPEN), min_size=1))
def test_answering_a_fact_never_widens_a_range(raw: dict[str, Any], left_out: set[str]) -> None:
    answered = sorted(left_out)[0]
    wider = results({k: v for k, v in raw.items() if k not in left_out})
    narrower = results({k: v for k, v in raw.items() if k not in left_out - {answered}})
    for rule_id, result in wider.items():
        outer, inner = span(result), span(narrower[rule_id])
        if outer is not None:
            assert inner is not None and outer[0] <= inner[0] <= inner[1] <= outer[1], rule_id


@SOME
@given(raw=any_profile(complete=True), as_of=dates)
def test_with_every_fact_known_no_amount_is_a_range(raw: dict[str, Any], as_of: date) -> None:
    assessment = assess(parse_profile(raw, BOOK.schema, BOOK.cities), BOOK, as_of)
    assert all(r.range is None for r in assessment.results)


@SOME
@given(raw=new_build(), left_out=st.sets(st.sampled_from(OPEN)))
def test_certain_totals_never_exceed_the_full_profiles_and_possible_ones_never_fall_below(
        raw: dict[str, Any], left_out: set[str]) -> None:
    full, _ = run(raw).cash_totals()
    fewer = run({k: v for k, v in raw.items() if k not in left_out})
    assert fewer.cash_totals()[0] <= full <= fewer.cash_totals(most=True)[0]


def test_the_batch_summary_says_what_is_certain_and_what_is_possible(tmp_path: Path) -> None:
    # two new general hospitals in 二七区, 1.2亿 each, opened 2025-09-01; one says it is
    # not at a leading level (1% = 1,200,000.00), the other does not say (1,200,000.00 to
    # 1,440,000.00): certain 2,400,000.00, possible 2,640,000.00; by year half in 2025
    # (1,200,000.00 certain, 1,320,000.00 possible) and half by 2027
    head = "name,city,district,sponsor,for_profit,kind,newly_built,fixed_asset_investment," \
           "opened_on,leading_level\n"
    row = "{},zhengzhou,二七区,social,true,general,true,1.2亿,2025-09-01,{}\n"
    source = tmp_path / "r.csv"
    source.write_text(head + row.format("甲", "false") + row.format("乙", ""), encoding="utf-8")
    for engine in ("--columnar", "--no-columnar"):
        out = CliRunner().invoke(cli, ["batch", str(source), "-o", str(tmp_path / "o.csv"),
                                       "--as-of", AS_OF.isoformat(), "--summary",
                                       "--summary-format", "json", engine])
        assert out.exit_code == 0, out.output
        summary = json.loads(out.stdout)
        assert (summary["cash"]["total"], summary["cash_possible"]["total"]) == (
            "2400000.00", "2640000.00"), engine
        assert summary["cash"]["by_year"] == {"2025": "1200000.00", "2027": "1200000.00"}
        assert summary["cash_possible"]["by_year"] == {"2025": "1320000.00",
                                                       "2027": "1320000.00"}


def test_explain_tells_the_range_and_which_case_may_apply(tmp_path: Path) -> None:
    path = erqi(tmp_path)
    out = CliRunner().invoke(cli, ["explain", str(path), "zhengzhou.investment-reward",
                                   "--as-of", AS_OF.isoformat()], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "Amount: 1,200,000.00 – 1,440,000.00 元" in out.output
    assert "not reached (applies if the cases above do not)" in out.output
    assert "amount unknown" not in out.output


def test_whatif_shows_the_range_before_an_answer_settles_it(tmp_path: Path) -> None:
    path = erqi(tmp_path)
    out = CliRunner().invoke(cli, ["whatif", str(path), "--set", "leading_level=true",
                                   "--as-of", AS_OF.isoformat()], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "✓ eligible · 1,200,000.00 –" in out.output  # the cell wraps before the most
    assert "✓ eligible · 1,440,000.00" in out.output
