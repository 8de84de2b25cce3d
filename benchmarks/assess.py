"""Warm `assess()` of one institution in a running process, with the full trace.

    python benchmarks/assess.py [--runs 7] [--against CHECKOUT]

Each run is a fresh process that loads the bundled rules and the example profiles, assesses
them once (so what is worked out per date is in place), then times repeated assessments
for half a second: µs per institution. The median of the runs is printed beside the target
(100 µs, issue 16) and, as the floor, a plain-Python Decimal function of two of the same
rules (the grade award and the investment reward, amounts, payers' parts and instalments,
no trace) timed in the same processes. It also times, in the same processes, what
re-assesses many times: `within_reach` over an assessment and one `whatif`.

With --against, each run of this checkout alternates with one of another checkout
(PYTHONPATH set to each in turn); the medians of both are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_US = 100.0
AS_OF = date(2026, 11, 22)
FIGURES = ("assess", "plain", "reach", "whatif")
LABELS = {
    "assess": "assess(), full trace",
    "plain": "plain Decimal function",
    "reach": "within_reach, 3 profiles",
    "whatif": "whatif grade=2A",
}


def per_call_us(work: Callable[[], int], seconds: float = 0.5) -> float:
    """µs per item of `work` (which returns how many items it did), over `seconds`."""
    start, done = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        done += work()
    return (time.perf_counter() - start) / done * 1e6


# --- the floor: two of the rules as a plain function ----------------------------------------

FEN = Decimal("0.01")


def _split(amount: Decimal, shares: list[int]) -> list[Decimal]:
    whole = sum(shares)
    parts = [(amount * share / whole).quantize(FEN) for share in shares]
    parts[-1] += amount - sum(parts)
    return parts


def plain_rules(facts: dict[str, Any]) -> list[tuple[str, Decimal, list[Decimal]]]:
    """郑政办〔2018〕71号 (十九): the grade award and the investment reward, by hand."""
    found = []
    social = facts.get("sponsor") == "social"
    if social and facts.get("grade") in ("3A", "2A"):
        amount = Decimal("10000000") if facts["grade"] == "3A" else Decimal("5000000")
        found.append(("grade-award", amount, _split(amount, [4, 6])))
    investment = facts.get("fixed_asset_investment")
    if (social and facts.get("newly_built") and facts.get("division_type") == "district"
            and investment is not None and investment >= Decimal("50000000")):
        rate = Decimal("0.012") if facts.get("leading_level") else Decimal("0.01")
        amount = (investment * rate).quantize(FEN)
        halves = [part for half in _split(amount, [1, 1]) for part in _split(half, [1, 1])]
        found.append(("investment-reward", amount, halves))
    return found


# --- one run, in this process ---------------------------------------------------------------


def child() -> None:
    from incentives import assess, load_profile, load_rulebook
    from incentives.assessment.reach import within_reach
    from incentives.assessment.whatif import whatif

    book = load_rulebook()
    profiles = [load_profile(path, book) for path in sorted((ROOT / "examples").glob("*.toml"))]
    facts = [dict(profile.facts) for profile in profiles]
    assessments = [assess(profile, book, AS_OF) for profile in profiles]

    def assess_all() -> int:
        for profile in profiles:
            assess(profile, book, AS_OF)
        return len(profiles)

    def plain_all() -> int:
        for each in facts:
            plain_rules(each)
        return len(facts)

    def reach_all() -> int:
        for assessment in assessments:
            within_reach(assessment, book)
        return 1

    def whatif_one() -> int:
        whatif(profiles[0], book, AS_OF, {"grade": "二级甲等"})
        return 1

    figures = {"assess": per_call_us(assess_all), "plain": per_call_us(plain_all),
               "reach": per_call_us(reach_all), "whatif": per_call_us(whatif_one)}
    print(json.dumps(figures))


# --- the runs, alternating ------------------------------------------------------------------


def one_run(checkout: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child"],
                          check=True, capture_output=True, text=True, env=env, cwd=checkout)
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def medians(checkouts: list[Path], runs: int) -> list[dict[str, float]]:
    seen: list[dict[str, list[float]]] = [{name: [] for name in FIGURES} for _ in checkouts]
    for _ in range(runs):
        for index, checkout in enumerate(checkouts):
            for name, value in one_run(checkout).items():
                seen[index][name].append(value)
    return [{name: statistics.median(values) for name, values in each.items()} for each in seen]


def report(checkouts: list[Path], results: list[dict[str, float]], runs: int) -> None:
    print(f"median of {runs} runs each, alternating; µs (per institution for assess)")
    print("  " + " " * 26 + "".join(f"{c.name[:14]:>16}" for c in checkouts))
    for name in FIGURES:
        print(f"  {LABELS[name]:<26}" + "".join(f"{r[name]:>14.1f}µs" for r in results))
    mine = results[-1]
    verdict = "met" if mine["assess"] <= TARGET_US else "NOT MET"
    print(f"  target: assess ≤ {TARGET_US:.0f} µs; {ROOT.name}: {mine['assess']:.0f} µs, "
          f"ratio {mine['assess'] / TARGET_US:.2f} ({verdict}); "
          f"against the plain function: {mine['assess'] / mine['plain']:.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--against", type=Path, help="another checkout to alternate with")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child()
        return
    checkouts = [options.against.resolve(), ROOT] if options.against else [ROOT]
    report(checkouts, medians(checkouts, options.runs), options.runs)


if __name__ == "__main__":
    main()
