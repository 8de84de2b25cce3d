"""Faults of `incentives batch` found by a hostile review, each held to its fix.

Every input is made here, small, in the test's own folder. Where both engines read the
input (CSV to CSV) both are run and must write the same bytes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import suppress
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from incentives import load_rulebook
from incentives.batch.run import BatchOptions, run_batch
from incentives.batch.summary import Summary

ROOT = Path(__file__).resolve().parent.parent
BOOK = load_rulebook()
AS_OF = date(2026, 11, 22)
HEADER = "name,city,district,sponsor,for_profit,kind,opened_on,payroll_total"
ENGINES = pytest.mark.parametrize("columnar", [True, False], ids=["columnar", "row"])


def registry_line(number: int) -> str:
    """An ordinary institution for HEADER, a different one for each number."""
    return (f"机构{number},郑州,金水区,社会办,营利性,诊所,"
            f"20{10 + number % 15}-0{1 + number % 9}-1{number % 10},{number % 900 + 100}万")


def write_registry(path: Path, count: int, changed: dict[int, str] | None = None,
                   ending: str = "\n") -> Path:
    """HEADER and `count` rows; row N (1-based) replaced by changed[N] where given."""
    changed = changed or {}
    lines = [HEADER] + [changed.get(n, registry_line(n)) for n in range(1, count + 1)]
    path.write_bytes(ending.join(lines).encode("utf-8") + ending.encode())
    return path


def batch(source: Path, folder: Path, columnar: bool, suffix: str = ".csv",
          **settings: Any) -> tuple[bytes, bytes, Summary]:
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / f"out{suffix}"
    options = BatchOptions(**{"as_of": AS_OF, **settings}, columnar=columnar)
    summary = run_batch(source, output, BOOK, options)
    return output.read_bytes(), options.errors_path(output).read_bytes(), summary


def both(source: Path, folder: Path, **settings: Any) -> tuple[bytes, bytes, Summary]:
    """Both engines over `source`: the same bytes out, the same summary; the row
    engine's output, errors and summary."""
    out, errors, summary = batch(source, folder / "row", False, **settings)
    col_out, col_errors, col_summary = batch(source, folder / "columnar", True, **settings)
    assert col_out == out
    assert col_errors == errors
    assert col_summary.to_dict() == summary.to_dict()
    return out, errors, summary


def cli(*args: str | Path, cwd: Path, timeout: float = 120,
        **options: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "incentives", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=timeout,
                          check=False, **options)


def leftovers(folder: Path) -> list[str]:
    """Temporary files an atomic write left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- 9: a city whose every row of a block goes to the reference path ---------------------

SPONSOR_HEADER = "name,city,sponsor,for_profit,sponsor_contribution,annual_surplus"


@pytest.mark.parametrize("per_institution", [False, True], ids=["per-result", "per-institution"])
def test_a_city_whose_every_row_falls_back_is_assessed(tmp_path: Path,
                                                       per_institution: bool) -> None:
    # contribution × 1.2 × the rate reaches 40 digits, which the columnar path leaves to
    # the reference path: here that is the city's only row
    source = tmp_path / "in.csv"
    source.write_text(f"{SPONSOR_HEADER}\nA,郑州,社会办,非营利性,100000000000000,950万\n",
                      "utf-8")
    overrides = {"lending_rate": Decimal("99999999999999999999999")}
    out, _, summary = both(source, tmp_path, overrides=overrides,
                                per_institution=per_institution)
    assert (summary.read, summary.assessed, summary.rejected) == (1, 1, 0)
    assert out.count(b"\n") >= 2 and b"zhengzhou" in out


def test_unknown_facts_times_a_rate_past_int64(tmp_path: Path) -> None:
    # the contribution is unknown in every row (a column of zeros), the rate beyond int64
    source = tmp_path / "in.csv"
    source.write_text(f"{SPONSOR_HEADER}\nA,郑州,社会办,非营利性,,\nB,郑州,社会办,非营利性,,\n",
                      "utf-8")
    overrides = {"lending_rate": Decimal("99999999999999999999999")}
    _, _, summary = both(source, tmp_path, overrides=overrides)
    assert (summary.read, summary.assessed) == (2, 2)


def test_rounding_to_fen_with_many_decimal_places() -> None:
    # an amount with 21 decimal places (a rule's tiny rate): the rounding step, 10**19
    # fen, is past int64 while the amounts are not
    from incentives.batch.columnar.vector import Num, to_fen

    ints = np.array([4 * 10**18, 5 * 10**18, -5 * 10**18], dtype=np.int64)
    fen = to_fen(Num(ints, 21, np.ones(3, dtype=bool)))
    assert [int(f) for f in fen] == [0, 1, -1]  # 0.4, 0.5 and -0.5 fen, half away from 0


# --- 12: a lone surrogate in a JSON Lines row ----------------------------------------------


@pytest.mark.bad_input
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_lone_surrogate_is_the_rows_problem(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"name": "A", "city": "郑州"}\n'
                      '{"name": "B\\ud800", "city": "郑州"}\n'
                      '{"name": "C", "city": "郑州", "x\\udfff": 1}\n'
                      '{"name": "D \\ud83d\\ude00", "city": "郑州"}\n', "utf-8")  # a pair: 😀
    out, errors, summary = batch(source, tmp_path, False, suffix)
    assert (summary.read, summary.assessed, summary.rejected) == (4, 2, 2)
    lines = errors.decode("utf-8").splitlines()
    assert lines[1:] == [
        "2,2,name,\"'B\\ud800': holds a lone surrogate, which is not a character\"",
        "3,3,,\"'x\\udfff': holds a lone surrogate, which is not a character\""]
    assert "D 😀" in out.decode("utf-8")


@pytest.mark.bad_input
def test_a_lone_surrogate_through_the_command(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"name": "\\ud800", "city": "郑州"}\n{"name": "B", "city": "郑州"}\n')
    done = cli("batch", source, "-o", tmp_path / "out.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "read 2 = assessed 1 + rejected 1" in done.stdout


# --- 2: a pipe as the input -------------------------------------------------------------


@pytest.mark.parametrize("engine", ["--columnar", "--no-columnar"])
def test_a_pipe_is_read_once_as_a_stream(tmp_path: Path, engine: str) -> None:
    # more than one buffer's worth: the header's read takes the first rows with it
    source = write_registry(tmp_path / "registry.csv", 1500)
    common = ("--as-of", AS_OF.isoformat(), engine)
    expected = cli("batch", source, "-o", tmp_path / "file.csv", *common, cwd=tmp_path)
    assert expected.returncode == 0, expected.stderr
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    writer = subprocess.Popen(["sh", "-c", 'cat "$0" > "$1"', source, pipe])
    try:
        done = cli("batch", pipe, "-o", tmp_path / "out.csv", *common, cwd=tmp_path)
        writer.wait(timeout=60)
    finally:
        writer.kill()
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "read 1,500 = assessed 1,500 + rejected 0"
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "file.csv").read_bytes()
    assert (tmp_path / "out.csv.errors.csv").read_bytes() == \
        (tmp_path / "file.csv.errors.csv").read_bytes()


# --- 1: a malformed line is one rejected row, and reading goes on -------------------------


def rows_in(out: bytes) -> set[int]:
    """The row numbers of an output file (CSV, one line per result)."""
    return {int(line.split(b",", 1)[0]) for line in out.splitlines()[1:]}


def errors_of(errors: bytes) -> list[str]:
    return errors.decode("utf-8").splitlines()[1:]


@pytest.mark.bad_input
@pytest.mark.parametrize("bad", ["機构,郑\r州,金水区,社会办,营利性,诊所,2015-01-01,100万",
                                 '"機构,郑州,金水区,社会办,营利性,诊所,2015-01-01,100万'],
                         ids=["carriage-return", "unclosed-quote"])
@pytest.mark.parametrize("at", [5, 300, 600], ids=lambda n: f"row-{n}")
def test_a_malformed_line_is_one_rejected_row(tmp_path: Path, bad: str, at: int) -> None:
    source = write_registry(tmp_path / "in.csv", 600, {at: bad})
    out, errors, summary = both(source, tmp_path)
    assert (summary.read, summary.assessed, summary.rejected) == (600, 599, 1)
    [line] = errors_of(errors)
    assert line.startswith(f"{at},{at + 1},,")
    assert "not readable as CSV" in line
    assert rows_in(out) == set(range(1, 601)) - {at}


@pytest.mark.bad_input
def test_an_unclosed_quote_does_not_swallow_rows_up_to_the_next_quote(tmp_path: Path) -> None:
    # row 5 opens a quote it never closes; row 40 has a quoted name, whose first quote
    # would close it: rows 5 to 40 would read as one record of the wrong width
    source = write_registry(tmp_path / "in.csv", 60, {
        5: '"郑州,郑州,金水区,社会办,营利性,诊所,2015-01-01,100万',
        40: '"机构40,分院",郑州,金水区,社会办,营利性,诊所,2015-01-01,100万'})
    out, errors, summary = both(source, tmp_path)
    assert (summary.read, summary.assessed, summary.rejected) == (60, 59, 1)
    assert [line.split(",")[:2] for line in errors_of(errors)] == [["5", "6"]]
    assert '\n40,"机构40,分院",zhengzhou'.encode() in out


def test_a_quoted_line_break_still_makes_one_row(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    lines = [f"{registry_line(n)},note {n}" for n in range(1, 11)]
    lines[2] = f'{registry_line(3)},"a note\non two lines"'
    source.write_text("\n".join([f"{HEADER},note", *lines]) + "\n", "utf-8")
    out, _, summary = both(source, tmp_path, keep=("note",))
    assert (summary.read, summary.assessed, summary.rejected) == (10, 10, 0)
    assert '\n3,"a note\non two lines",机构3,'.encode() in out
    assert "\n4,note 4,机构4,".encode() in out  # file line 6 is row 4


@pytest.mark.bad_input
def test_an_unclosed_quote_on_the_last_line(tmp_path: Path) -> None:
    source = write_registry(tmp_path / "in.csv", 3,
                            {3: '"机构3,郑州,金水区,社会办,营利性,诊所,2015-01-01,100万'})
    _, errors, summary = both(source, tmp_path)
    assert (summary.read, summary.assessed, summary.rejected) == (3, 2, 1)
    assert errors_of(errors) == ["3,4,,not readable as CSV: a quoted cell that opens on "
                                 "this line is never closed"]


@pytest.mark.parametrize("engine", ["--columnar", "--no-columnar"])
def test_the_command_counts_every_row(tmp_path: Path, engine: str) -> None:
    source = write_registry(tmp_path / "in.csv", 2000, {
        5: '"机构5,郑州,金水区,社会办,营利性,诊所,2015-01-01,100万',
        1000: "机构1000,郑州,金水区\r,社会办,营利性,诊所,2015-01-01,100万"})
    done = cli("batch", source, "-o", tmp_path / "out.csv", engine, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "read 2,000 = assessed 1,998 + rejected 2"


def test_a_jsonl_registry_counts_every_row(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"name": "A", "city": "郑州"}\n{"name": "B", \n\n'
                      '{"name": "C", "city": "郑州"}\n', "utf-8")
    _, errors, summary = batch(source, tmp_path, False)
    assert (summary.read, summary.assessed, summary.rejected) == (3, 2, 1)
    assert errors_of(errors)[0].startswith("2,2,,not valid JSON")


@pytest.mark.fault
@pytest.mark.parametrize("columnar", [True, False], ids=["columnar", "row"])
def test_rows_that_do_not_add_up_put_no_output_in_place(tmp_path: Path, columnar: bool,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    from incentives.batch import job
    from incentives.errors import Miscount

    original = job.take_row
    seen: list[int] = []

    def loses_row_7(job_: Any, row: Any, *args: Any) -> None:
        seen.append(row.number)
        if row.number != 7:
            original(job_, row, *args)

    monkeypatch.setattr("incentives.batch.job.take_row", loses_row_7)
    monkeypatch.setattr("incentives.batch.columnar.run.take_row", loses_row_7)
    bad = '"机构7,郑州,金水区,社会办,营利性,诊所,2015-01-01,100万'  # the row engine's, in both
    source = write_registry(tmp_path / "in.csv", 20, {7: bad})
    output = tmp_path / "out.csv"
    output.write_text("old results\n")
    options = BatchOptions(AS_OF, columnar=columnar, jobs=1)
    with pytest.raises(Miscount, match=r"the reader handed out 20 rows, but 19 were read$"):
        run_batch(source, output, BOOK, options)
    assert 7 in seen
    assert output.read_text() == "old results\n"
    assert not options.errors_path(output).exists()
    assert leftovers(tmp_path) == []


@pytest.mark.fault
def test_a_miscount_exits_1_as_a_bug(tmp_path: Path) -> None:
    # the check's message, through the command: run with the reader stopped early
    script = ("import sys; import incentives.batch.io as io\n"
              "def early(self, number=0):\n"
              "    for row in original(self, number):\n"
              "        yield row\n"
              "        if row.number == 3: return\n"
              "original = io.Registry._csv_rows; io.Registry._csv_rows = early\n"
              "from incentives.cli import main; sys.argv[0] = 'incentives'; main()\n")
    source = write_registry(tmp_path / "in.csv", 10)
    done = subprocess.run([sys.executable, "-c", script, "batch", str(source), "-o",
                           str(tmp_path / "out.csv"), "--no-columnar"], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "stopped before the end of the input" in done.stderr
    assert not (tmp_path / "out.csv").exists()
    assert leftovers(tmp_path) == []


# --- 13: outputs that can't be written, lines too long to hold ---------------------------


def limited(size: int) -> Any:
    """For preexec_fn: files this process writes stop at `size` bytes (EFBIG, as SIGXFSZ
    is ignored)."""
    import resource
    import signal

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.fault
@pytest.mark.parametrize("engine", ["--columnar", "--no-columnar"])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@pytest.mark.parametrize("size", [100, 20_000], ids=["at-once", "later"])
def test_an_output_past_the_file_size_limit(tmp_path: Path, engine: str, suffix: str,
                                            size: int) -> None:
    source = write_registry(tmp_path / "in.csv", 300)
    output, errors = tmp_path / f"out{suffix}", tmp_path / f"out{suffix}.errors.csv"
    output.write_text("old results\n")
    errors.write_text("old errors\n")
    done = cli("batch", source, "-o", output, engine, cwd=tmp_path, preexec_fn=limited(size))
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "incentives: the results can't be written:",
        f"  output {output}: cannot write it: File too large: the file would pass the "
        f"file-size limit (see `ulimit -f`); nothing was replaced ({output} and {errors} "
        "are as they were)"]
    assert output.read_text() == "old results\n"
    assert errors.read_text() == "old errors\n"
    assert leftovers(tmp_path) == []


@pytest.mark.fault
def test_an_errors_file_past_the_file_size_limit(tmp_path: Path) -> None:
    # every row rejected: the output stays small, the errors file does not
    source = write_registry(tmp_path / "in.csv", 300,
                            {n: f"机构{n},nowhere" for n in range(1, 301)})
    output, errors = tmp_path / "out.csv", tmp_path / "rejected.csv"
    done = cli("batch", source, "-o", output, "--errors", errors, cwd=tmp_path,
               preexec_fn=limited(5000))
    assert done.returncode == 2, done.stderr
    assert f"  output {errors}: cannot write it: File too large" in done.stderr
    assert not output.exists() and not errors.exists()
    assert leftovers(tmp_path) == []


def tmpfs(folder: Path, options: str, what: str) -> Any:
    """`folder` as a 64 KiB file system of its own while the generator is open (mount
    options such as `ro`); the test is skipped, naming `what`, where none can be mounted."""
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"{options}size=64k", "tmpfs",
                           str(folder)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"no {what} can be had here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A folder on a 64 KiB file system of its own (skipped where none can be mounted)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    yield from tmpfs(disk, "", "small file system")


@pytest.mark.fault
@pytest.mark.parametrize("engine", ["--columnar", "--no-columnar"])
def test_a_full_disk_names_the_output(tmp_path: Path, small_disk: Path, engine: str) -> None:
    source = write_registry(tmp_path / "in.csv", 300)
    output, errors = small_disk / "out.csv", small_disk / "out.csv.errors.csv"
    output.write_text("old results\n")
    errors.write_text("old errors\n")
    done = cli("batch", source, "-o", output, engine, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[1] == (
        f"  output {output}: cannot write it: No space left on device: the disk is full; "
        f"nothing was replaced ({output} and {errors} are as they were)")
    assert output.read_text() == "old results\n"
    assert errors.read_text() == "old errors\n"
    assert leftovers(small_disk) == []


LONG = 5 << 20  # bytes: past io.MAX_LINE


@pytest.mark.bad_input
def test_a_line_too_long_to_hold_is_a_rejected_row(tmp_path: Path) -> None:
    long_line = "机构2," + "x" * LONG
    source = write_registry(tmp_path / "in.csv", 5, {2: long_line})
    out, errors, summary = both(source, tmp_path)
    assert (summary.read, summary.assessed, summary.rejected) == (5, 4, 1)
    assert errors_of(errors) == ["2,3,,longer than 4 MiB; not read"]
    assert rows_in(out) == {1, 3, 4, 5}


@pytest.mark.bad_input
def test_a_quote_that_runs_on_past_the_field_limit(tmp_path: Path) -> None:
    # row 2 opens a quote that the next 1,100 lines (1.1 million characters) never close
    filler = {n: "y" * 1000 for n in range(3, 1103)}
    source = write_registry(tmp_path / "in.csv", 1110, {2: '"机构2,郑州', **filler})
    _, errors, summary = both(source, tmp_path)
    assert (summary.read, summary.assessed, summary.rejected) == (1110, 9, 1101)
    assert errors_of(errors)[0] == ("2,3,,not readable as CSV: field larger than field limit "
                                    "(1000000)")
    assert errors_of(errors)[1] == "3,4,,has 1 cells; the header has 8"


@pytest.mark.bad_input
def test_a_jsonl_line_too_long_to_hold(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"name": "A", "city": "郑州"}\n{"name": "' + "x" * LONG + '"}\n'
                      '{"name": "C", "city": "郑州"}\n', "utf-8")
    _, errors, summary = batch(source, tmp_path, False)
    assert (summary.read, summary.assessed, summary.rejected) == (3, 2, 1)
    assert errors_of(errors) == ["2,2,,longer than 4 MiB; not read"]


# --- 14: spreadsheet formulas in CSV outputs ----------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1:A9)", "+1+1", "-2+3", "=1"]


@pytest.mark.attack
@pytest.mark.parametrize("per_institution", [False, True], ids=["per-result", "per-institution"])
def test_text_cells_that_start_like_a_formula_are_written_as_text(tmp_path: Path,
                                                                  per_institution: bool) -> None:
    source = tmp_path / "in.csv"
    rows = [[name, str(n), "-5" if n == 0 else f"={n}"] for n, name in enumerate(FORMULAS)]
    rows += [["-", "9", "+1.5"], ["plain", "10", "\tx"]]
    # unquoted where the cell allows, so that the columnar engine takes those rows
    source.write_text("name,city,sponsor,for_profit,registry_no\n" + "".join(
        f'{quoted(name)},郑州,社会办,营利性,{number}\n' for name, _, number in rows), "utf-8")
    out, _, summary = both(source, tmp_path, keep=("registry_no",),
                           per_institution=per_institution)
    assert summary.rejected == 0
    columnar = batch(source, tmp_path / "again", True, keep=("registry_no",),
                     per_institution=per_institution)[2]
    assert columnar.columnar == 6  # every row but the one with quotes
    cells = [line[:2] for line in _csv_rows(out)[1:]]
    firsts = list(dict.fromkeys(map(tuple, cells)))
    assert firsts == [("-5", "'=HYPERLINK(\"http://x\",\"y\")"), ("'=1", "'@SUM(A1:A9)"),
                      ("'=2", "'+1+1"), ("'=3", "'-2+3"), ("'=4", "'=1"), ("+1.5", "'-"),
                      ("'\tx", "plain")]


def quoted(cell: str) -> str:
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if set(cell) & set(',"') else cell


def _csv_rows(data: bytes) -> list[list[str]]:
    import csv
    import io

    return [row[1:] for row in csv.reader(io.StringIO(data.decode("utf-8")))]


@pytest.mark.attack
def test_the_errors_file_writes_formulas_as_text(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"name": "A", "city": "郑州", "=cmd|calc": 1}\n'
                      '{"name": "B", "city": "郑州", "opened_on": "=1+1"}\n', "utf-8")
    _, errors, summary = batch(source, tmp_path, False)
    assert summary.rejected == 2
    assert _csv_rows(errors)[1:] == [
        ["1", "'=cmd|calc", "unknown key '=cmd|calc'"],
        ["2", "opened_on", "'=1+1': not a date; write it as YYYY-MM-DD, e.g. 2024-03-15 (or "
         "2024/3/15, 2024年3月15日)"]]


def test_jsonl_output_is_left_as_it_is(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("name,city\n=1+1,郑州\n", "utf-8")
    out, _, _ = batch(source, tmp_path, False, ".jsonl")
    assert b'"name": "=1+1"' in out or b'"name":"=1+1"' in out


@pytest.mark.parametrize("text, shown", [
    ("=1", "'=1"), ("+a", "'+a"), ("-a", "'-a"), ("@a", "'@a"), ("\ta", "'\ta"),
    ("\ra", "'\ra"), ("-5", "-5"), ("+5", "+5"), ("-1.25", "-1.25"), ("-1e5", "-1e5"),
    ("-", "'-"), ("-1-1", "'-1-1"), ("a=1", "a=1"), ("", ""), ("519000.00", "519000.00")])
def test_defused(text: str, shown: str) -> None:
    from incentives.batch.columnar.text import csv_cell
    from incentives.batch.output import defused

    assert defused(text) == shown
    assert csv_cell(text) == (f'"{shown}"' if "\r" in shown else shown)


# --- 4: a worker process that dies ---------------------------------------------------------


@pytest.mark.fault
def test_a_worker_that_dies_stops_the_work(tmp_path: Path) -> None:
    script = ("import os\n"
              "from incentives.batch.parallel import in_order\n"
              "from incentives.errors import WorkerDied\n"
              "PARENT = os.getpid()\n"
              "def work(n):\n"
              "    if n == 5 and os.getpid() != PARENT:\n"
              "        os._exit(3)\n"
              "    return n * 2\n"
              "try:\n"
              "    print(list(in_order(work, range(40), 2)))\n"
              "except WorkerDied as error:\n"
              "    print('died:', error)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("died: worker process ")
    assert done.stdout.rstrip().endswith(" exited with status 3")
    assert "Traceback" not in done.stderr


def test_the_workers_give_every_result_in_order() -> None:
    from incentives.batch.parallel import in_order

    assert list(in_order(lambda n: n * n, range(30), 2)) == [n * n for n in range(30)]


def children(pid: int) -> list[int]:
    found = []
    for tasks in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in tasks.read_text().split()]
    return found


def open_for_writing(fifo: Path, process: subprocess.Popen[str]) -> int:
    """The FIFO opened for writing once `process` has opened it for reading."""
    import fcntl
    import time

    for _ in range(1200):
        try:
            descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # no reader yet
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
            continue
        fcntl.fcntl(descriptor, fcntl.F_SETFL, fcntl.fcntl(descriptor, fcntl.F_GETFL)
                    & ~os.O_NONBLOCK)
        return descriptor
    raise AssertionError("the batch never opened its input")


def send(descriptor: int, text: str) -> None:
    data = text.encode("utf-8")
    while data:
        data = data[os.write(descriptor, data):]


@pytest.mark.fault
def test_a_killed_worker_fails_the_batch(tmp_path: Path) -> None:
    import signal
    import time

    # the input is a pipe, so the test decides when the rows come: the first chunk starts
    # the workers, one is killed, then the rest of the rows arrive
    lines = [HEADER] + [registry_line(n) for n in range(1, 1501)]
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    output = tmp_path / "out.csv"
    output.write_text("old results\n")
    batch_run = subprocess.Popen(
        [sys.executable, "-m", "incentives", "batch", str(fifo), "-o", str(output),
         "--jobs", "2"], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pipe = open_for_writing(fifo, batch_run)
        try:
            send(pipe, "\n".join(lines[:601]) + "\n")
            for _ in range(1200):
                workers = children(batch_run.pid)
                if len(workers) == 2:
                    break
                time.sleep(0.05)
            assert len(workers) == 2, "no worker processes started"
            os.kill(workers[0], signal.SIGKILL)
            with suppress(BrokenPipeError):  # the batch may stop reading first
                send(pipe, "\n".join(lines[601:]) + "\n")
        finally:
            os.close(pipe)
        _, stderr = batch_run.communicate(timeout=60)
    finally:
        batch_run.kill()
    assert batch_run.returncode == 1, stderr
    assert stderr.splitlines() == [
        f"incentives: the batch stopped: worker process {workers[0]} was killed by SIGKILL "
        f"(as the system does when memory runs out); nothing was written ({output} and "
        f"{output}.errors.csv are as they were)"]
    assert output.read_text() == "old results\n"
    assert leftovers(tmp_path) == []


@pytest.mark.bad_input
def test_a_header_too_long_to_hold_stops_the_run(tmp_path: Path) -> None:
    from incentives.errors import RegistryError

    source = tmp_path / "in.csv"
    source.write_text("name," + "x" * LONG + "\nA,郑州\n", "utf-8")
    with pytest.raises(RegistryError, match="header: longer than 4 MiB; not read"):
        run_batch(source, tmp_path / "out.csv", BOOK, BatchOptions(AS_OF))
    assert os.listdir(tmp_path) == ["in.csv"]
