"""`incentives batch`: registries in CSV and JSON Lines, rejected rows, the summary, the
all-or-nothing write, and the identity with `incentives check` (a Hypothesis property)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

import incentives.batch.columnar.run
import incentives.batch.output
from incentives import assess, load_rulebook, parse_profile
from incentives.batch.run import BatchOptions, run_batch
from incentives.cli import cli
from incentives.errors import RegistryError
from incentives.render.json import assessment_to_dict

BOOK = load_rulebook()
AS_OF = date(2026, 11, 22)
CITY = BOOK.cities["zhengzhou"]
FIELDS = ["name", "city", "district", "sponsor", "for_profit", "kind", "grade",
          "grade_attained_on", "newly_built", "fixed_asset_investment", "opened_on",
          "licence_registered_on", "income_reinvested", "featured_services", "leading_level",
          "payroll_total", "sponsor_contribution", "annual_surplus"]
REHAB = {"name": "郑州康宁康复医院", "city": "郑州市", "district": "二七区", "sponsor": "社会办",
         "for_profit": "营利性", "kind": "康复医院", "newly_built": "是",
         "fixed_asset_investment": "8650万", "opened_on": "2025-04-28",
         "licence_registered_on": "2025-04-10", "income_reinvested": "true"}
GRADE_3A = {"name": "郑州仁济综合医院", "city": "zhengzhou", "district": "金水区",
            "sponsor": "social", "for_profit": "true", "kind": "general", "grade": "3A",
            "grade_attained_on": "2025-06-18", "newly_built": "false",
            "opened_on": "2016-09-01", "licence_registered_on": "2016-08-15"}
BAD = {"name": "bad", "city": "郑州", "district": "朝阳区", "for_profit": "maybe",
       "fixed_asset_investment": "-5", "opened_on": "2025-13-01"}


def write_csv(path: Path, rows: list[dict[str, Any]], fields: list[str] = FIELDS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def batch(*args: object) -> Result:
    return invoke("batch", *args, "--as-of", AS_OF.isoformat())


def check_results(raw: dict[str, Any], **overrides: Decimal) -> list[dict[str, Any]]:
    """What `incentives check --format json` says, cut to the keys batch writes."""
    profile = parse_profile(raw, BOOK.schema, BOOK.cities)
    report = assessment_to_dict(assess(profile, BOOK, AS_OF, overrides or None))
    return [project(r) for r in report["results"]]


def project(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "rule": result["rule"], "status": result["status"], "kind": result["kind"],
        "amount": result["amount"],
        "range": result["range"] and {k: result["range"][k] for k in ("least", "most")},
        "payers": [{k: p[k] for k in ("payer", "label", "amount")} for p in result["payers"]],
        "schedule": [{"due": d["due"], "until": d["until"], "amount": d["amount"],
                      "payers": [{k: p[k] for k in ("payer", "amount")} for p in d["payers"]]}
                     for d in result["schedule"]],
        "period": result["period"], "missing": result["missing"],
        "amount_unstated": result["amount_unstated"],
    }


# --- reading and writing ------------------------------------------------------------------


def test_csv_in_csv_out_one_row_per_result(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "registry.csv", [REHAB, GRADE_3A])
    result = batch(source, "-o", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    assert "read 2 = assessed 2 + rejected 0" in result.output
    rows = read_csv(tmp_path / "out.csv")
    expected = check_results(REHAB) + check_results(GRADE_3A)
    assert len(rows) == len(expected)
    assert [r["rule"] for r in rows] == [e["rule"] for e in expected]
    assert [r["status"] for r in rows] == [e["status"] for e in expected]
    assert [r["amount"] or None for r in rows] == [e["amount"] for e in expected]
    reward = next(r for r in rows if r["rule"] == "zhengzhou.investment-reward" and r["row"] == "1")
    assert reward["name"] == "郑州康宁康复医院" and reward["district"] == "二七区"
    assert (reward["amount"], reward["paid_city"], reward["paid_district"]) == (
        "1038000.00", "519000.00", "519000.00")
    assert reward["schedule"] == "2025-04-28 519000.00; 2027-04-28 519000.00"
    exemption = next(r for r in rows if r["rule"] == "zhengzhou.for-profit-property-tax-exemption"
                     and r["row"] == "1")
    assert (exemption["period_start"], exemption["period_end"]) == ("2025-04-10", "2028-04-09")
    assert read_csv(tmp_path / "out.csv.errors.csv") == []


def test_jsonl_in_jsonl_out_per_institution_nests_every_result(tmp_path: Path) -> None:
    typed = {**GRADE_3A, "for_profit": True, "newly_built": False, "payroll_total": 120000000}
    source = write_jsonl(tmp_path / "registry.jsonl", [typed, REHAB])
    result = batch(source, "-o", tmp_path / "out.jsonl", "--per-institution")
    assert result.exit_code == 0, result.output
    first, second = read_jsonl(tmp_path / "out.jsonl")
    assert first["row"] == 1 and first["name"] == "郑州仁济综合医院"
    assert first["results"] == check_results(typed)
    assert second["results"] == check_results(REHAB)
    assert first["totals"] == {"cash": "10000000.00",
                               "by_payer": {"city": "4000000.00", "district": "6000000.00"},
                               "cash_possible": "10000000.00"}


def test_per_institution_csv_has_totals(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "r.csv", [REHAB, GRADE_3A])
    assert batch(source, "-o", tmp_path / "o.csv", "--per-institution").exit_code == 0
    rows = read_csv(tmp_path / "o.csv")
    assert [(r["row"], r["cash"], r["cash_city"], r["cash_district"]) for r in rows] == [
        ("1", "1038000.00", "519000.00", "519000.00"),
        ("2", "10000000.00", "4000000.00", "6000000.00"),
    ]
    assert "zhengzhou.investment-reward" in rows[0]["eligible"].split(";")
    assert rows[0]["missing"].split(";") == sorted(rows[0]["missing"].split(";"))


def test_jsonl_output_per_result_matches_check(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "r.csv", [REHAB])
    assert batch(source, "-o", tmp_path / "o.jsonl").exit_code == 0
    records = read_jsonl(tmp_path / "o.jsonl")
    assert [{k: v for k, v in r.items() if k not in ("row", "name", "city", "district")}
            for r in records] == check_results(REHAB)


def test_chinese_values_and_column_names(tmp_path: Path) -> None:
    names = {name: BOOK.schema[name].zh for name in REHAB}
    source = write_csv(tmp_path / "r.csv", [{names[k]: v for k, v in REHAB.items()}],
                       [names[k] for k in REHAB])
    assert batch(source, "-o", tmp_path / "o.csv").exit_code == 0
    english = write_csv(tmp_path / "e.csv", [REHAB], list(REHAB))
    assert batch(english, "-o", tmp_path / "e_out.csv").exit_code == 0
    assert read_csv(tmp_path / "o.csv") == read_csv(tmp_path / "e_out.csv")


def test_an_empty_cell_is_unknown_not_false(tmp_path: Path) -> None:
    blank = {**REHAB, "newly_built": ""}
    source = write_csv(tmp_path / "r.csv", [blank])
    assert batch(source, "-o", tmp_path / "o.jsonl").exit_code == 0
    reward = next(r for r in read_jsonl(tmp_path / "o.jsonl")
                  if r["rule"] == "zhengzhou.investment-reward")
    assert reward["status"] == "needs_info" and reward["missing"] == ["newly_built"]
    left_out = {k: v for k, v in REHAB.items() if k != "newly_built"}
    assert reward == {"row": 1, "name": REHAB["name"], "city": "zhengzhou", "district": "二七区",
                      **next(r for r in check_results(left_out)
                             if r["rule"] == "zhengzhou.investment-reward")}


def test_keep_carries_a_column_through(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "r.csv", [{**REHAB, "registry_no": "A-17"}],
                       ["registry_no", *REHAB])
    refused = batch(source, "-o", tmp_path / "o.csv")
    assert refused.exit_code == 2 and "--keep 'registry_no'" in refused.output
    assert batch(source, "-o", tmp_path / "o.csv", "--keep", "registry_no").exit_code == 0
    assert {r["registry_no"] for r in read_csv(tmp_path / "o.csv")} == {"A-17"}


# --- rejected rows ------------------------------------------------------------------------


def test_bad_rows_go_to_the_errors_file_with_every_problem(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "r.csv", [REHAB, BAD, GRADE_3A, {**REHAB, "kind": "zoo"}])
    result = batch(source, "-o", tmp_path / "o.csv")
    assert result.exit_code == 0, result.output  # rejected rows are reported, not fatal
    assert "read 4 = assessed 2 + rejected 2" in result.output
    errors = read_csv(tmp_path / "o.csv.errors.csv")
    assert {(e["row"], e["line"], e["field"]) for e in errors} == {
        ("2", "3", "for_profit"), ("2", "3", "fixed_asset_investment"), ("2", "3", "opened_on"),
        ("2", "3", "district"), ("4", "5", "kind")}
    assert {r["row"] for r in read_csv(tmp_path / "o.csv")} == {"1", "3"}


def test_errors_file_can_be_named_and_malformed_rows_are_rejected(tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    source.write_text("city,district,kind\n郑州,二七区,康复医院\n郑州,二七区\n\n"
                      "郑州,二七区,康复医院,extra\n郑州,金水区,诊所\n", "utf-8")
    result = batch(source, "-o", tmp_path / "o.csv", "--errors", tmp_path / "bad.csv")
    assert "read 4 = assessed 2 + rejected 2" in result.output
    errors = read_csv(tmp_path / "bad.csv")
    assert [(e["row"], e["line"]) for e in errors] == [("2", "3"), ("3", "5")]
    assert "header has 3" in errors[0]["problem"]


def test_jsonl_bad_lines(tmp_path: Path) -> None:
    source = tmp_path / "r.jsonl"
    source.write_text(json.dumps(REHAB, ensure_ascii=False) + "\n\n{not json\n[1, 2]\n"
                      + json.dumps({**REHAB, "colour": "red"}) + "\n", "utf-8")
    result = batch(source, "-o", tmp_path / "o.jsonl")
    assert "read 4 = assessed 1 + rejected 3" in result.output
    errors = read_csv(tmp_path / "o.jsonl.errors.csv")
    assert [e["row"] for e in errors] == ["3", "4", "5"]  # a JSON Lines row is its line
    assert errors[2]["field"] == "colour" and "unknown key" in errors[2]["problem"]


def test_a_line_that_is_not_utf8_rejects_its_row_only(tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    source.write_bytes("city,district,name\n郑州,二七区,a\n".encode()
                       + "郑州,二七区,b\n".encode("gbk") + "郑州,二七区,c\n".encode())
    result = batch(source, "-o", tmp_path / "o.csv")
    assert "read 3 = assessed 2 + rejected 1" in result.output
    assert read_csv(tmp_path / "o.csv.errors.csv")[0]["problem"] == "not UTF-8 text"


# --- unusable input: exit 2, nothing written ----------------------------------------------


@pytest.mark.parametrize("case, expected", [
    ("missing", "cannot read it"),
    ("unknown-column", "unknown column 'distrct'; did you mean 'district'?"),
    ("no-city", "no 'city' column"),
    ("empty", "empty file"),
    ("txt", "name it .csv, .xlsx or .jsonl"),
    ("param", "--param"),
    ("same", "is the input file"),
])
def test_unusable_input_exits_2(tmp_path: Path, case: str, expected: str) -> None:
    source = tmp_path / "r.csv"
    source.write_text("city,distrct\n郑州,二七区\n", "utf-8") if case == "unknown-column" else None
    if case == "no-city":
        source.write_text("district\n二七区\n", "utf-8")
    if case == "empty":
        source.write_text("", "utf-8")
    if case in ("txt", "param", "same", "missing"):
        write_csv(source, [REHAB])
    output = tmp_path / ("o.txt" if case == "txt" else "o.csv")
    extra: list[object] = ["--param", "lending_rate=abc"] if case == "param" else []
    if case == "missing":
        source = tmp_path / "nowhere.csv"
    if case == "same":
        output = source
    result = batch(source, "-o", output, *extra)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "o.csv.errors.csv").exists()


# --- all or nothing -----------------------------------------------------------------------


@pytest.mark.parametrize("failure", [RuntimeError("disk on fire"), KeyboardInterrupt()])
@pytest.mark.parametrize("columnar", [False, True])
def test_a_failure_midway_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           failure: BaseException, columnar: bool) -> None:
    source = write_csv(tmp_path / "r.csv", [REHAB, BAD] * 3)
    output = tmp_path / "o.csv"
    output.write_text("the previous run\n", "utf-8")
    where: Any = incentives.batch.output.Writer
    name = "write"
    if columnar:  # the good rows are done together, then the bad ones row by row
        where, name = incentives.batch.columnar.run, "assess_rows"
    real = getattr(where, name)
    calls = []

    def failing(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 2 - columnar:
            raise failure
        return real(*args)

    monkeypatch.setattr(where, name, failing)
    with pytest.raises(type(failure)):
        run_batch(source, output, BOOK, BatchOptions(AS_OF, jobs=1, columnar=columnar))
    assert calls, "the failure was never reached"
    assert output.read_text("utf-8") == "the previous run\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.csv", "r.csv"]  # no temp file


def test_the_output_gets_ordinary_permissions(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "r.csv", [REHAB])
    run_batch(source, tmp_path / "o.csv", BOOK, BatchOptions(AS_OF))
    mode = (tmp_path / "r.csv").stat().st_mode & 0o777
    assert (tmp_path / "o.csv").stat().st_mode & 0o777 == mode
    (tmp_path / "o.csv").chmod(0o640)
    run_batch(source, tmp_path / "o.csv", BOOK, BatchOptions(AS_OF))
    assert (tmp_path / "o.csv").stat().st_mode & 0o777 == 0o640  # kept


def test_library_raises_registry_error_for_unusable_files(tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as caught:
        run_batch(tmp_path / "none.csv", tmp_path / "o.csv", BOOK, BatchOptions(AS_OF))
    assert "cannot read it" in str(caught.value.problems[0])


def test_progress_is_reported(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "r.csv", [REHAB] * 3)
    seen: list[tuple[int, int, int]] = []
    run_batch(source, tmp_path / "o.csv", BOOK, BatchOptions(AS_OF),
              lambda *args: seen.append(args))
    size = source.stat().st_size
    assert seen[-1] == (size, size, 3)


# --- the summary --------------------------------------------------------------------------


def test_summary_adds_up_to_the_rows(tmp_path: Path) -> None:
    rows = [REHAB, GRADE_3A, BAD, {**REHAB, "district": "中牟县"},
            {**GRADE_3A, "grade": "2A", "district": "郑东新区"}, {**REHAB, "opened_on": ""}]
    source = write_csv(tmp_path / "r.csv", rows)
    result = batch(source, "-o", tmp_path / "o.csv", "--per-institution", "--summary",
                   "--summary-format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    institutions = read_csv(tmp_path / "o.csv")
    assert (summary["read"], summary["assessed"], summary["rejected"]) == (6, 5, 1)
    assert Decimal(summary["cash"]["total"]) == sum(Decimal(r["cash"]) for r in institutions)
    # 1,038,000 (REHAB, 8650万 × 1.2%) + 10,000,000 (3A) + 5,000,000 (2A); the county row
    # gets nothing, and the row without an opening date needs it (an opening before the
    # policy would not count as new), so nothing of it is counted as certain
    assert summary["cash"]["total"] == "16038000.00"
    by_label = {p["label"]: p for p in summary["cash"]["by_payer"]}
    assert by_label["二七区财政"]["by_year"] == {"2025": "259500.00", "2027": "259500.00"}
    assert by_label["郑东新区财政"]["total"] == "3000000.00"
    for payer in ("city", "district"):
        assert sum(Decimal(p["total"]) for p in summary["cash"]["by_payer"]
                   if p["payer"] == payer) == sum(Decimal(r[f"cash_{payer}"] or 0)
                                                  for r in institutions)
    assert sum(Decimal(v) for v in summary["cash"]["by_year"].values()) == Decimal(
        summary["cash"]["total"])
    grade = next(r for r in summary["rules"] if r["rule"] == "zhengzhou.grade-award")
    assert grade["eligible"] == 2
    assert sum(grade[s] for s in ("eligible", "needs_info", "not_eligible")) == 5
    exemption = next(e for e in summary["exemptions"]
                     if e["rule"] == "zhengzhou.for-profit-property-tax-exemption")
    assert exemption["institution_years"] == {"2025": 3, "2026": 3, "2027": 3, "2028": 3}
    vat = next(e for e in summary["exemptions"]
               if e["rule"] == "zhengzhou.medical-services-vat-exemption")
    assert vat["open_ended"] == 5 and vat["total_institution_years"] == 0


def test_summary_table_is_printed(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "r.csv", [REHAB, GRADE_3A])
    result = batch(source, "-o", tmp_path / "o.csv", "--summary")
    assert result.exit_code == 0
    assert "二七区财政" in result.output and "11,038,000.00" in result.output
    assert "institution-years" in result.output


def test_param_changes_the_price(tmp_path: Path) -> None:
    surplus = {"city": "郑州", "district": "管城回族区", "sponsor": "社会办",
               "for_profit": "非营利性", "sponsor_contribution": "6000万",
               "annual_surplus": "950万"}
    source = write_csv(tmp_path / "r.csv", [surplus])
    assert batch(source, "-o", tmp_path / "o.jsonl", "--param", "lending_rate=4.35%"
                 ).exit_code == 0
    cap = next(r for r in read_jsonl(tmp_path / "o.jsonl")
               if r["rule"] == "zhengzhou.sponsor-annual-award-cap")
    assert cap["amount"] == "3132000.00"  # 6000万 × 1.2 × 4.35%
    expected = check_results(surplus, lending_rate=Decimal("0.0435"))
    assert cap == {**cap, **next(r for r in expected if r["rule"] == cap["rule"])}


# --- identical answers: batch == check, for generated profiles ----------------------------

DIVISIONS = sorted({*CITY.divisions, *(a for d in CITY.divisions.values() for a in d.aliases)})


def names_of(fact: str) -> list[str]:
    f = BOOK.schema[fact]
    return sorted({*f.values, *f.aliases})


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


yes_no = st.sampled_from([True, False, "是", "否", "true", "false"])
dates = st.dates(date(2010, 1, 1), date(2030, 12, 31))
amounts = st.one_of(
    st.integers(0, 10**10).map(Decimal),
    st.integers(4990, 5010).map(lambda n: f"{n}万"),
    st.integers(0, 10**12).map(lambda n: Decimal(n).scaleb(-2)),
)
profiles = st.fixed_dictionaries(
    {"city": st.sampled_from(["zhengzhou", "郑州", "郑州市"])},
    optional={
        "name": st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                        max_size=8).filter(lambda s: s.strip() == s),
        "district": st.sampled_from(DIVISIONS),
        "sponsor": st.sampled_from(names_of("sponsor")),
        "for_profit": st.sampled_from([True, False, "营利性", "非营利性"]),
        "kind": st.sampled_from(names_of("kind")),
        "grade": st.sampled_from(names_of("grade")),
        "grade_attained_on": dates,
        "newly_built": yes_no,
        "fixed_asset_investment": amounts,
        "opened_on": dates,
        "licence_registered_on": dates,
        "income_reinvested": yes_no,
        "featured_services": yes_no,
        "leading_level": yes_no,
        "payroll_total": amounts,
        "sponsor_contribution": amounts,
        "annual_surplus": amounts,
        "liquidation_assets": amounts,
        "donated_and_state_funds": amounts,
        "sponsor_original_investment": amounts,
    },
)


def as_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if isinstance(value, date) else str(value)


def as_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat() if isinstance(value, date) else value


@settings(max_examples=60, deadline=None)
@given(st.lists(profiles, min_size=1, max_size=6), st.sampled_from(["csv", "jsonl"]),
       st.sampled_from([None, 1, 2]))
def test_every_row_equals_check(tmp_path_factory: pytest.TempPathFactory,
                                raws: list[dict[str, Any]], fmt: str, jobs: int | None) -> None:
    folder = tmp_path_factory.mktemp("identity")
    keys = sorted({k for raw in raws for k in raw})
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(keys)
        writer.writerows([as_cell(raw[k]) if k in raw else "" for k in keys] for raw in raws)
        source = folder / "r.csv"
        source.write_text(text.getvalue(), "utf-8")
    else:
        source = write_jsonl(folder / "r.jsonl",
                             [{k: as_json(v) for k, v in raw.items()} for raw in raws])
    output = folder / "o.jsonl"
    summary = run_batch(source, output, BOOK, BatchOptions(AS_OF, per_institution=True,
                                                           jobs=jobs))
    written = {r["row"]: r for r in read_jsonl(output)}
    assert summary.read == summary.assessed + summary.rejected == len(raws)
    total = Decimal(0)
    for number, raw in enumerate(raws, 1):
        try:
            expected = check_results(raw)
        except Exception:  # a profile check rejects is rejected by batch too
            assert number not in written
            continue
        assert written[number]["results"] == expected
        total += Decimal(written[number]["totals"]["cash"])
    assert summary.total() == total


@pytest.mark.parametrize("columnar", [False, True])
def test_progress_goes_forward_to_the_end(tmp_path: Path, columnar: bool) -> None:
    source = write_csv(tmp_path / "r.csv", [REHAB, BAD, GRADE_3A] * 40)
    calls: list[tuple[int, int, int]] = []
    summary = run_batch(source, tmp_path / "o.csv", BOOK,
                        BatchOptions(AS_OF, jobs=1, columnar=columnar),
                        lambda done, total, rows: calls.append((done, total, rows)))
    size = source.stat().st_size
    assert calls and calls[-1] == (size, size, summary.read) and summary.read == 120
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert (summary.columnar > 0) == columnar
