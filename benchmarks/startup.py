"""Start-up time of one `incentives check` in a fresh process (median of repeated runs).

    python benchmarks/startup.py [--runs 21] [--profile examples/…toml] [--against CHECKOUT]

With --against, each run of this checkout's `check` alternates with one of the same command
from another checkout (PYTHONPATH set to each in turn), so that a before/after comparison
shares whatever else the machine is doing; the medians of both are printed.

Targets (issue: the engine and `incentives check`): JSON ≤ 0.15 s, table ≤ 0.25 s median.
Run it with the interpreter of the environment `incentives` is installed in.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"json": 0.15, "table": 0.25}


def command() -> list[str]:
    script = Path(sys.executable).parent / "incentives"
    if script.exists():
        return [str(script)]
    found = shutil.which("incentives")
    return [found] if found else [sys.executable, str(ROOT / "cli.py")]


def median_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def alternating(args: list[str], checkouts: list[Path], runs: int) -> list[float]:
    """The median time of `args` run with each checkout first on PYTHONPATH, in turn."""
    times: list[list[float]] = [[] for _ in checkouts]
    for _ in range(runs):
        for index, checkout in enumerate(checkouts):
            env = dict(os.environ, PYTHONPATH=str(checkout))
            start = time.perf_counter()
            subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
            times[index].append(time.perf_counter() - start)
    return [statistics.median(each) for each in times]


def compare(base: list[str], other: Path, runs: int) -> None:
    checkouts = [other.resolve(), ROOT]
    alternating([*base, "--format", "json"], checkouts, 2)  # warm both caches
    print(f"median of {runs} fresh processes each, alternating: {checkouts[0]} | {ROOT}")
    for fmt in TARGETS:
        before, after = alternating([*base, "--format", fmt], checkouts, runs)
        print(f"  check --format {fmt:<5}  {before:.3f} s | {after:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--profile", default=str(ROOT / "examples" / "3a-general-hospital.toml"))
    parser.add_argument("--against", type=Path, help="another checkout to alternate with")
    options = parser.parse_args()
    base = [*command(), "check", options.profile, "--as-of", "2026-11-22"]
    if options.against:
        compare(base, options.against, options.runs)
        return
    median_seconds([*base, "--format", "json"], 2)  # warm the file cache
    print(f"median of {options.runs} fresh processes")
    python = [sys.executable, "-c"]
    for label, code in (("python itself", "pass"), ("import click", "import click"),
                        ("import click, rich", "import click, rich.console, rich.table")):
        print(f"  {label:<20}  {median_seconds([*python, code], options.runs):.3f} s   (baseline)")
    for fmt, target in TARGETS.items():
        seconds = median_seconds([*base, "--format", fmt], options.runs)
        verdict = "ok" if seconds <= target else "OVER TARGET"
        print(f"  check --format {fmt:<5}  {seconds:.3f} s   (target {target:.2f} s: {verdict})")


if __name__ == "__main__":
    main()
