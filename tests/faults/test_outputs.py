"""Faults where a batch's results go: a stop between putting the output and the errors file
in place, two runs writing one output (and summary file) at once, a summary file that
can't be written, a folder that can't be written, the
output given as the input, and a full disk or file-size limit under the parsed-rules
cache (which costs the cache, never the answer).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

import pytest

from incentives.batch.run import BatchOptions, Summary, SummaryFile, run_batch
from incentives.render.summary import summary_writer

from ..test_batch_faults import (
    AS_OF,
    BOOK,
    HEADER,
    cli,
    leftovers,
    limited,
    registry_line,
    tmpfs,
    write_registry,
)

OLD = ("old results\n", "old errors\n")


def pair(output: Path) -> tuple[bytes, bytes]:
    return output.read_bytes(), Path(f"{output}.errors.csv").read_bytes()


def previous(output: Path) -> None:
    output.write_text(OLD[0])
    Path(f"{output}.errors.csv").write_text(OLD[1])


def reference(source: Path, folder: Path) -> tuple[bytes, bytes]:
    folder.mkdir()
    run_batch(source, folder / "out.csv", BOOK, BatchOptions(AS_OF))
    return pair(folder / "out.csv")


@pytest.fixture
def replaced(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Calls `after(path)` (the hooks listed) after each os.replace of a file into place."""
    hooks: list[Any] = []
    real = os.replace

    def replace(source: Any, target: Any) -> None:
        real(source, target)
        for hook in list(hooks):
            hook(Path(target))

    monkeypatch.setattr(os, "replace", replace)
    yield hooks


@pytest.mark.fault
def test_a_sigterm_between_the_two_renames_leaves_the_new_pair(tmp_path: Path,
                                                                replaced: list[Any]) -> None:
    source = write_registry(tmp_path / "in.csv", 30, {4: "机构4,nowhere"})
    whole = reference(source, tmp_path / "reference")
    output = tmp_path / "out.csv"
    previous(output)

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # what `incentives batch` does with a SIGTERM

    replaced.append(lambda path: path == output and os.kill(os.getpid(), signal.SIGTERM))
    before = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_batch(source, output, BOOK, BatchOptions(AS_OF))
    finally:
        signal.signal(signal.SIGTERM, before)
    assert pair(output) == whole  # the stop waited until both were in place
    assert leftovers(tmp_path) == []


def rows(count: int, rejected: int) -> list[str]:
    return [registry_line(n) if n > rejected else f"机构{n},nowhere" for n in range(1, count)]


@pytest.mark.fault
def test_two_runs_on_one_output_leave_one_runs_pair(tmp_path: Path,
                                                    replaced: list[Any]) -> None:
    first = tmp_path / "first.csv"
    first.write_text("\n".join([HEADER, *rows(40, 0)]) + "\n", encoding="utf-8")
    second = tmp_path / "second.csv"
    second.write_text("\n".join([HEADER, *rows(20, 5)]) + "\n", encoding="utf-8")
    pairs = {reference(first, tmp_path / "a"), reference(second, tmp_path / "b")}
    output = tmp_path / "out.csv"
    other = threading.Thread(target=run_batch, args=(second, output, BOOK, BatchOptions(AS_OF)))

    def meanwhile(path: Path) -> None:
        # the first run has put its output in place, not yet its errors file: the second
        # run, all of it, now (or, as it must, once the first run's commit is done)
        if path == output and not other.is_alive() and other.ident is None:
            other.start()
            other.join(timeout=3)

    replaced.append(meanwhile)
    run_batch(first, output, BOOK, BatchOptions(AS_OF))
    other.join(timeout=60)
    assert other.ident is not None and not other.is_alive()
    assert pair(output) in pairs, "the output of one run and the errors file of the other"
    assert leftovers(tmp_path) == []


def summary_file(path: Path) -> SummaryFile:
    return SummaryFile(path, summary_writer(path))


@pytest.mark.fault
def test_two_runs_with_a_summary_file_leave_one_runs_three_files(tmp_path: Path,
                                                                 replaced: list[Any]) -> None:
    sources = {}
    for name, count, rejected in (("first", 40, 0), ("second", 20, 5)):
        sources[name] = tmp_path / f"{name}.csv"
        sources[name].write_text("\n".join([HEADER, *rows(count, rejected)]) + "\n",
                                 encoding="utf-8")
    sets = set()
    for name, source in sources.items():
        (tmp_path / name).mkdir()
        alone = tmp_path / name / "out.csv"
        run_batch(source, alone, BOOK, BatchOptions(AS_OF), None,
                  summary_file(tmp_path / name / "summary.json"))
        sets.add((*pair(alone), (tmp_path / name / "summary.json").read_bytes()))
    output, summary = tmp_path / "out.csv", tmp_path / "summary.json"
    other = threading.Thread(target=run_batch, args=(sources["second"], output, BOOK,
                                                     BatchOptions(AS_OF), None,
                                                     summary_file(summary)))

    def meanwhile(path: Path) -> None:
        # the first run has put its results in place, not yet the other two files
        if path == output and other.ident is None:
            other.start()
            other.join(timeout=3)

    replaced.append(meanwhile)
    run_batch(sources["first"], output, BOOK, BatchOptions(AS_OF), None, summary_file(summary))
    other.join(timeout=60)
    assert other.ident is not None and not other.is_alive()
    assert (*pair(output), summary.read_bytes()) in sets, "files of two runs side by side"
    assert leftovers(tmp_path) == []


@pytest.mark.fault
def test_a_summary_file_that_cannot_be_written_replaces_nothing(tmp_path: Path) -> None:
    source = write_registry(tmp_path / "in.csv", 10)
    output = tmp_path / "out.csv"
    previous(output)
    summary = tmp_path / "nowhere" / "summary.csv"
    done = cli("batch", source, "-o", output, "--summary-output", summary, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == "incentives: the results can't be written:"
    assert f"output {summary}: cannot write it: No such file or directory" in done.stderr
    assert "Traceback" not in done.stderr
    assert pair(output) == tuple(text.encode() for text in OLD)
    assert leftovers(tmp_path) == []


@pytest.mark.fault
def test_a_summary_writer_that_fails_replaces_nothing(tmp_path: Path) -> None:
    source = write_registry(tmp_path / "in.csv", 10)
    output, summary = tmp_path / "out.csv", tmp_path / "summary.csv"
    previous(output)
    summary.write_text("old summary\n")

    def broken(_summary: Summary, handle: IO[str]) -> None:
        handle.write("year,")
        raise RuntimeError("a renderer's bug")

    with pytest.raises(RuntimeError):
        run_batch(source, output, BOOK, BatchOptions(AS_OF), None, SummaryFile(summary, broken))
    assert pair(output) == tuple(text.encode() for text in OLD)
    assert summary.read_text() == "old summary\n"
    assert leftovers(tmp_path) == []


@pytest.mark.bad_input
@pytest.mark.parametrize("clash", ["in.csv", "out.csv", "out.csv.errors.csv"])
def test_a_summary_file_that_is_another_file_of_the_run_is_refused(tmp_path: Path,
                                                                   clash: str) -> None:
    source = write_registry(tmp_path / "in.csv", 10)
    before = source.read_bytes()
    done = cli("batch", source, "-o", tmp_path / "out.csv", "--summary-output",
               tmp_path / clash, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert (f"summary file {tmp_path / clash}: must differ from the input, the output and "
            "the errors file") in done.stderr
    assert source.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["in.csv"]


@pytest.mark.fault
def test_two_runs_on_one_output_through_the_command(tmp_path: Path) -> None:
    sources = [write_registry(tmp_path / f"in{n}.csv", rows) for n, rows in ((1, 900), (2, 600))]
    output = tmp_path / "out.csv"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    import sys

    runs = [subprocess.Popen([sys.executable, "-m", "incentives", "batch", str(source), "-o",
                              str(output), "--as-of", AS_OF.isoformat()], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for source in sources]
    for run in runs:
        _, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr
    out, errors = pair(output)
    assert out.count(b"\n") > 600  # a whole output: the header and every result
    assert errors == b"row,line,field,problem\n"  # neither run rejected a row
    assert out in {reference(source, tmp_path / source.stem)[0] for source in sources}
    assert leftovers(tmp_path) == []


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A folder that can't be written: read-only for a user, a read-only mount for root
    (whom permissions don't stop); skipped where neither can be had."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    yield from tmpfs(folder, "ro,", "read-only folder")


@pytest.mark.fault
def test_an_unwritable_output_folder(tmp_path: Path, unwritable: Path) -> None:
    source = write_registry(tmp_path / "in.csv", 10)
    output = unwritable / "out.csv"
    done = cli("batch", source, "-o", output, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == "incentives: the results can't be written:"
    assert done.stderr.splitlines()[1].startswith(f"  output {output}: cannot write it: ")
    assert "Traceback" not in done.stderr
    assert os.listdir(unwritable) == []


@pytest.mark.fault
@pytest.mark.parametrize("how", ["same", "symlink", "errors"])
def test_the_input_as_the_output_is_refused(tmp_path: Path, how: str) -> None:
    source = write_registry(tmp_path / "in.csv", 10)
    before = source.read_bytes()
    output = tmp_path / "out.csv"
    flags: list[str | Path] = ["-o", source]
    if how == "symlink":
        output.symlink_to(source)
        flags = ["-o", output]
    elif how == "errors":
        flags = ["-o", output, "--errors", source]
    done = cli("batch", source, *flags, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    what = "errors file" if how == "errors" else "output"
    assert done.stderr.splitlines()[1].startswith(f"  {what} {flags[-1]}: ")
    assert "Traceback" not in done.stderr
    assert source.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == (["in.csv", "out.csv"] if how == "symlink"
                                            else ["in.csv"])


PROFILE = 'city = "郑州"\nsponsor = "社会办"\nfor_profit = false\nkind = "诊所"\n'


def check(tmp_path: Path, cache: Path, **options: Any) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
           "XDG_CACHE_HOME": str(cache)}
    import sys

    return subprocess.run([sys.executable, "-m", "incentives", "check", str(profile),
                           "--as-of", AS_OF.isoformat()], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False, **options)


def full_disk(folder: Path) -> bool:
    """`folder` made a 64 KiB file system, filled; False where none can be mounted."""
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return False
    with suppress(OSError), (folder / "filler").open("wb") as filler:
        filler.write(b"\0" * (1 << 20))  # until the disk is full
    return True


@pytest.mark.fault
@pytest.mark.parametrize("fault", ["full disk", "file-size limit"])
def test_a_cache_that_cannot_be_written_costs_the_cache_not_the_answer(tmp_path: Path,
                                                                       fault: str) -> None:
    answer = check(tmp_path, tmp_path / "fresh-cache")
    assert answer.returncode == 0, answer.stderr
    assert list((tmp_path / "fresh-cache").rglob("*.json")), "the check wrote no cache entry"
    cache = tmp_path / "cache"
    options: dict[str, Any] = {}
    if fault == "full disk":
        if not full_disk(cache):
            pytest.skip("no small file system can be mounted here")
    else:
        cache.mkdir()
        options["preexec_fn"] = limited(0)
    try:
        done = check(tmp_path, cache, **options)
        assert (done.returncode, done.stdout, done.stderr) == (0, answer.stdout, answer.stderr)
        entries = [path for path in cache.rglob("*") if path.is_file() and path.stat().st_size]
        assert [path.name for path in entries] in ([], ["filler"])
        assert not any(path.name.endswith(".tmp") for path in cache.rglob("*"))
    finally:
        if fault == "full disk":
            subprocess.run(["umount", str(cache)], check=False)


@pytest.mark.fault
def test_signals_held_during_a_commit_are_acted_on_after_it_and_the_handlers_given_back(
        ) -> None:
    from incentives.files import _signals_held

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, stop)
    done = []
    try:
        with pytest.raises(KeyboardInterrupt), _signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            done.append("the block went on to its end")
        assert done == ["the block went on to its end"]
        assert signal.getsignal(signal.SIGTERM) is stop
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, before)
