"""Properties of assessments under the bundled Zhengzhou rules (Hypothesis)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import example, given, settings
from hypothesis import strategies as st

import incentives.render.json
from incentives import Assessment, RuleBook, assess, load_rulebook, parse_profile
from incentives.load.rulebook import bundled_rules_dir
from incentives.model.money import to_fen
from incentives.model.result import Result
from incentives.render.json import assessment_to_dict

D = Decimal
BOOK = load_rulebook()
CITY = BOOK.cities["zhengzhou"]
SCHEMA = BOOK.schema
POLICY_SIGNED = date(2018, 8, 6)
THRESHOLD = D(50_000_000)

INVESTMENT = "zhengzhou.investment-reward"
GRADE = "zhengzhou.grade-award"
PROPERTY_TAX = "zhengzhou.for-profit-property-tax-exemption"

DISTRICTS = sorted(n for n, d in CITY.divisions.items() if d.type == "district")
NOT_DISTRICTS = sorted(n for n, d in CITY.divisions.items() if d.type != "district")
DIVISION_NAMES = sorted({*CITY.divisions, *(a for d in CITY.divisions.values() for a in d.aliases)})
RATE = {
    "rehabilitation": D("0.012"),
    "nursing": D("0.012"),
    "geriatric": D("0.012"),
    "hospice": D("0.012"),
    "general": D("0.01"),
    "specialty": D("0.01"),
}

SETTINGS = settings(max_examples=150, deadline=None)
FEW = settings(max_examples=60, deadline=None)


def names_of(fact: str) -> list[str]:
    """Every way a profile may write an enum fact's value: the value and its names."""
    f = SCHEMA[fact]
    return sorted({*f.values, *f.aliases})


def fen(count: int) -> Decimal:
    return D(count).scaleb(-2)


def anniversary(start: date, years: int) -> date:
    """`start` plus whole years, as rule.py's Offset documents it: relativedelta, except that
    the anniversary of a 29 February in a common year is 1 March (not 28 February)."""
    moved = start + relativedelta(years=years)
    return moved + relativedelta(days=1) if moved.day < start.day else moved


def test_anniversary_is_relativedelta_but_for_29_february() -> None:
    assert anniversary(date(2024, 3, 15), 2) == date(2026, 3, 15)
    assert anniversary(date(2024, 2, 29), 2) == date(2026, 3, 1)
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert anniversary(date(2023, 2, 28), 1) == date(2024, 2, 28)


dates = st.dates(date(2015, 1, 1), date(2030, 12, 31))
in_force_dates = st.dates(POLICY_SIGNED, date(2030, 12, 31))
money = st.one_of(st.integers(0, 10**11).map(D), st.integers(0, 10**13).map(fen))
investments = st.one_of(
    st.integers(0, 10**11).map(D),  # whole yuan, up to 1000亿
    st.integers(0, 10**13).map(fen),  # fen-exact
    st.integers(-10**6, 10**6).map(lambda d: THRESHOLD + fen(d)),  # around 5000万
)

FACT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "name": st.sampled_from(["某康复医院", "Test Hospital", "郑州市某某医院"]),
    "district": st.sampled_from(DIVISION_NAMES),
    "sponsor": st.sampled_from(names_of("sponsor")),
    "for_profit": st.booleans(),
    "kind": st.sampled_from(names_of("kind")),
    "featured_services": st.booleans(),
    "leading_level": st.booleans(),
    "grade": st.sampled_from(names_of("grade")),
    "hospital_level": st.sampled_from(names_of("hospital_level")) | st.integers(1, 3),
    "grade_attained_on": dates,
    "newly_built": st.booleans(),
    "fixed_asset_investment": investments,
    "opened_on": dates,
    "licence_registered_on": dates,
    "income_reinvested": st.booleans(),
    "sponsor_contribution": money,
    "sponsor_original_investment": money,
    "annual_surplus": money,
    "payroll_total": money,
    "property_value": money,
    "land_area": money,
    "liquidation_assets": money,
    "donated_and_state_funds": money,
    "medical_elderly_care": st.booleans(),  # declared by rules/baotou/facts.toml
}


def consistent(raw: dict[str, Any]) -> dict[str, Any]:
    """The profile without its hospital_level where its grade implies another level (such a
    profile is refused: tests/test_bad_input.py)."""
    grade, level = SCHEMA["grade"], SCHEMA["hospital_level"]
    if "grade" not in raw or "hospital_level" not in raw:
        return raw
    implied = grade.implies["hospital_level"].get(str(grade.canonical(raw["grade"])))
    if implied is None or level.canonical(str(raw["hospital_level"])) == implied:
        return raw
    return {key: value for key, value in raw.items() if key != "hospital_level"}


# a Zhengzhou profile gives no fact another city's folder declares (refused: it is that
# city's alone, tests/test_rule_format.py)
ZHENGZHOU_VALUES = {name: values for name, values in FACT_VALUES.items()
                    if SCHEMA[name].scope in (None, "zhengzhou")}
complete_profiles = st.fixed_dictionaries({"city": st.just("zhengzhou"),
                                           **ZHENGZHOU_VALUES}).map(consistent)
partial_profiles = st.fixed_dictionaries({"city": st.just("zhengzhou")},
                                         optional=ZHENGZHOU_VALUES).map(consistent)


def run(raw: dict[str, Any], as_of: date, book: RuleBook = BOOK) -> Assessment:
    return assess(parse_profile(raw, book.schema, book.cities), book, as_of)


def result_of(assessment: Assessment, rule_id: str) -> Result:
    found = [r for r in assessment.results if r.rule.id == rule_id]
    assert len(found) == 1, rule_id
    return found[0]


def test_generators_cover_every_profile_key() -> None:
    writable = {name for name, fact in SCHEMA.facts.items() if not fact.derived}
    assert writable - {"city"} == set(FACT_VALUES)
    assert DISTRICTS and NOT_DISTRICTS
    assert {INVESTMENT, GRADE, PROPERTY_TAX} <= {r.id for r in BOOK.rules["zhengzhou"]}


# --- zhengzhou.investment-reward -------------------------------------------------------------


def investment_profile(investment: Decimal, kind: str, district: str,
                       opened_on: date) -> dict[str, Any]:
    return {
        "city": "zhengzhou",
        "district": district,
        "sponsor": "social",
        "newly_built": True,
        "leading_level": False,
        "featured_services": False,
        "kind": kind,
        "fixed_asset_investment": investment,
        "opened_on": opened_on,
    }


def as_if_counted(result: Result, event: date) -> Result:
    """An event before the policy is not new under it: not eligible, and beside it what
    the rule would give if earlier events counted (which the checks below then read)."""
    if event >= POLICY_SIGNED:
        return result
    assert result.status == "not_eligible" and result.if_counted is not None
    return result.if_counted


def investment_result(investment: Decimal, kind: str, district: str, opened_on: date,
                      as_of: date) -> Result:
    raw = investment_profile(investment, kind, district, opened_on)
    return result_of(run(raw, as_of), INVESTMENT)


@SETTINGS
@given(investments, st.sampled_from(sorted(RATE)), st.sampled_from(DISTRICTS), dates,
       in_force_dates)
@example(D("49999999.99"), "general", "金水区", date(2024, 2, 29), date(2026, 1, 1))
@example(D("50000000"), "general", "金水区", date(2024, 2, 29), date(2026, 1, 1))
@example(D("50000000.00"), "nursing", "二七区", date(2024, 3, 15), date(2026, 1, 1))
@example(D("50000000.01"), "hospice", "金水区", date(2019, 1, 31), date(2026, 1, 1))
@example(D("83333333"), "rehabilitation", "中原区", date(2020, 2, 29), date(2020, 3, 1))
def test_investment_reward_amount_and_threshold(investment: Decimal, kind: str, district: str,
                                                opened_on: date, as_of: date) -> None:
    result = investment_result(investment, kind, district, opened_on, as_of)
    if investment < THRESHOLD:
        assert result.status == "not_eligible"
        assert result.amount is None
        assert result.payers == [] and result.schedule == []
        return
    result = as_if_counted(result, opened_on)
    assert result.status == "eligible"
    assert result.amount == to_fen(investment * RATE[kind])
    assert result.amount is not None and result.amount.as_tuple().exponent == -2


@SETTINGS
@given(investments, st.sampled_from(sorted(RATE)), st.sampled_from(NOT_DISTRICTS), dates,
       in_force_dates)
def test_investment_reward_only_in_districts(investment: Decimal, kind: str, district: str,
                                            opened_on: date, as_of: date) -> None:
    result = investment_result(investment, kind, district, opened_on, as_of)
    assert result.status == "not_eligible"
    assert result.amount is None


@FEW
@given(investments, st.sampled_from(sorted(RATE)), st.sampled_from(DISTRICTS), dates,
       st.dates(date(2015, 1, 1), POLICY_SIGNED - relativedelta(days=1)))
def test_investment_reward_not_before_the_policy(investment: Decimal, kind: str, district: str,
                                                opened_on: date, as_of: date) -> None:
    assert investment_result(investment, kind, district, opened_on, as_of).status == \
        "not_eligible"


def _reward(investment: Decimal, kind: str, district: str, opened_on: date) -> Decimal:
    result = investment_result(investment, kind, district, opened_on, date(2026, 1, 1))
    assert result.status in ("eligible", "not_eligible")
    return result.amount if result.status == "eligible" and result.amount else D(0)


@SETTINGS
@given(investments, investments, st.sampled_from(sorted(RATE)), st.sampled_from(DISTRICTS),
       dates)
@example(D("49999999.99"), D("50000000"), "general", "金水区", date(2024, 1, 1))
def test_investment_reward_is_monotonic(a: Decimal, b: Decimal, kind: str, district: str,
                                        opened_on: date) -> None:
    low, high = sorted([a, b])
    assert _reward(low, kind, district, opened_on) <= _reward(high, kind, district, opened_on)


@SETTINGS
@given(st.integers(50_000_000, 10**11).map(D) | st.integers(5 * 10**9, 10**13).map(fen),
       st.sampled_from(sorted(RATE)), st.sampled_from(DISTRICTS), dates, in_force_dates)
@example(D("50000000.01"), "general", "金水区", date(2024, 2, 29), date(2026, 1, 1))
@example(D("50000000.50"), "nursing", "金水区", date(2024, 2, 29), date(2026, 1, 1))
@example(D("50000001"), "general", "惠济区", date(2023, 12, 31), date(2026, 1, 1))
def test_investment_reward_payers_and_instalments(investment: Decimal, kind: str, district: str,
                                                  opened_on: date, as_of: date) -> None:
    result = as_if_counted(investment_result(investment, kind, district, opened_on, as_of),
                           opened_on)
    assert result.status == "eligible"
    amount = result.amount
    assert amount is not None

    assert [p.payer for p in result.payers] == ["city", "district"]
    city, local = (p.amount for p in result.payers)
    assert city + local == amount
    assert abs(city - local) <= D("0.01")
    assert result.payers[0].label == "郑州市财政"
    assert [p.share for p in result.payers] == [D("0.5"), D("0.5")]
    assert result.payers[1].label == f"{district}财政"
    assert all(p.amount.as_tuple().exponent == -2 for p in result.payers)

    assert len(result.schedule) == 2
    first, second = result.schedule
    assert first.amount + second.amount == amount
    assert abs(first.amount - second.amount) <= D("0.02")
    assert first.due == opened_on and first.timing == "on_or_after"
    assert second.due == anniversary(opened_on, 2)
    if (opened_on.month, opened_on.day) != (2, 29):
        assert second.due == opened_on + relativedelta(years=2)
    assert second.timing == "no_later_than"
    for due in result.schedule:
        assert sum(p.amount for p in due.payers) == due.amount
    for index, payment in enumerate(result.payers):
        assert sum(due.payers[index].amount for due in result.schedule) == payment.amount


def test_investment_reward_second_instalment_from_29_february() -> None:
    result = investment_result(D(100_000_000), "nursing", "金水区",
                               date(2024, 2, 29), date(2025, 1, 1))
    assert result.amount == D("1200000.00")
    # rule.py (Offset.point): the anniversary of a 29 February in a common year is 1 March.
    # (dateutil's relativedelta alone would give 2026-02-28.)
    assert [d.due for d in result.schedule] == [date(2024, 2, 29), date(2026, 3, 1)]


# --- zhengzhou.grade-award -------------------------------------------------------------------

GRADE_AWARD = {"3A": (D(10_000_000), D(4_000_000), D(6_000_000)),
               "2A": (D(5_000_000), D(2_000_000), D(3_000_000))}


@SETTINGS
@given(st.sampled_from(names_of("grade")), st.sampled_from(DIVISION_NAMES), dates,
       in_force_dates, st.sampled_from(["social", "社会办", "民营"]))
@example("三级甲等", "金水区", date(2020, 1, 1), date(2026, 1, 1), "social")
@example("二级甲等", "中牟县", date(2020, 1, 1), date(2026, 1, 1), "社会办")
def test_grade_award(grade: str, district: str, attained: date, as_of: date,
                     sponsor: str) -> None:
    raw = {"city": "zhengzhou", "district": district, "sponsor": sponsor, "grade": grade,
           "grade_attained_on": attained}
    result = result_of(run(raw, as_of), GRADE)
    canonical = SCHEMA["grade"].canonical(grade)
    if canonical not in GRADE_AWARD:
        assert result.status == "not_eligible"
        assert result.amount is None
        return
    total, city, local = GRADE_AWARD[canonical]
    result = as_if_counted(result, attained)
    assert result.status == "eligible"
    assert result.amount == total
    assert [(p.payer, p.amount) for p in result.payers] == [("city", city), ("district", local)]
    assert [p.share for p in result.payers] == [D("0.4"), D("0.6")]
    assert sum(p.amount for p in result.payers) == result.amount
    assert len(result.schedule) == 1
    assert result.schedule[0].amount == total
    assert result.schedule[0].due == attained


def test_grade_award_not_for_public_hospitals() -> None:
    raw = {"city": "zhengzhou", "district": "金水区", "sponsor": "公立", "grade": "3A"}
    assert result_of(run(raw, date(2026, 1, 1)), GRADE).status == "not_eligible"


# --- zhengzhou.for-profit-property-tax-exemption ---------------------------------------------


def last_exempt_day(start: date, years: int = 3) -> date:
    """The day before the anniversary (rule-format.md); the anniversary of a 29 February in
    a common year is 1 March (rule.py, Offset.last_day)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February, common year
        anniversary = date(start.year + years, 3, 1)
    return anniversary - timedelta(days=1)


def test_last_exempt_day_agrees_with_the_documented_examples() -> None:
    assert last_exempt_day(date(2024, 3, 15)) == date(2027, 3, 14)
    assert last_exempt_day(date(2024, 2, 29)) == date(2027, 2, 28)
    # The formula start - 1 day + 3 years gives these too, but not this one:
    assert last_exempt_day(date(2025, 3, 1)) == date(2028, 2, 29)


@SETTINGS
@given(dates, in_force_dates)
@example(date(2024, 2, 29), date(2025, 1, 1))
@example(date(2024, 3, 15), date(2027, 3, 14))
@example(date(2024, 3, 15), date(2027, 3, 15))
@example(date(2028, 2, 29), date(2029, 1, 1))
@example(date(2015, 3, 1), date(2018, 8, 6))
@example(date(2021, 3, 1), date(2022, 1, 1))  # anniversary 2024-03-01, after a 29 February
@example(date(2025, 3, 1), date(2028, 2, 29))
def test_property_tax_exemption_period(registered: date, as_of: date) -> None:
    raw = {"city": "zhengzhou", "for_profit": True, "income_reinvested": True,
           "licence_registered_on": registered}
    result = result_of(run(raw, as_of), PROPERTY_TAX)
    end = last_exempt_day(registered)
    # The brief's formula; it matches the engine and the rule except for a 1 March start
    # whose third anniversary follows a 29 February.
    if not (registered.month == 3 and registered.day == 1):
        assert end == registered - relativedelta(days=1) + relativedelta(years=3)
    assert result.period == (registered, end)
    assert result.status == "eligible"  # an ended window is still the entitlement, past
    assert result.past is (as_of > end)


@pytest.mark.parametrize(
    ("registered", "end"),
    [
        (date(2024, 2, 29), date(2027, 2, 28)),
        (date(2024, 3, 15), date(2027, 3, 14)),
        (date(2024, 3, 1), date(2027, 2, 28)),
        (date(2023, 3, 1), date(2026, 2, 28)),
        (date(2025, 3, 1), date(2028, 2, 29)),
        (date(2024, 1, 1), date(2026, 12, 31)),
    ],
)
def test_property_tax_exemption_examples(registered: date, end: date) -> None:
    raw = {"city": "zhengzhou", "for_profit": "营利性", "income_reinvested": True,
           "licence_registered_on": registered}
    result = result_of(run(raw, max(registered, POLICY_SIGNED)), PROPERTY_TAX)
    assert result.status == "eligible"
    assert result.period == (registered, end)
    as_json = incentives.render.json.result_to_dict(result)
    assert as_json["period"] == {"start": registered.isoformat(), "end": end.isoformat()}


# --- unknown facts ---------------------------------------------------------------------------


def _group(result: Any) -> frozenset[str]:
    return frozenset({result.rule.id, *(other.rule.id for other in result.also)})


@settings(max_examples=100, deadline=None)
@given(complete_profiles, in_force_dates)
def test_an_unknown_fact_never_makes_a_result_eligible(raw: dict[str, Any], as_of: date) -> None:
    # a city rule and the national rule it restates make one result, led by either
    full = {_group(r): r for r in run(raw, as_of).results}
    for fact in raw:
        if fact == "city":
            continue
        reduced = {key: value for key, value in raw.items() if key != fact}
        for result in run(reduced, as_of).results:
            before = full[_group(result)]
            where = f"{result.rule.id} without {fact}"
            if before.status == "not_eligible":
                assert result.status != "eligible", where
            if before.status == "eligible" and result.amount is not None:
                assert result.amount == before.amount, where
            if before.status == "eligible" and result.period and None not in result.period:
                assert result.period == before.period, where
            if result.status == "eligible" and before.status == "eligible" and not result.range:
                assert [(p.payer, p.amount) for p in result.payers] == \
                    [(p.payer, p.amount) for p in before.payers], where


@SETTINGS
@given(partial_profiles, dates)
def test_needs_info_names_missing_facts(raw: dict[str, Any], as_of: date) -> None:
    assessment = run(raw, as_of)
    for result in assessment.results:
        if result.status == "needs_info":
            assert result.missing, result.rule.id
            assert not set(result.missing) & set(assessment.profile.facts), result.rule.id
        if result.status == "eligible" and result.rule.kind == "cash":
            assert (result.amount is None) == (result.range is not None)


# --- order independence ----------------------------------------------------------------------


@SETTINGS
@given(st.data(), partial_profiles, dates)
def test_profile_key_order_does_not_matter(data: st.DataObject, raw: dict[str, Any],
                                           as_of: date) -> None:
    shuffled = dict(data.draw(st.permutations(list(raw.items()))))
    assert assessment_to_dict(run(shuffled, as_of)) == assessment_to_dict(run(raw, as_of))
    reversed_raw = dict(reversed(list(raw.items())))
    assert incentives.render.json.to_json(run(reversed_raw, as_of)) == \
        incentives.render.json.to_json(run(raw, as_of))


def _reorder_rule_file(text: str) -> str:
    """The same [[rule]] tables, last first."""
    header, *rules = text.split("\n[[rule]]\n")
    return header + "".join("\n[[rule]]\n" + rule for rule in reversed(rules))


@pytest.fixture(scope="module")
def reordered_book(tmp_path_factory: pytest.TempPathFactory) -> RuleBook:
    source = bundled_rules_dir()
    root = tmp_path_factory.mktemp("rules")
    shutil.copytree(source / "params", root / "params")
    shutil.copytree(source / "national", root / "national")
    shutil.copytree(source / "baotou", root / "baotou")
    city_dir = root / "zhengzhou"
    city_dir.mkdir()
    shutil.copy(source / "zhengzhou" / "city.toml", city_dir / "city.toml")
    shutil.copytree(source / "zhengzhou" / "params", city_dir / "params")
    files = sorted(p for p in (source / "zhengzhou").glob("*.toml") if p.name != "city.toml")
    for index, path in enumerate(files):  # names that sort the other way round
        new_name = f"{chr(ord('z') - index)}-{path.stem}-rules.toml"
        (city_dir / new_name).write_text(_reorder_rule_file(path.read_text("utf-8")), "utf-8")
    return load_rulebook([root])


def test_reordered_book_really_is_reordered(reordered_book: RuleBook) -> None:
    original = BOOK.rules["zhengzhou"]
    reordered = reordered_book.rules["zhengzhou"]
    assert sorted(r.id for r in original) == sorted(r.id for r in reordered)
    load_order = sorted(reordered, key=lambda r: (r.file, r.line))
    assert [r.id for r in load_order] != [r.id for r in sorted(original,
                                                               key=lambda r: (r.file, r.line))]


@SETTINGS
@given(partial_profiles, dates)
def test_rule_file_order_does_not_matter(reordered_book: RuleBook, raw: dict[str, Any],
                                         as_of: date) -> None:
    assert assessment_to_dict(run(raw, as_of, reordered_book)) == \
        assessment_to_dict(run(raw, as_of, BOOK))


# --- the JSON contract -----------------------------------------------------------------------

TWO_PLACES = re.compile(r"^\d+\.\d{2}$")


def _amounts(node: Any) -> list[Any]:
    """Every value under an "amount" key, anywhere."""
    found: list[Any] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "amount":
                found.append(value)
            found += _amounts(value)
    elif isinstance(node, list):
        for item in node:
            found += _amounts(item)
    return found


@SETTINGS
@given(partial_profiles, dates)
@example({"city": "zhengzhou", "district": "上街区", "sponsor": "social", "newly_built": True,
          "fixed_asset_investment": D("50000000"), "opened_on": date(2019, 1, 1)},
         date(2019, 1, 1))  # the kind unknown: the reward is a range, counted at its least
@example({"city": "zhengzhou", "district": "金水区", "sponsor": "social", "newly_built": True,
          "fixed_asset_investment": D("83333333"), "kind": "nursing", "opened_on": date(2024, 3, 1),
          "grade": "3A", "grade_attained_on": date(2024, 1, 1), "for_profit": False,
          "annual_surplus": D(10**6), "sponsor_contribution": D(10**7)}, date(2026, 1, 1))
def test_json_round_trips_and_amounts_are_strings(raw: dict[str, Any], as_of: date) -> None:
    assessment = run(raw, as_of)
    data = assessment_to_dict(assessment)
    assert json.loads(incentives.render.json.to_json(assessment)) == data
    amounts = _amounts(data)
    assert len(amounts) >= len(data["results"])
    for amount in amounts:
        assert amount is None or (isinstance(amount, str) and TWO_PLACES.match(amount)), amount
    totals = data["totals"]
    assert TWO_PLACES.match(totals["cash"])
    assert all(TWO_PLACES.match(v) for v in totals["by_payer"].values())
    eligible_cash = [r for r in data["results"]
                     if r["kind"] == "cash" and r["status"] == "eligible"]

    def least(r: dict[str, Any]) -> D:  # the certain amount: exact, or a range's least
        return D(r["amount"] if r["range"] is None else r["range"]["least"])

    def least_parts(r: dict[str, Any]) -> list[dict[str, Any]]:
        return r["payers"] if r["range"] is None else [
            {"payer": p["payer"], "amount": p["least"]} for p in r["range"]["payers"]]

    assert D(totals["cash"]) == sum((least(r) for r in eligible_cash), D("0.00"))
    for payer, total in totals["by_payer"].items():
        assert D(total) == sum((D(p["amount"]) for r in eligible_cash for p in least_parts(r)
                                if p["payer"] == payer), D("0.00"))
    for result in data["results"]:
        assert result["status"] in ("eligible", "not_eligible", "needs_info")
        if result["amount"] is not None and result["payers"]:
            assert sum(D(p["amount"]) for p in result["payers"]) == D(result["amount"])
        if result["schedule"]:
            assert sum(D(s["amount"]) for s in result["schedule"]) == D(result["amount"])
