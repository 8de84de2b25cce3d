"""A city added as data alone (tests/cities/lakeside), `compare`, and the `rules` commands."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from incentives import assess, load_rulebook, parse_profile
from incentives.assessment.compare import compare
from incentives.cli import cli
from incentives.model.result import Result

from .conftest import ROOT

CITIES = Path(__file__).parent / "cities"
BOOK = load_rulebook([CITIES], bundled=True)
LAKESIDE = {"city": "湖滨", "district": "东湖区", "sponsor": "social", "for_profit": True,
            "newly_built": True, "beds": 120, "leased_premises": False, "accreditation": "JCI",
            "kind": "rehabilitation", "opened_on": "2025-03-01", "payroll_total": "1000万"}


def lakeside(as_of: date, **changes: object) -> dict[str, Result]:
    profile = parse_profile({**LAKESIDE, **changes}, BOOK.schema, BOOK.cities)
    return {r.rule.id: r for r in assess(profile, BOOK, as_of).results}


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def test_lakeside_uses_every_benefit_kind() -> None:
    kinds = {rule.kind for rule in BOOK.rules["lakeside"]}
    assert kinds == {"cash", "tax_exemption", "cap", "deduction", "eligibility_date",
                     "procedure"}


@pytest.mark.parametrize(("beds", "leased", "amount"), [
    (120, False, D("1200000.00")),   # 120 × 1万 = 120万
    (120, True, D("600000.00")),     # halved for leased premises
    (800, False, D("5000000.00")),   # 800万 capped at 500万
    (800, True, D("2500000.00")),    # the cap, then halved
])
def test_amount_per_bed_with_ceiling_and_halving(beds: int, leased: bool, amount: D) -> None:
    r = lakeside(date(2025, 6, 1), beds=beds, leased_premises=leased)["lakeside.bed-subsidy"]
    assert r.status == "eligible" and r.amount == amount
    # 3:7 between city and district, and 60% / 40% instalments, each adding up exactly
    assert sum(p.amount for p in r.payers) == amount
    assert sum(d.amount for d in r.schedule) == amount
    assert [d.due for d in r.schedule] == [date(2025, 3, 1), date(2026, 3, 1)]


@pytest.mark.parametrize(("beds", "amount"), [
    (99, D("990000.00")),     # below 100 beds: 99 × 1万
    (100, D("1500000.00")),   # from 100 beds: 100 × 1.5万
    (600, D("8000000.00")),   # 600 × 1.5万 = 900万, capped at 800万
])
def test_the_later_version_of_a_rule_takes_over_on_its_date(beds: int, amount: D) -> None:
    r = lakeside(date(2026, 6, 1), beds=beds)["lakeside.bed-subsidy"]
    assert r.rule.document == "湖政〔2026〕2号"
    assert r.amount == amount
    earlier = lakeside(date(2025, 12, 31), beds=beds)["lakeside.bed-subsidy"]
    assert earlier.rule.document == "湖政〔2024〕1号"


def test_other_kinds_in_lakeside() -> None:
    results = lakeside(date(2025, 6, 1))
    assert results["lakeside.accreditation-award"].amount == D("2000000.00")
    assert results["lakeside.rent-exemption"].period == (date(2025, 3, 1), date(2027, 2, 28))
    assert results["lakeside.training-deduction"].amount == D("800000.00")  # 1000万 × 8%
    assert results["lakeside.insurance-designation"].period == (date(2025, 9, 1), None)
    assert results["lakeside.dividend-cap"].status == "not_eligible"
    assert [c.applies for c in results["lakeside.one-window"].components] == [True, False]
    # the national layer applies in a new city too
    assert results["national.medical-services-vat-exemption"].status == "eligible"


def test_a_declared_fact_is_checked_like_any_other() -> None:
    from incentives.errors import InputError

    with pytest.raises(InputError) as caught:
        parse_profile({**LAKESIDE, "accreditation": "ISO"}, BOOK.schema, BOOK.cities)
    assert "accreditation" in str(caught.value) and "jci" in str(caught.value)
    with pytest.raises(InputError):
        parse_profile({**LAKESIDE, "bedz": 3}, BOOK.schema, BOOK.cities)


def test_a_count_may_be_written_with_its_declared_unit() -> None:
    """Beds are declared with the unit 张: "350张" is 350 beds; a count written in words gets
    an example of a count, not of money."""
    from incentives.errors import InputError

    with_unit = parse_profile({**LAKESIDE, "beds": "350张"}, BOOK.schema, BOOK.cities)
    assert with_unit.facts["beds"] == D(350)
    with pytest.raises(InputError) as caught:
        parse_profile({**LAKESIDE, "beds": "three hundred"}, BOOK.schema, BOOK.cities)
    assert "beds: 'three hundred': not a number; write e.g. 350 or 350张" in str(caught.value)
    assert "万" not in str(caught.value)
    with pytest.raises(InputError) as money:
        parse_profile({**LAKESIDE, "payroll_total": "350张"}, BOOK.schema, BOOK.cities)
    assert "8000万" in str(money.value)


def test_check_and_compare_run_the_new_city_through_the_cli(tmp_path: Path) -> None:
    profile = tmp_path / "lakeside.toml"
    profile.write_text('city = "湖滨市"\ndistrict = "东湖区"\nsponsor = "social"\n'
                       'newly_built = true\nbeds = 120\nleased_premises = true\n'
                       'opened_on = 2025-03-01\n', encoding="utf-8")
    code, out = run("check", "--rules", CITIES / "lakeside", profile, "--as-of", "2025-06-01",
                    "--format", "json")
    assert code == 0, out
    report = json.loads(out)
    assert report["city"] == "lakeside" and report["totals"]["cash"] == "600000.00"
    code, out = run("compare", "--rules", CITIES / "lakeside", profile, "--as-of", "2025-06-01",
                    "--format", "json")
    assert code == 0, out
    comparison = json.loads(out)
    assert comparison["cities"] == ["lakeside", "baotou", "zhengzhou"]
    assert comparison["facts_to_supply"] == {"lakeside": [], "baotou": ["district"],
                                             "zhengzhou": ["district"]}
    assert "lakeside.bed-subsidy" in comparison["only_in"]["lakeside"]


def test_compare_lines_up_the_same_benefit_across_cities() -> None:
    raw = {"city": "郑州市", "district": "二七区", "sponsor": "social", "for_profit": True,
           "income_reinvested": False, "licence_registered_on": "2025-04-10"}
    profile = parse_profile(raw, BOOK.schema, BOOK.cities)
    comparison = compare(profile, BOOK, date(2026, 11, 22), ["zhengzhou", "baotou"])
    rows = {row.topic: row for row in comparison.rows}
    tax = rows["property-tax-for-profit"]
    # Baotou drops the reinvestment condition: only Baotou exempts this institution, but the
    # topic is Zhengzhou's too (and the national layer's), so it is not "only here"
    assert tax.results["baotou"].status == "eligible"          # type: ignore[union-attr]
    assert tax.results["zhengzhou"].status == "not_eligible"   # type: ignore[union-attr]
    assert tax.eligible_in() == ["baotou"]
    assert tax not in comparison.only_in()["baotou"]
    assert comparison.to_supply == {"zhengzhou": [], "baotou": ["district"]}


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_compare_table_on_each_example(example: Path) -> None:
    code, out = run("compare", example, "--as-of", "2026-11-22", "--lang", "en")
    assert code == 0, out
    assert "Baotou" in out and "Zhengzhou" in out and "包头市" not in out
    assert "Only here — Zhengzhou" in out  # the grade or investment award, the deduction, …
    code, out = run("compare", example, "--as-of", "2026-11-22", "--lang", "zh")
    assert code == 0 and "各城市政策对比" in out and "仅此城市提供 — 郑州市" in out


def test_compare_shows_the_amounts() -> None:
    code, out = run("compare", ROOT / "examples" / "new-rehabilitation-hospital.toml",
                    "--as-of", "2026-11-22", "--lang", "en")
    assert code == 0 and "1,038,000.00" in out


def test_rules_list_show_and_check() -> None:
    code, out = run("rules", "list", "--city", "包头", "--format", "json")
    assert code == 0
    listed = {row["rule"] for row in json.loads(out)}
    assert "baotou.land-supply" in listed and "national.non-profit-income-tax" in listed
    assert not any(rule.startswith("zhengzhou.") for rule in listed)
    code, out = run("rules", "show", "zhengzhou.investment-reward")
    assert code == 0 and "fixed_asset_investment >= 5000万" in out and "awards.toml" in out
    code, out = run("rules", "show", "zhengzhou.investment-rewad")
    assert code == 2 and "did you mean 'zhengzhou.investment-reward'" in out
    code, out = run("rules", "check", CITIES)
    assert code == 0 and "ok:" in out


def test_rules_check_reports_overlapping_versions(tmp_path: Path) -> None:
    folder = tmp_path / "lakeside"
    folder.mkdir()
    for name in ("city.toml", "facts.toml"):
        (folder / name).write_text((CITIES / "lakeside" / name).read_text("utf-8"), "utf-8")
    rules = (CITIES / "lakeside" / "rules.toml").read_text("utf-8")
    (folder / "rules.toml").write_text(rules.replace("effective_to = 2025-12-31\n", ""), "utf-8")
    code, out = run("rules", "check", folder)
    assert code == 2
    assert "rules.toml:" in out and "overlapping effective period" in out


def test_a_city_twice_is_refused_unless_the_bundled_rules_are_left_out(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "zhengzhou"
    shutil.copytree(ROOT / "rules" / "zhengzhou", copy)
    code, out = run("check", "--rules", copy, ROOT / "examples" / "3a-general-hospital.toml")
    assert code == 2 and "declared twice" in out and "--no-bundled" in out
    # the bundled folder itself, named again, is the same folder: read once
    code, out = run("check", "--rules", ROOT / "rules" / "zhengzhou",
                    ROOT / "examples" / "3a-general-hospital.toml", "--format", "json")
    assert code == 0, out
    code, out = run("check", "--no-bundled", "--rules", ROOT / "rules",
                    ROOT / "examples" / "3a-general-hospital.toml", "--format", "json")
    assert code == 0, out


def test_rules_check_counts_only_the_folders_it_was_given() -> None:
    """`rules check DIR` loads DIR beside the bundled rules it may restate, but reports on
    DIR's rules alone; --with-bundled counts the bundled ones too."""
    from incentives.load.rulebook import load_rulebook

    folder = Path(__file__).parent / "cities" / "lakeside"
    own = [r for r in load_rulebook([folder], bundled=True).all_rules()
           if r.city == "lakeside"]
    bundled = load_rulebook().all_rules()
    alone = CliRunner().invoke(cli, ["rules", "check", str(folder)])
    both = CliRunner().invoke(cli, ["rules", "check", "--with-bundled", str(folder)])
    assert alone.exit_code == 0 and both.exit_code == 0
    assert alone.stdout.startswith(f"ok: {len(own)} rules in 1 jurisdiction (")
    assert both.stdout.startswith(f"ok: {len(own) + len(bundled)} rules in 4 jurisdictions (")
    assert "and the bundled rules" in both.stdout


def test_rules_check_refuses_a_folder_without_a_city(tmp_path: Path) -> None:
    """A folder of rule files with no city.toml is not a city folder: exit 2 naming the
    missing file, never `ok` about the bundled rules."""
    bundled = Path(__file__).parents[1] / "rules" / "zhengzhou" / "awards.toml"
    (tmp_path / "awards.toml").write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(tmp_path)])
    assert result.exit_code == 2
    assert "city.toml" in result.output and "ok:" not in result.output
