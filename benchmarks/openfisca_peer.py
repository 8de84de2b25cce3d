"""The peer of `incentives batch --per-institution`: the same Zhengzhou screening as an
OpenFisca tax-benefit system would do it, for benchmarks/batch.py to time beside it.

    /tmp/ofvenv/bin/python benchmarks/openfisca_peer.py REGISTRY.csv OUT.csv

Run it with an interpreter that has openfisca-core and pandas (`python3 -m venv
/tmp/ofvenv && /tmp/ofvenv/bin/pip install openfisca-core pandas`), never the project's:
it is the one thing here that computes in floats. It does what an OpenFisca pipeline
does: pandas reads the CSV, the cells are mapped to values (yes/no, kinds, grades, the
division type of each district, amounts written in 万 or 亿), a simulation computes 13
variables in float32 (as OpenFisca stores them, so 49,999,999 passes 50,000,000), and
pandas writes a CSV of one row per institution. Its figures are approximate by design;
they are the peer's cost, not the project's answers.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from openfisca_core.entities import build_entity
from openfisca_core.periods import YEAR
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

Institution = build_entity(key="institution", plural="institutions", label="医疗机构",
                           is_person=True)
PERIOD = "2026"  # the as-of year
YES = {"是": True, "true": True, "新建": True, "营利性": True, "社会办": True, "social": True}
DISTRICTS = {"中原区", "二七区", "管城回族区", "金水区", "上街区", "惠济区"}
TRADITIONAL = {"中医医院", "中西医结合医院", "民族医医院"}
SHORTAGE = {"康复医院", "护理院", "老年病医院", "安宁疗护"}
GRADES = {"三级甲等": 3, "二级甲等": 2}


def variable(name: str, kind: type, formula: object = None) -> type:
    attributes = {"value_type": kind, "entity": Institution, "definition_period": YEAR,
                  "label": name}
    if formula is not None:
        attributes["formula"] = formula
    return type(name, (Variable,), attributes)


INPUTS = {"social": bool, "for_profit": bool, "newly_built": bool, "in_district": bool,
          "featured": bool, "shortage": bool, "leading": bool, "grade_code": int,
          "investment": float, "payroll": float, "contribution": float, "surplus": float}


def _socially_run(i, p):
    return i("social", p)


def _non_profit(i, p):
    return i("socially_run", p) * np.logical_not(i("for_profit", p))


def _grade_award(i, p):
    code = i("grade_code", p)
    return i("socially_run", p) * np.select([code == 3, code == 2], [1e7, 5e6], 0)


def _investment_rate(i, p):
    special = i("featured", p) + i("leading", p) + i("shortage", p)
    return np.where(special, np.float32(0.012), np.float32(0.01))


def _investment_reward(i, p):
    applies = i("socially_run", p) * i("newly_built", p) * i("in_district", p) * (
        i("investment", p) >= 5e7)
    return applies * i("investment", p) * i("investment_rate", p)


def _grade_city(i, p):
    return i("grade_award", p) * 0.4


def _grade_district(i, p):
    return i("grade_award", p) * 0.6


def _investment_city(i, p):
    return i("investment_reward", p) * 0.5


def _investment_district(i, p):
    return i("investment_reward", p) * 0.5


def _cash(i, p):
    return i("grade_award", p) + i("investment_reward", p)


def _cash_city(i, p):
    return i("grade_city", p) + i("investment_city", p)


def _cash_district(i, p):
    return i("grade_district", p) + i("investment_district", p)


def _sponsor_cap(i, p):
    cap = np.minimum(i("surplus", p), i("contribution", p) * 1.2 * 0.0435)
    return i("non_profit", p) * np.maximum(0, cap)


def _annuity_deduction(i, p):
    return i("for_profit", p) * i("payroll", p) * 0.05


OUTPUTS = {"socially_run": (bool, _socially_run), "non_profit": (bool, _non_profit),
           "grade_award": (float, _grade_award), "investment_rate": (float, _investment_rate),
           "investment_reward": (float, _investment_reward),
           "grade_city": (float, _grade_city), "grade_district": (float, _grade_district),
           "investment_city": (float, _investment_city),
           "investment_district": (float, _investment_district), "cash": (float, _cash),
           "cash_city": (float, _cash_city), "cash_district": (float, _cash_district),
           "sponsor_annual_cap": (float, _sponsor_cap),
           "annuity_deduction": (float, _annuity_deduction)}


class Zhengzhou(TaxBenefitSystem):
    def __init__(self) -> None:
        super().__init__([Institution])
        for name, kind in INPUTS.items():
            self.add_variable(variable(name, kind))
        for name, (kind, formula) in OUTPUTS.items():
            self.add_variable(variable(name, kind, formula))


def amounts(column: pd.Series) -> np.ndarray:
    """`8650万`, `1.2亿`, `86500000.25` as float32 yuan (0 where blank or unreadable)."""
    text = column.str.strip()
    scale = np.where(text.str.endswith("亿"), 1e8, np.where(text.str.endswith("万"), 1e4, 1))
    number = pd.to_numeric(text.str.rstrip("万亿"), errors="coerce").fillna(0).to_numpy()
    return (number * scale).astype(np.float32)


def inputs(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    def yes(name: str) -> np.ndarray:
        return frame[name].map(YES).fillna(False).to_numpy(dtype=bool)

    kind = frame["kind"]
    return {"social": yes("sponsor"), "for_profit": yes("for_profit"),
            "newly_built": yes("newly_built"),
            "in_district": frame["district"].isin(DISTRICTS).to_numpy(),
            "featured": (kind.isin(TRADITIONAL) & frame["featured_services"].map(YES)
                         .fillna(False).astype(bool)).to_numpy(),
            "shortage": kind.isin(SHORTAGE).to_numpy(), "leading": yes("leading_level"),
            "grade_code": frame["grade"].map(GRADES).fillna(0).to_numpy(dtype=np.int32),
            "investment": amounts(frame["fixed_asset_investment"]),
            "payroll": amounts(frame["payroll_total"]),
            "contribution": amounts(frame["sponsor_contribution"]),
            "surplus": amounts(frame["annual_surplus"])}


def main(source: str, target: str) -> None:
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    system = Zhengzhou()
    simulation = SimulationBuilder().build_default_simulation(system, len(frame))
    for name, values in inputs(frame).items():
        simulation.set_input(name, PERIOD, values)
    out = pd.DataFrame({"row": np.arange(1, len(frame) + 1), "name": frame["name"],
                        "district": frame["district"]})
    for name in OUTPUTS:
        out[name] = simulation.calculate(name, PERIOD)
    out.to_csv(target, index=False, float_format="%.2f")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
