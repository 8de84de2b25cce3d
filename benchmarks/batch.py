"""How fast `incentives batch` screens a registry, end to end, and how much memory it takes.

    python benchmarks/batch.py                       # N = 10k and 100k
    python benchmarks/batch.py --sizes 10k,100k,1M   # the whole ladder (1M takes a while)
    python benchmarks/batch.py --eval-only           # evaluation alone, µs per profile
    python benchmarks/batch.py --sizes 1M --shapes institution -- --jobs 1   # extra flags
    python benchmarks/batch.py --sizes 10k,100k,1M,5M --repeat 1   # scaling (5M made, then deleted)

For each N it writes N seeded, realistic Zhengzhou profiles to a CSV file (a mix of
kinds, grades and divisions, counties included; investments around the 5000万 threshold;
for-profit and non-profit; some facts left blank; about 0.5% bad rows), runs `incentives
batch` on it in a fresh process, and prints rows per second and the peak resident memory
of the largest process (getrusage of the children). Beside each run, in the same run and
alternating with it, it times the floor: pyarrow reading the same registry and writing a
CSV of the same size as that shape's output (`floor`), and prints project/floor; the
medians of `--repeat` alternating runs. With several sizes it prints the time per row and
the peak memory from the size before (time linear and memory flat: the ratio stays
near 1). A registry of 5M rows or more is generated for the run and deleted after it.
Evaluation alone times `assess` on profiles parsed beforehand, the full trace kept. Run it
with the interpreter of the environment `incentives` is installed in; the figures go in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-22"
COLUMNS = ["name", "city", "district", "sponsor", "for_profit", "kind", "grade",
           "grade_attained_on", "newly_built", "fixed_asset_investment", "opened_on",
           "licence_registered_on", "income_reinvested", "featured_services", "leading_level",
           "payroll_total", "sponsor_contribution", "annual_surplus"]
DISTRICTS = (["金水区"] * 6 + ["二七区"] * 4 + ["中原区"] * 4 + ["管城回族区"] * 3 + ["惠济区"] * 2
             + ["上街区", "中牟县", "中牟县", "巩义市", "荥阳市", "新密市", "新郑市", "登封市",
                "郑东新区", "经开区", "高新区", "航空港区"])
KINDS = (["诊所"] * 40 + ["门诊部"] * 18 + ["综合医院"] * 10 + ["专科医院"] * 8 + ["中医医院"] * 6
         + ["康复医院"] * 4 + ["护理院"] * 3 + ["中西医结合医院"] * 2 + ["老年病医院"] * 2
         + ["精神病医院", "儿童医院", "安宁疗护", "民族医医院", "养老机构内设医疗机构"])
HOSPITAL_GRADES = ["三级甲等", "三级乙等", "二级甲等", "二级甲等", "二级乙等", "一级甲等",
                   "一级甲等", "一级乙等", "未定级", "未定级"]
TRADITIONAL = ("中医医院", "中西医结合医院")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def profile(rng: random.Random, index: int) -> dict[str, str]:
    """One realistic institution, as a registry row of strings ("" = not known)."""
    kind = rng.choice(KINDS)
    hospital = kind not in ("诊所", "门诊部", "养老机构内设医疗机构")
    opened = date(2000, 1, 1) + timedelta(days=rng.randrange(9800))
    new = rng.random() < (0.35 if opened.year >= 2018 else 0.1)
    investment = ""
    if hospital or rng.random() < 0.2:
        yuan = int(5e7 * 2 ** rng.gauss(0, 1.5)) if hospital else rng.randrange(10**5, 5 * 10**6)
        if rng.random() < 0.05:
            yuan = 50_000_000 + rng.choice([-1, 0, 1])  # on the threshold
        form = rng.random()
        investment = (f"{yuan / 10_000:.4f}".rstrip("0").rstrip(".") + "万" if form < 0.4
                      else f"{yuan}.{rng.randrange(100):02d}" if form < 0.6 else str(yuan))
    grade = rng.choice(HOSPITAL_GRADES) if hospital else "未定级"
    row = {
        "name": f"郑州第{index}医疗机构",
        "city": rng.choice(["郑州市", "郑州市", "郑州", "zhengzhou"]),
        "district": rng.choice(DISTRICTS),
        "sponsor": rng.choice(["社会办"] * 6 + ["social", "公立"]),
        "for_profit": rng.choice(["营利性", "营利性", "非营利性", "true", "false"]),
        "kind": kind,
        "grade": grade,
        "grade_attained_on": "" if grade == "未定级" else
        (opened + timedelta(days=rng.randrange(365, 3000))).isoformat(),
        "newly_built": rng.choice(["是", "true"]) if new else rng.choice(["否", "false"]),
        "fixed_asset_investment": investment,
        "opened_on": opened.isoformat(),
        "licence_registered_on": (opened - timedelta(days=rng.randrange(60))).isoformat(),
        "income_reinvested": rng.choice(["是", "是", "是", "否"]),
        "featured_services": rng.choice(["是", "否"]) if kind in TRADITIONAL else "",
        "leading_level": "是" if rng.random() < 0.02 else "否",
        "payroll_total": f"{rng.randrange(50, 20000)}万" if rng.random() < 0.6 else "",
        "sponsor_contribution": f"{rng.randrange(100, 50000)}万" if rng.random() < 0.3 else "",
        "annual_surplus": str(rng.randrange(0, 10**8)) if rng.random() < 0.3 else "",
    }
    for key in COLUMNS[2:]:
        if rng.random() < 0.03:
            row[key] = ""  # not known
    if rng.random() < 0.005:  # a bad row
        key, value = rng.choice([("district", "朝阳区"), ("opened_on", "2021-02-30"),
                                 ("fixed_asset_investment", "-100万"), ("kind", "兽医院"),
                                 ("for_profit", "也许")])
        row[key] = value
    return row


def generate(path: Path, n: int, seed: int = 20181) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for index in range(1, n + 1):
            writer.writerow(profile(rng, index))


def command() -> list[str]:
    script = Path(sys.executable).parent / "incentives"
    return [str(script)] if script.exists() else [sys.executable, str(ROOT / "cli.py")]


def measure(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run, measured in a fresh helper process so
    the peak is this run's alone."""
    helper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
              "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
              "print(time.perf_counter() - t, "
              "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", helper, *args], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024


SHAPES = {"institution": ("per institution", ["--per-institution"]), "result": ("per result", [])}
PATHS = {"columnar": [], "reference": ["--no-columnar"]}
KEEP_AT_MOST = 2_000_000  # rows: a larger registry is made for the run and deleted after it

# The floor: pyarrow reads the registry (every column a string, as the batch reads it) and
# writes a CSV of `size` bytes, its rows taken over and over from what it read, in slices
# so that memory stays flat.
FLOOR = """
import sys, pyarrow as pa, pyarrow.csv as pacsv, numpy as np
source, target, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = open(source, encoding="utf-8").readline().rstrip("\\n").split(",")
table = pacsv.read_csv(source, convert_options=pacsv.ConvertOptions(
    column_types=dict.fromkeys(names, pa.string())))
sample = pa.BufferOutputStream()
pacsv.write_csv(table.slice(0, 10_000), sample, pacsv.WriteOptions(include_header=False))
per_row = len(sample.getvalue()) / min(10_000, len(table))
rows, step = int(size / per_row), 100_000
with pacsv.CSVWriter(target, table.schema) as writer:
    for at in range(0, rows, step):
        writer.write_table(table.take(np.arange(at, min(at + step, rows)) % len(table)))
"""


def floor_args(source: Path, target: Path, size: int) -> list[str]:
    return [sys.executable, "-c", FLOOR, str(source), str(target), str(size)]


def registry(folder: Path, n: int, suffix: str = ".csv") -> tuple[Path, bool]:
    """The registry of n rows (generated if not there; as JSON Lines, each row an object
    of its filled cells), and whether to delete it after."""
    source = folder / f"registry-{n}.csv"
    made = not source.exists()
    if made:
        generate(source, n)
    if suffix == ".csv":
        return source, made and n > KEEP_AT_MOST
    lines = source.with_suffix(suffix)
    made_lines = not lines.exists()
    if made_lines:
        with source.open(encoding="utf-8", newline="") as rows, \
                lines.open("w", encoding="utf-8") as out:
            for row in csv.DictReader(rows):
                out.write(json.dumps({k: v for k, v in row.items() if v != ""},
                                     ensure_ascii=False) + "\n")
    if made and n > KEEP_AT_MOST:
        source.unlink()
    return lines, made_lines and n > KEEP_AT_MOST


# registry and output suffixes of each format
FORMATS = {"csv": (".csv", ".csv"), "jsonl-in": (".jsonl", ".csv"),
           "jsonl-out": (".csv", ".jsonl"), "jsonl": (".jsonl", ".jsonl")}


PEER = ROOT / "benchmarks" / "openfisca_peer.py"


def end_to_end(sizes: list[int], shapes: list[str], path: str, extra: list[str],
               folder: Path, repeat: int, formats: list[str], peer: str | None = None
               ) -> None:
    per_row: dict[str, list[tuple[int, float, float]]] = {}
    for n in sizes:
        csv_seconds: dict[str, float] = {}
        for form in formats:
            source, delete = registry(folder, n, FORMATS[form][0])
            try:
                for shape in shapes:
                    if form in ("jsonl-out", "jsonl") and shape == "institution":
                        print(f"  N={n:>9,}  {SHAPES[shape][0]:<16} {form}: skipped (JSON "
                              "Lines out per institution is row by row)")
                        continue
                    seconds, peak = one_size(n, source, shape, path, extra, folder, repeat,
                                             form, csv_seconds.get(shape),
                                             peer if shape == "institution" else None)
                    if form == "csv":
                        csv_seconds[shape] = seconds
                        per_row.setdefault(shape, []).append((n, seconds, peak))
            finally:
                if delete:
                    source.unlink()
    if len(sizes) > 1 and per_row:
        scaling(per_row)


def one_size(n: int, source: Path, shape: str, path: str, extra: list[str], folder: Path,
             repeat: int, form: str = "csv", csv_seconds: float | None = None,
             peer: str | None = None) -> tuple[float, float]:
    """Project and floor (and, given the interpreter of an OpenFisca environment, the
    OpenFisca peer reading the same CSV), alternating, `repeat` times each; prints the
    medians (and for JSON Lines, the ratio to the CSV path of the same shape)."""
    label, flags = SHAPES[shape]
    output, floor_out = folder / f"out-{n}{FORMATS[form][1]}", folder / f"floor-{n}.csv"
    runs: list[tuple[float, float]] = []
    floors: list[tuple[float, float]] = []
    peers: list[tuple[float, float]] = []
    peer_out = folder / f"openfisca-{n}.csv"
    try:
        for _ in range(repeat):
            if peer is not None and form == "csv":
                peers.append(measure([peer, str(PEER), str(source), str(peer_out)]))
            runs.append(measure([*command(), "batch", str(source), "-o", str(output),
                                 "--as-of", AS_OF, "--summary", *flags, *PATHS[path],
                                 *extra]))
            size = output.stat().st_size
            floors.append(measure(floor_args(source.with_suffix(".csv"), floor_out, size)))
    finally:
        output.unlink(missing_ok=True)
        floor_out.unlink(missing_ok=True)
        peer_out.unlink(missing_ok=True)
    seconds = statistics.median(s for s, _ in runs)
    peak = statistics.median(p for _, p in runs)
    floor = statistics.median(s for s, _ in floors)
    against = "" if csv_seconds is None else f"  {form}/csv {seconds / csv_seconds:4.2f}"
    print(f"  N={n:>9,}  {label:<16} {form:<9} {seconds:7.2f} s  {n / seconds:>9,.0f} rows/s"
          f"  peak {peak:6.0f} MiB  (input {source.stat().st_size / 2**20:.0f} MiB, output "
          f"{size / 2**20:.0f} MiB)  floor {floor:6.2f} s  project/floor "
          f"{seconds / floor:4.2f}{against}", flush=True)
    if peers:
        of_seconds = statistics.median(s for s, _ in peers)
        print(f"  N={n:>9,}  {label:<16} OpenFisca {of_seconds:7.2f} s  peak "
              f"{statistics.median(p for _, p in peers):6.0f} MiB (float32, pandas CSV in and "
              f"out)  project/OpenFisca {seconds / of_seconds:4.2f}", flush=True)
    return seconds, peak


def scaling(per_row: dict[str, list[tuple[int, float, float]]]) -> None:
    """Time per row and peak memory, each size against the one before."""
    print("scaling (time per row; peak memory; each against the size before)")
    for shape, figures in per_row.items():
        before: tuple[int, float, float] | None = None
        for n, seconds, peak in figures:
            micro = seconds / n * 1e6
            line = (f"  {SHAPES[shape][0]:<16} N={n:>9,}  {micro:7.2f} µs a row  "
                    f"peak {peak:6.0f} MiB")
            if before is not None:
                line += (f"  time per row ×{micro / (before[1] / before[0] * 1e6):4.2f}, "
                         f"memory ×{peak / before[2]:4.2f} from N={before[0]:,}")
            print(line, flush=True)
            before = (n, seconds, peak)


def evaluation_alone(n: int, folder: Path) -> None:
    """Both engines on the same parsed profiles, every rule of the city, trace kept."""
    import numpy as np

    from incentives import assess, load_rulebook
    from incentives.batch.columnar.frame import facts_of
    from incentives.batch.columnar.plan import Plan, assess_city
    from incentives.batch.run import profile_rows

    book = load_rulebook()
    source, _ = registry(folder, n)
    profiles = profile_rows(source, book)
    as_of = date.fromisoformat(AS_OF)
    sample = profiles[:2_000]
    start = time.perf_counter()
    for item in sample:
        assess(item, book, as_of)
    seconds = time.perf_counter() - start
    print(f"  reference, assess() row by row: {seconds / len(sample) * 1e6:8.2f} µs a profile "
          f"({len(sample):,} profiles)")
    facts = facts_of(profiles, book.schema, book.cities)
    plan = Plan(book, as_of, {})
    rows = np.flatnonzero(facts.city == facts.city_ids.index("zhengzhou"))
    assess_city(plan, "zhengzhou", facts, rows[:1000])  # dates met once, as in a long run
    best = min(_timed(lambda: assess_city(plan, "zhengzhou", facts, rows)) for _ in range(3))
    print(f"  columnar, assess_city() at once: {best / len(rows) * 1e6:8.2f} µs a profile "
          f"({len(rows):,} profiles, best of 3)")


def _timed(work: Any) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--shapes", default="institution,result",
                        help="output shapes to time: institution, result or both")
    parser.add_argument("--path", choices=sorted(PATHS), default="columnar",
                        help="the columnar path (the default) or the row-by-row reference")
    parser.add_argument("--eval-only", action="store_true")
    parser.add_argument("--eval-n", default="20k")
    parser.add_argument("--dir", help="keep the generated registries here (default: a temp dir)")
    parser.add_argument("--openfisca-python", metavar="PYTHON",
                        help="the interpreter of an environment with openfisca-core and "
                        "pandas: times benchmarks/openfisca_peer.py beside per institution")
    parser.add_argument("--formats", default="csv",
                        help="registry and output formats, CSV first: csv, jsonl-in (JSON "
                        "Lines to CSV), jsonl-out (CSV to JSON Lines), jsonl (both)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="alternating runs of the project and the floor (medians)")
    parser.add_argument("extra", nargs="*", help="further arguments for incentives batch")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(options.dir or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        print("evaluation alone (profiles parsed beforehand)")
        evaluation_alone(parse_size(options.eval_n), folder)
        if not options.eval_only:
            print(f"incentives batch ({options.path} path), end to end, fresh process, "
                  f"--summary; medians of {options.repeat} runs alternating with the floor "
                  "(pyarrow reading the CSV registry, writing a CSV of the output's size)")
            end_to_end([parse_size(s) for s in options.sizes.split(",")],
                       options.shapes.split(","), options.path, options.extra, folder,
                       options.repeat, options.formats.split(","), options.openfisca_python)
    print(f"  (peak = the largest process's max RSS; {resource.getpagesize()}-byte pages)")


if __name__ == "__main__":
    main()
