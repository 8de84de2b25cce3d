"""Assessing a batch's chunks on several cores, written back in input order.

Worker processes are forked, so they share the loaded rule book with the parent (it is
never pickled); each gets a chunk of rows and returns the chunk's output text, errors
text and summary. At most a few chunks are in flight at once, so memory stays flat
however long the registry. Where fork isn't available, or for a small file, or with
`jobs=1`, the chunks are assessed in this process, the same way.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import Job
    from .batch_io import RawRow
    from .batch_summary import Summary

Part = tuple[str, str, "Summary"]
SMALL_FILE = 256 * 1024  # bytes: below this, starting workers costs more than it saves
_JOB: Job | None = None  # the job of the batch being run, inherited by forked workers


def workers(requested: int | None, size: int) -> int:
    """How many worker processes to use (0: assess in this process)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    if requested is None:
        return 0 if size < SMALL_FILE else min(2, os.cpu_count() or 1)
    return 0 if requested <= 1 else requested


def assess_chunks(job: Job, chunks: Iterable[list[RawRow]], size: int) -> Iterator[Part]:
    """Each chunk's (output text, errors text, summary), in order."""
    from .batch import assess_chunk

    count = workers(job.options.jobs, size)
    if count == 0:
        for chunk in chunks:
            yield assess_chunk(job, chunk)
        return
    global _JOB
    _JOB = job
    context = multiprocessing.get_context("fork")
    pool = context.Pool(count, initializer=_quiet_worker)
    try:
        waiting: deque[Any] = deque()
        for chunk in chunks:
            waiting.append(pool.apply_async(_assess_in_worker, (chunk,)))
            if len(waiting) > 2 * count:
                yield waiting.popleft().get()
        while waiting:
            yield waiting.popleft().get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        _JOB = None


def _quiet_worker() -> None:
    """Ctrl-C is the parent's to handle (it stops the workers); SIGTERM just ends one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _assess_in_worker(chunk: list[RawRow]) -> Part:
    from .batch import assess_chunk

    assert _JOB is not None
    return assess_chunk(_JOB, chunk)
