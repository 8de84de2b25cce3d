"""Faults during a batch: the input changing underneath it, and the temporary files a
killed run leaves beside its outputs.

- A registry truncated, overwritten or appended while it is read is refused, naming it,
  and nothing is written: the previous outputs stay as they were.
- A run killed with SIGKILL leaves its `.OUTPUT.*.tmp` files; the next run on that output
  removes them (a temporary another live run holds is left alone), and writes the whole
  pair.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from incentives import load_rulebook
from incentives.batch.run import BatchOptions, run_batch
from incentives.errors import RegistryError
from incentives.files import remove_stale

from ..conftest import ROOT
from ..test_batch_faults import AS_OF, leftovers, registry_line, write_registry

pytestmark = pytest.mark.fault  # counted in docs/reliability.md

BOOK = load_rulebook()
ENGINES = pytest.mark.parametrize("columnar", [True, False], ids=["columnar", "row"])


def appended(path: Path) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(registry_line(99_999) + "\n")


def truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def overwritten(path: Path) -> None:
    """The same size, other bytes: what an editor saving in place does."""
    data = bytearray(path.read_bytes())
    data[-5:-1] = b"0000"
    path.write_bytes(bytes(data))


@ENGINES
@pytest.mark.parametrize("change", [appended, truncated, overwritten],
                         ids=["appended", "truncated", "overwritten"])
def test_an_input_that_changes_while_it_is_read_is_refused(
        tmp_path: Path, columnar: bool, change: Callable[[Path], None]) -> None:
    source = write_registry(tmp_path / "registry.csv", 1500)
    output = tmp_path / "out.csv"
    options = BatchOptions(AS_OF, columnar=columnar)
    run_batch(source, output, BOOK, options)
    before = (output.read_bytes(), options.errors_path(output).read_bytes())
    changed: list[int] = []

    def midway(done: int, total: int, rows: int) -> None:
        if not changed:
            time.sleep(0.01)  # a change within the same clock tick still moves ctime
            change(source)
            changed.append(done)

    with pytest.raises(RegistryError) as refused:
        run_batch(source, output, BOOK, options, midway)
    assert changed, "the change was never made"
    assert f"input {source}: changed while it was read" in str(refused.value)
    assert (output.read_bytes(), options.errors_path(output).read_bytes()) == before
    assert leftovers(tmp_path) == []


def stale(folder: Path, name: str, age: float = 60, tag: str = "k1ll3d") -> Path:
    path = folder / f".{name}.{tag}.tmp"
    path.write_text("half a file", encoding="utf-8")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_stale_temporaries_are_removed_and_a_live_one_is_left(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    dead = stale(tmp_path, "out.csv")
    live = stale(tmp_path, "out.csv.errors.csv")
    young = stale(tmp_path, "out.csv", age=0, tag="y0ung")
    other = stale(tmp_path, "other.csv")
    holder = os.open(live, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as a run still writing it holds it
    try:
        source = write_registry(tmp_path / "registry.csv", 20)
        run_batch(source, output, BOOK, BatchOptions(AS_OF))
        assert not dead.exists()
        assert live.exists() and young.exists() and other.exists()
    finally:
        os.close(holder)
    os.utime(young, (time.time() - 60,) * 2)
    assert remove_stale(output) == [young]
    assert remove_stale(output.with_name("out.csv.errors.csv")) == [live]


def test_a_run_killed_with_sigkill_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    source = write_registry(tmp_path / "registry.csv", 60_000)
    output = tmp_path / "out.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "incentives", "batch", str(source), "-o", str(output),
               "--as-of", AS_OF.isoformat(), "--jobs", "1"]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    if process.poll() is not None:
        pytest.skip("the run finished before it could be killed (a very fast machine)")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert leftovers(tmp_path), "the kill left no temporary to clean up"
    assert not output.exists()
    for path in tmp_path.glob(".*.tmp"):
        os.utime(path, (time.time() - 60,) * 2)  # killed a while ago
    again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert "read 60,000 = assessed 60,000 + rejected 0" in again.stdout
    assert leftovers(tmp_path) == []
    assert "Traceback" not in again.stderr
