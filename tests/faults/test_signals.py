"""Signals at seeded random points of a batch run: SIGTERM of the parent, and SIGKILL or
SIGTERM of one of its two workers.

Each trial starts `incentives batch` in a subprocess over a registry whose previous
outputs are in place, signals it at a point drawn from a seeded generator (a time spread
over the whole run, start-up included), and asserts that the previous pair is untouched
or the new complete pair is in place, never a mix; that no temporary file is left; that
standard error holds the one message a user reads and no traceback.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest

from ..conftest import ROOT
from ..test_batch_faults import AS_OF, children, leftovers, write_registry

SEED = int(os.environ.get("INCENTIVES_FAULT_SEED", "17"))  # another seed: other points
# rows: enough that a run lasts a second or two on either engine (the row engine is slower)
ROWS = {"--columnar": 30_000, "--no-columnar": 6_000}
OLD = ("old results\n", "old errors\n")


def command(source: Path, output: Path, engine: str) -> list[str]:
    return [sys.executable, "-m", "incentives", "batch", str(source), "-o", str(output),
            "--as-of", AS_OF.isoformat(), "--jobs", "2", engine]


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def reference(tmp_path: Path, engine: str) -> tuple[Path, tuple[bytes, bytes], float]:
    """The registry, the pair a whole run writes for it, and how long that run took."""
    source = write_registry(tmp_path / "registry.csv", ROWS[engine])
    output = tmp_path / "reference" / "out.csv"
    output.parent.mkdir()
    started = time.monotonic()
    done = subprocess.run(command(source, output, engine), env=environment(), timeout=120,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    pair = (output.read_bytes(), output.with_name("out.csv.errors.csv").read_bytes())
    return source, pair, time.monotonic() - started


def previous_pair(folder: Path) -> Path:
    folder.mkdir()
    output = folder / "out.csv"
    output.write_text(OLD[0])
    output.with_name("out.csv.errors.csv").write_text(OLD[1])
    return output


def outcome(output: Path, whole: tuple[bytes, bytes]) -> str:
    """"old" or "new": which pair is in place (an AssertionError for a mix or a part)."""
    pair = (output.read_bytes(), output.with_name("out.csv.errors.csv").read_bytes())
    if pair == tuple(text.encode() for text in OLD):
        return "old"
    assert pair == whole, "the outputs are neither the previous pair nor the new one"
    return "new"


ENGINES = pytest.mark.parametrize("engine", ["--columnar", "--no-columnar"])


@pytest.mark.fault
@ENGINES
def test_sigterm_of_the_run_at_random_points(tmp_path: Path, engine: str) -> None:
    source, whole, took = reference(tmp_path, engine)
    draw = random.Random(f"{SEED}{engine}")
    seen = []
    for trial in range(3):
        output = previous_pair(tmp_path / f"trial{trial}")
        process = subprocess.Popen(command(source, output, engine), env=environment(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(draw.uniform(0.2, 1.05) * took)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        assert "Traceback" not in stderr, stderr
        seen.append(outcome(output, whole))
        if seen[-1] == "old" and process.returncode == -signal.SIGTERM:
            assert stderr == ""  # stopped while starting, before it took the signal up
        elif seen[-1] == "old":
            # 130; once in a few hundred trials -2 after "Aborted." (a second
            # KeyboardInterrupt while exiting, not yet explained; nothing is lost)
            assert process.returncode in (130, -signal.SIGINT), stderr
            assert stderr.strip().splitlines()[-1] == "Aborted."
        else:  # the signal came as it ended: taken up (130) or, once the handler was
            # given back, the default's (-15); either way after the pair was in place
            assert process.returncode in (0, 130, -signal.SIGTERM), stderr
        assert leftovers(output.parent) == []
    assert "old" in seen, "no trial stopped the run before its end"


def workers_of(process: subprocess.Popen[str]) -> list[int]:
    """The batch's two worker processes, once it has started them (an empty list if it
    ended first)."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        found = children(process.pid)
        if len(found) == 2:
            return found
        time.sleep(0.005)
    return []


@pytest.mark.fault
@ENGINES
@pytest.mark.parametrize("kill", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_worker_signalled_at_a_random_point(tmp_path: Path, engine: str,
                                             kill: signal.Signals) -> None:
    source, whole, took = reference(tmp_path, engine)
    draw = random.Random(f"{SEED}{engine}{kill.name}")
    output = previous_pair(tmp_path / "trial")
    process = subprocess.Popen(command(source, output, engine), env=environment(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = workers_of(process)
    if workers:
        time.sleep(draw.uniform(0, 0.3) * took)
        victim = draw.choice(workers)
        with suppress(ProcessLookupError):  # it was done
            os.kill(victim, kill)
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    assert leftovers(output.parent) == []
    if outcome(output, whole) == "new":
        assert process.returncode == 0, stderr
        return
    assert process.returncode == 1, stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("incentives: the batch stopped: ")
    assert stderr.rstrip().endswith(f"nothing was written ({output} and "
                                    f"{output}.errors.csv are as they were)")
    if kill == signal.SIGKILL:
        assert f"worker process {victim} was killed by SIGKILL" in stderr



HALF_SENT = """
import os, struct, sys, time
from pathlib import Path
from incentives.batch.parallel import in_order

def work(number):
    if number == 0:
        return "first"
    while not Path("go").exists():
        time.sleep(0.01)
    frame = sys._getframe()
    while "result_queue" not in frame.f_locals:  # the pool's worker loop, which sends results
        frame = frame.f_back
    pipe = frame.f_locals["result_queue"]._writer.fileno()
    os.write(pipe, struct.pack("!i", 10_000_000) + b"part of a result")
    Path("half").touch()
    time.sleep(120)  # killed halfway through sending its result

for result in in_order(work, range(2), 2):
    Path("go").touch()
    while not Path("half").exists():
        time.sleep(0.01)
    break  # the run stops here (as a SIGTERM or Ctrl-C stops it)
print("stopped")
"""


@pytest.mark.fault
def test_stopping_while_a_worker_is_half_way_through_a_result_does_not_hang(
        tmp_path: Path) -> None:
    # the pool's thread went on waiting for the rest of the result from the dead worker,
    # and stopping the pool waited for that thread for ever
    done = subprocess.run([sys.executable, "-c", HALF_SENT], cwd=tmp_path,
                          env=environment(), capture_output=True, text=True, timeout=60,
                          check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "stopped\n", "")
