"""Reconciliation as an invariant: for any registry, good rows and bad mixed, every input
row comes out exactly once — assessed in the output, or rejected in the errors file —
`read = assessed + rejected` holds, and CSV, JSON Lines and XLSX registries on both engines
give the same rows and the same problems (a Hypothesis property, not a sample)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incentives import load_rulebook
from incentives.batch.run import BatchOptions, run_batch

from ..fuzzing import SCHEMA, TRICKY_TEXT
from ..test_batch import BAD, GRADE_3A, REHAB

pytestmark = pytest.mark.bad_input  # counted in docs/reliability.md

BOOK = load_rulebook()
AS_OF = date(2026, 11, 22)
# what a cell of a spreadsheet can hold: no control characters or lone surrogates (the
# CSV-only hostile cases are in tests/test_batch_faults.py)
PRINTABLE = [t for t in TRICKY_TEXT if t.isprintable()]
cells = st.sampled_from(PRINTABLE) | st.text(st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12)
GIVEN = sorted(name for name, fact in SCHEMA.facts.items() if not fact.derived)
# a row with every cell empty is a record in a CSV but not in a workbook, where the empty
# rows below the data are formatting: each drawn row has something in it
fuzzed = st.dictionaries(st.sampled_from(GIVEN), cells, max_size=8).map(
    lambda raw: {"city": "郑州", **raw}).filter(lambda raw: any(raw.values()))
rows = st.lists(st.sampled_from([REHAB, GRADE_3A, BAD]) | fuzzed, min_size=1, max_size=12)


def write_registries(folder: Path, registry: list[dict[str, str]]) -> dict[str, Path]:
    import xlsxwriter

    fields = sorted({key for row in registry for key in row})
    table = [[row.get(field, "") for field in fields] for row in registry]
    paths = {"csv": folder / "r.csv", "jsonl": folder / "r.jsonl", "xlsx": folder / "r.xlsx"}
    with paths["csv"].open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([fields, *table])
    paths["jsonl"].write_text("".join(
        json.dumps({k: v for k, v in row.items() if v != ""}, ensure_ascii=False) + "\n"
        for row in registry), encoding="utf-8")
    book = xlsxwriter.Workbook(str(paths["xlsx"]), {"strings_to_numbers": False})
    sheet = book.add_worksheet()
    for r, line in enumerate([fields, *table]):
        for c, cell in enumerate(line):
            sheet.write_string(r, c, cell)
    book.close()
    return paths


def outcome(source: Path, folder: Path, columnar: bool) -> tuple[bytes, set[tuple[str, ...]]]:
    output = folder / f"out-{source.suffix[1:]}-{columnar}.csv"
    options = BatchOptions(AS_OF, columnar=columnar)
    summary = run_batch(source, output, BOOK, options)
    assert summary.read == summary.assessed + summary.rejected
    with options.errors_path(output).open(encoding="utf-8", newline="") as handle:
        problems = {(e["row"], e["field"], e["problem"]) for e in csv.DictReader(handle)}
    return output.read_bytes(), problems


def row_numbers(output: bytes) -> set[int]:
    return {int(r["row"]) for r in csv.DictReader(io.StringIO(output.decode("utf-8")))}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(registry=rows)
def test_every_row_comes_out_once_the_same_in_every_format_and_engine(
        tmp_path_factory: Any, registry: list[dict[str, str]]) -> None:
    folder = tmp_path_factory.mktemp("reconcile")
    paths = write_registries(folder, registry)
    runs = {(kind, columnar): outcome(paths[kind], folder, columnar)
            for kind in ("csv", "xlsx", "jsonl") for columnar in (True, False)}
    output, problems = runs[("csv", False)]
    assessed = row_numbers(output)
    rejected = {int(row) for row, _, _ in problems}
    assert assessed.isdisjoint(rejected)
    assert assessed | rejected == set(range(1, len(registry) + 1))
    for key, (other_output, other_problems) in runs.items():
        assert other_output == output, key
        assert other_problems == problems, key
