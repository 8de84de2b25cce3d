"""What the policy texts say, provision by provision, for tests/test_accuracy*.py.

For each bundled rule: its provision code, the date its document puts it in force, a
profile under which it applies (its witness), and every threshold its text sets. The
tables are written from the documents in sources/ (and rules/*/city.toml), not from the
rule files, so that a rule file that drifts from its text fails a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from incentives import assess, parse_profile
from incentives.load.rulebook import RuleBook
from incentives.model.result import Result

D = Decimal
ZZ_SIGNED = date(2018, 8, 6)     # 郑政办〔2018〕71号
BT_SIGNED = date(2018, 12, 27)   # 包府办发〔2018〕151号

ZZ = {"city": "郑州", "district": "金水区", "sponsor": "社会办"}
BT = {"city": "包头", "district": "昆都仑区", "sponsor": "社会办"}
NEW_BUILD = {**ZZ, "newly_built": True, "fixed_asset_investment": "8000万", "kind": "general",
             "leading_level": False, "featured_services": False, "opened_on": "2025-04-28"}
PROPERTY = {"property_value": "5000万", "land_area": "20000"}
SPARED = {"property_value": 1, "land_area": 1}  # the taxes an exemption spares grow with them
FOR_PROFIT = {"for_profit": True, "income_reinvested": True,
              "licence_registered_on": "2024-03-15", "payroll_total": "3000万", **PROPERTY}
NON_PROFIT = {"for_profit": False, "annual_surplus": "950万", "sponsor_contribution": "6000万",
              "liquidation_assets": "2亿", "donated_and_state_funds": "3000万",
              "sponsor_original_investment": "6000万"}


@dataclass(frozen=True)
class Threshold:
    """`fact OP value` as the text sets it; `where` is the expression's place in the rule
    (`when`, `component: <its when>`, `note`); `below` and `above` are one step either side
    (one fen, one grade, one day); `applies` says on which of below/at/above it holds."""

    where: str
    fact: str
    op: str
    value: Any
    below: Any
    above: Any


@dataclass(frozen=True)
class Provision:
    code: str
    in_force: date
    witness: dict[str, Any]
    thresholds: tuple[Threshold, ...] = ()
    years: int = 0  # a bounded window or waiting time, in years, from `start`
    start: str = ""
    shares: tuple[tuple[str, Decimal], ...] = ()  # payers' shares of a cash amount
    instalments: tuple[tuple[Decimal, int], ...] = ()  # (share, years after the start)
    rises_with: dict[str, int] = field(default_factory=dict)  # fact: +1 rises, -1 falls


# 二级及以下 and 三级 name the level (级别), not the review grade: hospital_level
LEVEL_2_AND_BELOW = Threshold("component: kind in ['clinic', 'outpatient'] or "
                              "hospital_level <= '二级'", "hospital_level", "<=", "2", "1", "3")
PROVISIONS: dict[str, Provision] = {
    # 郑政办〔2018〕71号 (sources/zhengzhou-郑政办-2018-71.txt)
    "zhengzhou.grade-award": Provision(
        "ZZ-1", ZZ_SIGNED, {**ZZ, "grade": "3A", "grade_attained_on": "2025-06-18"},
        (Threshold("note", "grade_attained_on", "<", ZZ_SIGNED, ZZ_SIGNED - timedelta(1),
                   ZZ_SIGNED + timedelta(1)),
         Threshold("event", "grade_attained_on", ">=", ZZ_SIGNED, ZZ_SIGNED - timedelta(1),
                   ZZ_SIGNED + timedelta(1))),
        start="grade_attained_on", shares=(("city", D(4)), ("district", D(6))),
        instalments=((D(1), 0),)),
    "zhengzhou.investment-reward": Provision(
        "ZZ-2", ZZ_SIGNED, NEW_BUILD,
        (Threshold("when", "fixed_asset_investment", ">=", D(50_000_000), D("49999999.99"),
                   D("50000000.01")),
         Threshold("note", "opened_on", "<", ZZ_SIGNED, ZZ_SIGNED - timedelta(1),
                   ZZ_SIGNED + timedelta(1)),
         Threshold("event", "opened_on", ">=", ZZ_SIGNED, ZZ_SIGNED - timedelta(1),
                   ZZ_SIGNED + timedelta(1))),
        start="opened_on", shares=(("city", D(1)), ("district", D(1))),
        instalments=((D("0.5"), 0), (D("0.5"), 2)), rises_with={"fixed_asset_investment": 1}),
    "zhengzhou.for-profit-property-tax-exemption": Provision(
        "ZZ-3", ZZ_SIGNED, {**ZZ, **FOR_PROFIT}, years=3, start="licence_registered_on",
        rises_with=SPARED),
    "zhengzhou.medical-services-vat-exemption": Provision("ZZ-4", ZZ_SIGNED, ZZ),
    "zhengzhou.non-profit-income-tax": Provision("ZZ-5", ZZ_SIGNED, {**ZZ, **NON_PROFIT}),
    "zhengzhou.sponsor-annual-award-cap": Provision(
        "ZZ-6", ZZ_SIGNED, {**ZZ, **NON_PROFIT},
        (Threshold("note", "annual_surplus", "<", D(0), D("-0.01"), D("0.01")),),  # a loss
        rises_with={"annual_surplus": 1, "sponsor_contribution": 1}),
    "zhengzhou.sponsor-liquidation-award-cap": Provision(
        "ZZ-7", ZZ_SIGNED, {**ZZ, **NON_PROFIT},
        rises_with={"liquidation_assets": 1, "donated_and_state_funds": -1,
                    "sponsor_original_investment": -1}),
    "zhengzhou.annuity-insurance-deduction": Provision(
        "ZZ-8", ZZ_SIGNED, {**ZZ, **FOR_PROFIT}, rises_with={"payroll_total": 1}),
    "zhengzhou.medical-insurance-designation": Provision(
        "ZZ-9", ZZ_SIGNED, {**ZZ, "kind": "general", "hospital_level": "2",
                            "opened_on": "2025-04-28"},
        (Threshold("when", "hospital_level", ">=", "2", "1", "3"),), years=1, start="opened_on"),
    "zhengzhou.residential-utility-prices": Provision(
        "ZZ-10", ZZ_SIGNED, {**ZZ, "kind": "elderly_care_medical"}),
    "zhengzhou.simplified-approval": Provision(
        "ZZ-11", ZZ_SIGNED, ZZ,
        (LEVEL_2_AND_BELOW,
         Threshold("component: hospital_level >= '三级'", "hospital_level", ">=", "3", "2",
                   None))),  # nothing is above 三级
    "zhengzhou.land-supply": Provision("ZZ-12", ZZ_SIGNED, ZZ),
    # 包府办发〔2018〕151号 (sources/baotou-包府办发-2018-151.txt)
    "baotou.medical-services-vat-exemption": Provision("BT-1", BT_SIGNED, BT),
    "baotou.non-profit-income-tax": Provision("BT-2", BT_SIGNED, {**BT, **NON_PROFIT}),
    "baotou.non-profit-property-tax-exemption": Provision(
        "BT-3", BT_SIGNED, {**BT, **NON_PROFIT, **PROPERTY}, rises_with=SPARED),
    "baotou.for-profit-property-tax-exemption": Provision(
        "BT-4", BT_SIGNED, {**BT, **FOR_PROFIT}, years=3, start="licence_registered_on",
        rises_with=SPARED),
    "baotou.medical-insurance-equal-treatment": Provision("BT-5", BT_SIGNED, BT),
    "baotou.simplified-approval": Provision("BT-6", BT_SIGNED, BT, (LEVEL_2_AND_BELOW,)),
    "baotou.medical-elderly-care": Provision("BT-7", BT_SIGNED,
                                             {**BT, "medical_elderly_care": True}),
    "baotou.land-supply": Provision("BT-8", BT_SIGNED, BT),
    # the national tax rules (sources/national.md)
    "national.non-profit-property-tax-exemption": Provision(           # 财税〔2000〕42号
        "NAT-1", date(2000, 7, 10), {**ZZ, **NON_PROFIT, **PROPERTY}, rises_with=SPARED),
    "national.for-profit-property-tax-exemption": Provision(
        "NAT-1", date(2000, 7, 10), {**ZZ, **FOR_PROFIT}, years=3,
        start="licence_registered_on", rises_with=SPARED),
    "national.medical-services-vat-exemption": Provision(
        "NAT-2", date(2016, 5, 1), {**ZZ, "sponsor": "public"}),  # 财税〔2016〕36号
    "national.non-profit-income-tax": Provision(
        "NAT-3", date(2008, 1, 1), {**ZZ, **NON_PROFIT}),       # 财税〔2009〕122号
    "national.annuity-insurance-deduction": Provision(              # 财税〔2009〕27号
        "NAT-4", date(2008, 1, 1), {**BT, **FOR_PROFIT}, rises_with={"payroll_total": 1}),
}


def rule_result(book: RuleBook, raw: dict[str, Any], rule_id: str, as_of: date,
                **overrides: Decimal) -> Result:
    """The result of `rule_id` itself, whether it leads its line or is cited beside another."""
    profile = parse_profile(raw, book.schema, book.cities)
    for result in assess(profile, book, as_of, overrides or None).results:
        for candidate in (result, *result.also):
            if candidate.rule.id == rule_id:
                return candidate
    raise KeyError(rule_id)


def anniversary(start: date, years: int) -> date:
    """`years` after `start`, as the rule format defines it: 29 February's anniversary in a
    common year is 1 March. Worked out with the calendar alone, not with dateutil."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)
