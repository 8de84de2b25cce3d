"""Assessing a batch's chunks on several cores, written back in input order.

Worker processes are forked, so they share the loaded rule book with the parent (it is
never pickled); each gets a chunk of rows (or, on the columnar path, a piece of the
file) and returns the chunk's output text, errors text and summary. At most a few
chunks are in flight at once, so memory stays flat however long the registry. Where
fork isn't available, or for a small file, or with `jobs=1`, the chunks are assessed in
this process, the same way. A worker that dies (killed, or out of memory) stops the
batch at once with `WorkerDied`, never a wait for a result that will not come.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from typing import Any

from incentives.batch.io import RawRow
from incentives.batch.job import Job, assess_chunk
from incentives.batch.summary import Summary
from incentives.errors import WorkerDied

Part = tuple[str, str, Summary]
SMALL_FILE = 256 * 1024  # bytes: below this, starting workers costs more than it saves
# what the workers of the batch being run do to each item: set before they are forked, so
# they inherit it (with the loaded rule book) and it is never pickled
_WORK: Callable[[Any], Any] | None = None


def workers(requested: int | None, size: int) -> int:
    """How many worker processes to use (0: assess in this process)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    if requested is None:
        return 0 if size < SMALL_FILE else min(2, os.cpu_count() or 1)
    return 0 if requested <= 1 else requested


def assess_chunks(job: Job, chunks: Iterable[list[RawRow]], size: int) -> Iterator[Part]:
    """Each chunk's (output text, errors text, summary), in order."""

    count = workers(job.options.jobs, size)
    return in_order(lambda chunk: assess_chunk(job, chunk), chunks, count)


def in_order(work: Callable[[Any], Any], items: Iterable[Any], count: int) -> Iterator[Any]:
    """work(item) for each item, on `count` forked workers (0: here), in the items' order,
    with at most a few items in flight. WorkerDied if a worker process dies (killed, or
    out of memory): the others are stopped, nothing more is handed out."""
    if count == 0:
        for item in items:
            yield work(item)
        return
    global _WORK
    _WORK = work
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"),
                               initializer=_quiet_worker)
    finished = False
    try:
        yield from _in_flight(pool, items, count)
        finished = True
    except BrokenProcessPool:
        processes = _workers(pool)
        _stop(pool, finished)  # the pool's own thread reaps them: their exit codes then
        raise WorkerDied(_what_died(processes)) from None
    finally:
        _stop(pool, finished)
        _WORK = None


def _in_flight(pool: ProcessPoolExecutor, items: Iterable[Any], count: int) -> Iterator[Any]:
    waiting: deque[Future[Any]] = deque()
    for item in items:
        waiting.append(pool.submit(_in_worker, item))
        if len(waiting) > 2 * count:
            yield waiting.popleft().result()
    while waiting:
        yield waiting.popleft().result()


def _workers(pool: ProcessPoolExecutor) -> list[BaseProcess]:
    # ProcessPoolExecutor has no public list of its processes (nor, before Python 3.14,
    # a way to stop them mid-task)
    processes: dict[int, BaseProcess] | None = getattr(pool, "_processes", None)
    return list((processes or {}).values())


def _stop(pool: ProcessPoolExecutor, finished: bool) -> None:
    """Shut the pool down: at once, workers and all, unless every item is done; return
    once its thread has reaped every worker (so that their exit codes are known)."""
    if not finished:
        for process in _workers(pool):
            if process.is_alive():
                process.terminate()
        _unblock(pool)
    pool.shutdown(wait=True, cancel_futures=True)


def _unblock(pool: ProcessPoolExecutor) -> None:
    """As the workers are stopped: close this process's copy of the end they send results
    through, so that the pool's thread, if a worker died halfway through sending one,
    reads the end of the pipe once they are dead (and stops) instead of waiting for the
    rest from a peer that never sends it (the pool holds both ends of the pipe itself).
    Nothing else here uses that end before pool.shutdown closes it; the pool's thread
    itself closes the end its items go out through (so a half-sent item can't hang)."""
    queue = getattr(pool, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    if writer is not None:
        writer.close()


def _what_died(processes: list[BaseProcess]) -> str:
    """Which worker died and how, as far as can be told."""
    for process in processes:
        code = process.exitcode
        if code is None or code == 0 or code == -signal.SIGTERM:
            continue
        if code < 0:
            how = f"was killed by {signal.Signals(-code).name}"
            if code == -signal.SIGKILL:
                how += " (as the system does when memory runs out)"
        else:
            how = f"exited with status {code}"
        return f"worker process {process.pid} {how}"
    return "a worker process ended abruptly"


def _quiet_worker() -> None:
    """Ctrl-C is the parent's to handle (it stops the workers); SIGTERM just ends one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _in_worker(item: Any) -> Any:
    assert _WORK is not None
    return _WORK(item)
