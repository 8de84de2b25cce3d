"""Within reach: the smallest change that makes a rule apply, found and proved with the engine.

The Hypothesis properties are the issue's quality bar: for every numeric or date threshold
in the bundled rules (and in a fixture city with a threshold of every shape), whatever
value on the failing side the institution has, the value `reach` names makes the rule
apply and one fen (one unit, one day) short of it does not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from incentives import assess, load_rulebook, parse_profile
from incentives.assessment.reach import applies, reach_for, threshold, unit_of, within_reach
from incentives.cli import cli
from incentives.load.rulebook import RuleBook
from incentives.model.conditions import Context
from incentives.model.profile import Profile, Value
from incentives.model.result import NOT_ELIGIBLE, Result
from incentives.model.rule import Rule
from incentives.render.wording import option_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = date(2026, 11, 22)
BUNDLED = load_rulebook()
FIXTURE = load_rulebook([ROOT / "tests" / "fixtures" / "rules" / "reach"], bundled=True)
D = Decimal

NEAR_MISS = {
    "city": "郑州", "district": "二七区", "sponsor": "社会办", "newly_built": True,
    "kind": "综合医院", "leading_level": False, "featured_services": False,
    "fixed_asset_investment": "4800万", "for_profit": True, "grade": "未定级",
}


def assessed(raw: dict[str, Any], book: RuleBook = BUNDLED) -> Any:
    return assess(parse_profile(raw, book.schema, book.cities), book, AS_OF)


def rule_result(assessment: Any, rule_id: str) -> Result:
    for result in assessment.results:
        for candidate in (result, *result.also):
            if candidate.rule.id == rule_id:
                return candidate  # type: ignore[no-any-return]
    raise KeyError(rule_id)


def result_with(book: RuleBook, facts: dict[str, Value], rule_id: str) -> Result:
    """The engine's own `assess` (not reach's oracle) for a profile of canonical facts."""
    profile = Profile(str(facts["city"]), dict(facts))
    return rule_result(assess(profile, book, AS_OF), rule_id)


# --- examples -------------------------------------------------------------------------------


def test_investment_short_of_the_threshold_names_the_exact_shortfall() -> None:
    reaches = {r.result.rule.id: r for r in within_reach(assessed(NEAR_MISS), BUNDLED)}
    reach = reaches["zhengzhou.investment-reward"]
    assert len(reach.options) == 1
    option = reach.options[0]
    [change] = option.changes
    assert (change.fact, change.before, change.after) == ("fixed_asset_investment",
                                                          D(48_000_000), D("50000000.00"))
    assert change.difference == D("2000000.00")
    assert option.result.amount == D("500000.00")
    assert option_text(option, BUNDLED.schema) == (
        "固定资产投资 4,800万 is 200万 short of 5,000万; "
        "at 5,000万 this pays 50万 (1% of the investment)")


def test_a_shortage_kind_would_get_the_higher_rate() -> None:
    raw = dict(NEAR_MISS, kind="康复医院")
    [option] = next(r for r in within_reach(assessed(raw), BUNDLED)
                    if r.result.rule.id == "zhengzhou.investment-reward").options
    assert option.result.amount == D("600000.00")  # 5000万 × 1.2%
    assert "pays 60万 (1.2% of the investment" in option_text(option, BUNDLED.schema)


def test_categorical_facts_list_every_value_that_qualifies_and_what_it_pays() -> None:
    reaches = {r.result.rule.id: r for r in within_reach(assessed(NEAR_MISS), BUNDLED)}
    grade = reaches["zhengzhou.grade-award"]
    paid = {o.changes[0].after: o.result.amount for o in grade.options}
    assert paid == {"2A": D("5000000.00"), "3A": D("10000000.00")}
    for_profit = reaches["zhengzhou.non-profit-income-tax"]
    assert [(c.fact, c.after) for o in for_profit.options for c in o.changes] == [
        ("for_profit", False)]
    # ZZ-9 reads the level (级别): ungraded says nothing of it, so the rule needs it rather
    # than failing; a 一级 hospital is within reach of 二级 or 三级, or a shortage kind
    assert "zhengzhou.medical-insurance-designation" not in reaches
    level_1 = {r.result.rule.id: r for r in within_reach(
        assessed({**NEAR_MISS, "hospital_level": "一级"}), BUNDLED)}
    designation = level_1["zhengzhou.medical-insurance-designation"]
    changed = {(o.changes[0].fact, o.changes[0].after) for o in designation.options}
    assert changed == {("hospital_level", g) for g in ("2", "3")} | {
        ("kind", k) for k in ("rehabilitation", "nursing", "geriatric", "hospice")}


def test_only_rules_that_do_not_apply_are_searched() -> None:
    assessment = assessed(NEAR_MISS)
    statuses = {r.rule.id: r.status for r in assessment.results}
    for reach in within_reach(assessment, BUNDLED):
        assert statuses[reach.result.rule.id] == NOT_ELIGIBLE
        for option in reach.options:
            assert applies(option.result)


def test_a_rule_not_in_force_has_nothing_within_reach() -> None:
    early = assess(parse_profile(NEAR_MISS, BUNDLED.schema, BUNDLED.cities), BUNDLED,
                   date(2018, 1, 1))
    result = rule_result(early, "zhengzhou.investment-reward")
    assert result.status == NOT_ELIGIBLE
    assert reach_for(result, early.profile, BUNDLED, early.as_of).options == []


def test_no_change_is_offered_that_needs_a_move_of_district() -> None:
    raw = dict(NEAR_MISS, district="中牟县")  # a county: the reward names only districts
    ids = {r.result.rule.id for r in within_reach(assessed(raw), BUNDLED)}
    assert "zhengzhou.investment-reward" not in ids


def test_two_thresholds_at_once_are_changed_together() -> None:
    raw = {"city": "阈值市", "fixed_asset_investment": "4000万", "payroll_total": "200万"}
    reaches = {r.result.rule.id: r for r in within_reach(assessed(raw, FIXTURE), FIXTURE)}
    [option] = reaches["reachville.two-thresholds"].options
    assert {(c.fact, c.after) for c in option.changes} == {
        ("fixed_asset_investment", D("50000000.00")), ("payroll_total", D("10000000.00"))}
    assert option.result.amount == D("500000.00")


@pytest.mark.parametrize(("raw", "rule_id", "target", "text"), [
    ({"land_area": "90.25"}, "reachville.land-over", D(101),
     "自用土地面积 90.25 m² is 10.75 m² short of 101 m²; at 101 m² this pays 10,100.00 元"),
    ({"annual_surplus": "150万"}, "reachville.small-surplus", D("999999.99"),
     "收支结余 150万 is 500,000.01 元 over 999,999.99 元; at 999,999.99 元 this pays 10万"),
    ({"opened_on": "2020-03-01"}, "reachville.early-opening", date(2020, 1, 1),
     "开业日期 2020-03-01 is 60 days after 2020-01-01; at 2020-01-01 this pays 5万"),
    ({"opened_on": "2019-06-30"}, "reachville.late-opening", date(2020, 1, 2),
     "开业日期 2019-06-30 is 186 days before 2020-01-02; at 2020-01-02 this pays 6万"),
    ({"payroll_total": "200万"}, "reachville.payroll-rate", D("3000000.00"),
     "职工工资总额 200万 is 100万 short of 300万; at 300万 this pays 3万"),
    ({"sponsor_contribution": "300万"}, "reachville.not-small-contribution", D("5000050.00"),
     "举办者累积出资额 300万 is 2,000,050.00 元 short of 5,000,050.00 元; "
     "at 5,000,050.00 元 this allows up to 500,005.00 元"),
    ({"land_area": "90.25"}, "reachville.exact-area", D(80),
     "自用土地面积 90.25 m² is 10.25 m² over 80 m²; at 80 m² this pays 1万"),
])
def test_every_shape_of_threshold(raw: dict[str, str], rule_id: str, target: Value,
                                  text: str) -> None:
    reaches = {r.result.rule.id: r for r in within_reach(assessed(dict(raw, city="阈值市"),
                                                                  FIXTURE), FIXTURE)}
    [option] = reaches[rule_id].options
    assert option.changes[0].after == target
    assert option_text(option, FIXTURE.schema) == text


def test_a_parameter_override_moves_the_threshold() -> None:
    profile = parse_profile({"city": "阈值市", "payroll_total": "200万"}, FIXTURE.schema,
                            FIXTURE.cities)
    overrides = {"lending_rate": D("0.0435")}
    assessment = assess(profile, FIXTURE, AS_OF, overrides)
    [reach] = [r for r in within_reach(assessment, FIXTURE, overrides)
               if r.result.rule.id == "reachville.payroll-rate"]
    assert reach.options[0].changes[0].after == D("4350000.00")


# --- the property: every threshold is exact -------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """A threshold leaf of a rule, with facts under which the threshold alone decides."""

    book_name: str
    rule: Rule
    fact: str
    base: tuple[tuple[str, Value], ...]
    target: Value
    rising: bool  # the rule applies at and above the target (else at and below)


def _books() -> dict[str, RuleBook]:
    return {"bundled": BUNDLED, "fixture": FIXTURE}


def _leaves(book: RuleBook, rule: Rule) -> list[tuple[str, list[Value]]]:
    if rule.when is None:
        return []
    tables = book.param_tables(rule.city)
    params = {name: table.values[-1].value for name, table in tables.items()}
    steps = rule.when.trace(Context({}, params)).leaves()
    found = [threshold(step.node, book.schema, Context({}, params)) for step in steps
             if step.node is not None]
    return [leaf for leaf in found if leaf is not None]


def _witness(book: RuleBook, rule: Rule, fact: str, target: Value) -> dict[str, Value] | None:
    """Facts (besides `fact`) under which the rule applies with `fact` at its target."""
    city = book.cities.get(rule.city) or book.cities["zhengzhou"]
    assert rule.when is not None
    others = sorted(rule.when.facts - {fact})
    numeric = dict(_leaves(book, rule))
    domains: list[list[tuple[str, Value]]] = []
    for name in others:
        kind = book.schema[name]
        if name in numeric:
            domains.append([(name, v) for v in numeric[name]])
        elif name == "division_type":
            by_type = {d.type: d.name for d in city.divisions.values()}
            domains.append([("district", n) for n in by_type.values()])
        elif kind.type == "bool":
            domains.append([(name, True), (name, False)])
        elif kind.type == "enum":
            domains.append([(name, v) for v in kind.values])
        else:
            return None
    for combo in product(*domains):
        facts: dict[str, Value] = {"city": city.id, **dict(combo), fact: target}
        if "district" in facts:
            facts["division_type"] = city.divisions[str(facts["district"])].type
        if applies(result_with(book, facts, rule.id)):
            return facts
    return None


def _thresholds() -> list[Threshold]:
    found = []
    for book_name, book in _books().items():
        for rule in book.all_rules():
            for fact, targets in _leaves(book, rule):
                for target in targets:
                    facts = _witness(book, rule, fact, target)
                    assert facts is not None, f"no witness for {rule.id} {fact} {target}"
                    below = target - unit_of(book.schema[fact])  # type: ignore[operator]
                    rising = not applies(result_with(book, {**facts, fact: below}, rule.id))
                    base = tuple(sorted((k, v) for k, v in facts.items() if k != fact))
                    found.append(Threshold(book_name, rule, fact, base, target, rising))
    return found


THRESHOLDS = _thresholds()


def test_the_thresholds_cover_the_bundled_rules_and_every_fixture_rule() -> None:
    ids = {t.rule.id for t in THRESHOLDS}
    assert "zhengzhou.investment-reward" in ids
    assert {r.id for r in FIXTURE.rules["reachville"]} <= ids
    bundled = {t.rule.id for t in THRESHOLDS if t.book_name == "bundled"}
    for rule in BUNDLED.all_rules():  # every bundled rule with a number or date threshold
        if _leaves(BUNDLED, rule):
            assert rule.id in bundled


def _failing_value(t: Threshold) -> st.SearchStrategy[Value]:
    """A value on the side of the threshold where the rule does not apply."""
    step = unit_of(FIXTURE.schema[t.fact])
    if isinstance(t.target, date):
        days = st.integers(min_value=1, max_value=3000).map(lambda n: timedelta(days=n))
        return days.map(lambda d: t.target - d if t.rising else t.target + d)  # type: ignore[operator]
    assert isinstance(t.target, Decimal) and isinstance(step, Decimal)
    offsets = st.one_of(st.just(step), st.integers(1, 10**6).map(lambda n: step * n),
                        st.decimals(min_value=D("0.0001"), max_value=D(10**9), places=4))
    if t.rising:
        return offsets.map(lambda o: t.target - o).filter(lambda v: v >= 0)  # type: ignore[operator]
    return offsets.map(lambda o: t.target + o)  # type: ignore[operator]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_reach_names_exactly_the_value_at_which_a_threshold_is_met(data: st.DataObject) -> None:
    t = data.draw(st.sampled_from(THRESHOLDS), label="threshold")
    book = _books()[t.book_name]
    value = data.draw(_failing_value(t), label="value")
    facts = {**dict(t.base), t.fact: value}
    now = result_with(book, facts, t.rule.id)
    assume(now.status == NOT_ELIGIBLE)  # off the grid, a value may pass a threshold like > 100.5
    reach = reach_for(now, Profile(str(facts["city"]), facts), book, AS_OF)
    [option] = [o for o in reach.options if [c.fact for c in o.changes] == [t.fact]]
    named = option.changes[0].after
    step = unit_of(book.schema[t.fact])
    short = named - step if named > value else named + step  # type: ignore[operator]
    assert applies(result_with(book, {**facts, t.fact: named}, t.rule.id))
    assert not applies(result_with(book, {**facts, t.fact: short}, t.rule.id))
    assert named == t.target


def _money_fact_values() -> st.SearchStrategy[Value]:
    return st.one_of(st.integers(0, 10**9).map(D),
                     st.decimals(min_value=0, max_value=10**9, places=2))


@st.composite
def _profiles(draw: st.DrawFn) -> dict[str, Value]:
    """Any Zhengzhou profile (every fact of the schema, each maybe left out)."""
    city = BUNDLED.cities["zhengzhou"]
    district = draw(st.sampled_from(sorted(city.divisions)))
    facts: dict[str, Value] = {"city": "zhengzhou", "district": district,
                               "division_type": city.divisions[district].type}
    for name, fact in BUNDLED.schema.facts.items():
        if fact.derived or name in facts or name in ("name", "district") or draw(st.booleans()):
            continue
        if fact.type == "bool":
            facts[name] = draw(st.booleans())
        elif fact.type == "enum":
            facts[name] = draw(st.sampled_from(fact.values))
        elif fact.type in ("money", "number"):
            facts[name] = draw(_money_fact_values())
        elif fact.type == "date":
            facts[name] = draw(st.dates(date(2010, 1, 1), date(2030, 12, 31)))
    return facts


@settings(max_examples=150, deadline=None)
@given(facts=_profiles())
def test_every_option_for_any_profile_applies_and_numbers_are_tight(facts: dict[str, Value]
                                                                     ) -> None:
    profile = Profile("zhengzhou", facts)
    assessment = assess(profile, BUNDLED, AS_OF)
    for reach in within_reach(assessment, BUNDLED):
        rule_id = reach.result.rule.id
        for option in reach.options:
            changed = {**facts, **{c.fact: c.after for c in option.changes}}
            assert applies(result_with(BUNDLED, changed, rule_id))
            for change in option.changes:
                if change.difference is None:
                    continue
                step = unit_of(BUNDLED.schema[change.fact])
                rising = change.after > change.before  # type: ignore[operator]
                short = change.after - step if rising else change.after + step  # type: ignore[operator]
                assert not applies(result_with(BUNDLED, {**changed, change.fact: short}, rule_id))


# --- check: the report and the JSON ---------------------------------------------------------


def test_check_table_has_a_within_reach_section() -> None:
    result = CliRunner().invoke(cli, ["check", str(EXAMPLES / "new-rehabilitation-hospital.toml"),
                                      "--as-of", AS_OF.isoformat(), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    section = result.output[result.output.index("差一点就符合"):]
    assert "✦ ZZ-1 等级奖励" in section
    assert "若医院等级为 二级甲等（现为 未定级），可得 500万元" in section
    assert "若医院等级为 三级甲等（现为 未定级），可得 1,000万元" in section
    english = CliRunner().invoke(cli, ["check", str(EXAMPLES / "new-rehabilitation-hospital.toml"),
                                       "--as-of", AS_OF.isoformat(), "--lang", "en"]).output
    section = english[english.index("Within reach"):]
    assert "✦ ZZ-1 Grade award" in section and "差一点" not in section
    assert "with Hospital grade 2A or 3A (now ungraded)" not in section  # each its own amount
    assert "with Hospital grade 2A (now ungraded), this pays 500万元" in section


def test_check_json_has_a_within_reach_key_and_keeps_the_contract(tmp_path: Path) -> None:
    path = tmp_path / "near-miss.toml"
    path.write_text("\n".join(f"{k} = {json.dumps(v, ensure_ascii=False)}"
                              for k, v in NEAR_MISS.items()), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), "--as-of", AS_OF.isoformat(),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"as_of", "city", "results", "totals"} <= set(report)
    assert list(report)[-1] == "within_reach"
    by_rule = {entry["rule"]: entry for entry in report["within_reach"]}
    [option] = by_rule["zhengzhou.investment-reward"]["options"]
    assert option["changes"] == [{"fact": "fixed_asset_investment", "from": "48000000",
                                  "to": "50000000", "difference": "2000000"}]
    assert option["status"] == "eligible"
    assert option["amount"] == "500000.00"
    assert [p["amount"] for p in option["payers"]] == ["250000.00", "250000.00"]
    assert option["text"].startswith("固定资产投资 4,800万 is 200万 short of 5,000万")
    statuses = {r["rule"]: r["status"] for r in report["results"]}
    assert all(statuses[rule] == "not_eligible" for rule in by_rule)
