"""Start-up time of one `incentives check` in a fresh process, against its floors.

    python benchmarks/startup.py [--runs 21] [--profile examples/…toml] [--against CHECKOUT]

Each round runs, one after the other, the floors `python -c "import click"` and
`python -c "import click, rich.console"` and `check --format json` and `--format table`
(and, with --against, the same two commands of another checkout, PYTHONPATH set to each
in turn), so that every figure shares whatever else the machine is doing. Printed: the
median wall time of each, and its CPU time (user + system of the process, which a busy
machine inflates less), and the ratios the targets are set in (issue 16):

- `check --format json`  ≤ 1.4 × `import click`
- `check --format table` ≤ 1.4 × `import click, rich.console`

A fresh process should find compiled bytecode, as an installed program does: the
commands run without PYTHONDONTWRITEBYTECODE, after two warm-up rounds (which also fill
the rule book cache). Run it with the interpreter of the environment `incentives` is
installed in.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.4
FLOORS = {"json": "import click", "table": "import click, rich.console"}


def command() -> list[str]:
    script = Path(sys.executable).parent / "incentives"
    if script.exists():
        return [str(script)]
    found = shutil.which("incentives")
    return [found] if found else [sys.executable, str(ROOT / "cli.py")]


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `args`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def environment(checkout: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    return env


def rounds(runs: dict[str, tuple[list[str], dict[str, str]]], count: int
           ) -> dict[str, tuple[float, float]]:
    """The median wall and CPU seconds of each command, run in turn `count` times."""
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(2):  # warm-up: bytecode written, rule book cache filled
        for args, env in runs.values():
            timed(args, env)
    for _ in range(count):
        for name, (args, env) in runs.items():
            seen[name].append(timed(args, env))
    return {name: (statistics.median(w for w, _ in times), statistics.median(c for _, c in times))
            for name, times in seen.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--profile", default=str(ROOT / "examples" / "3a-general-hospital.toml"))
    parser.add_argument("--against", type=Path, help="another checkout to alternate with")
    options = parser.parse_args()
    base = [*command(), "check", options.profile, "--as-of", "2026-11-22"]
    here = environment(ROOT if options.against else None)
    python = [sys.executable, "-c"]
    runs = {code: ([*python, code], here) for code in FLOORS.values()}
    checkouts = [("", here)]
    if options.against:
        checkouts.insert(0, (f" ({options.against.name})", environment(options.against.resolve())))
    for suffix, env in checkouts:
        for fmt in FLOORS:
            runs[f"check --format {fmt}{suffix}"] = ([*base, "--format", fmt], env)
    found = rounds(runs, options.runs)
    print(f"median of {options.runs} fresh processes each, in turn; wall and CPU seconds")
    for name, (wall, cpu) in found.items():
        label = f'python -c "{name}"' if name in FLOORS.values() else name
        print(f"  {label:<44} {wall:.3f} s  cpu {cpu:.3f} s")
    for suffix, _ in checkouts:
        for fmt, floor in FLOORS.items():
            wall, cpu = found[f"check --format {fmt}{suffix}"]
            ratio, cpu_ratio = wall / found[floor][0], cpu / found[floor][1]
            verdict = "met" if ratio <= TARGET else "NOT MET"
            print(f"  check --format {fmt}{suffix} / {floor}: {ratio:.2f} (cpu {cpu_ratio:.2f}); "
                  f"target ≤ {TARGET}: {verdict}")


if __name__ == "__main__":
    main()
