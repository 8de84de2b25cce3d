"""The hostile corpus (corpus.py), each attack run through the command in a subprocess
under a 1 GiB address-space limit and a timeout: refused with exit status 2, a message
naming the file, no traceback, nothing executed (a payload that would create a marker
file leaves none), within bounded wall time and peak memory (bounds that catch
exhaustion, not measures of speed).

The attacks run two at a time in one fixture (this machine has two cores); each is then
its own test.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from .corpus import CORPUS, Attack, folder_for

ROOT = Path(__file__).resolve().parents[2]
MEMORY = 1 << 30  # bytes of address space the command may have
SECONDS = 30  # wall time within which each attack must be refused
PEAK = 1 << 30  # bytes of peak resident memory


@dataclass
class Outcome:
    folder: Path
    marker: Path
    status: int
    stderr: str
    seconds: float
    peak: int  # bytes


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def attempt(attack: Attack, root: Path) -> Outcome:
    """`attack` planted in a folder of its own under `root`, and the command run on it."""
    root.mkdir()
    folder, marker = folder_for(root), root / "marker"
    attack.plant(folder, marker)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INCENTIVES_NO_CACHE": "1"}
    started = time.monotonic()
    with subprocess.Popen([sys.executable, "-m", "incentives", "rules", attack.command,
                           str(folder)], cwd=root, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, preexec_fn=_limit) as process:
        assert process.stderr is not None
        try:
            stderr = _read(process, SECONDS * 2)
        except AssertionError:
            os.kill(process.pid, signal.SIGKILL)
            raise
        finally:  # reaped here, not by Popen: wait4 gives this child's own peak memory
            _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    return Outcome(folder, marker, process.returncode, stderr, time.monotonic() - started,
                   usage.ru_maxrss * 1024)


def _read(process: subprocess.Popen[bytes], timeout: float) -> str:
    """Standard error, to its end (the process has closed it: it is ending)."""
    import threading

    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(process.stderr.read()))  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    assert not reader.is_alive(), "the command did not end in time"
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="session")
def outcomes() -> Iterator[dict[str, Outcome]]:
    with tempfile.TemporaryDirectory(prefix="incentives-corpus-") as base, \
            ThreadPoolExecutor(2) as pool:
        futures = {attack.id: pool.submit(attempt, attack, Path(base) / str(n))
                   for n, attack in enumerate(CORPUS)}
        yield {name: future.result() for name, future in futures.items()}


def test_each_attack_has_its_own_name() -> None:
    assert len({attack.id for attack in CORPUS}) == len(CORPUS)


@pytest.mark.attack
@pytest.mark.parametrize("attack", CORPUS, ids=[attack.id for attack in CORPUS])
def test_the_attack_is_refused(outcomes: dict[str, Outcome], attack: Attack) -> None:
    outcome = outcomes[attack.id]
    shown = outcome.stderr[-3000:]
    assert outcome.status == 2, shown
    assert "Traceback" not in outcome.stderr and "internal error" not in outcome.stderr, shown
    assert f"{outcome.folder / attack.file}:" in outcome.stderr, shown
    assert not outcome.marker.exists(), "the payload ran"
    assert outcome.seconds < SECONDS, f"{outcome.seconds:.1f} s"
    assert outcome.peak < PEAK, f"{outcome.peak:,} bytes at the peak"
