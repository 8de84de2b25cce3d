"""Writing and reading files safely: the one atomic-write helper every writer uses, and the
one bounded read every reader of a stranger's file uses.

A write goes to a new temporary file beside the target (created exclusively, so a planted
symlink is never followed) and is renamed into place only when it is complete: a crash, a
full disk or Ctrl-C leaves the old file, or none, never half a one. A read checks the file
before it opens it for reading: a pipe, a device or a file over the limit is refused
before a byte is read, and the read itself stops at the limit (the file may grow).
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_write(path: Path, encoding: str = "utf-8", newline: str | None = "",
                 ) -> Iterator[IO[str]]:
    """Write `path` through a temporary file beside it, renamed into place only when the
    block ends normally. OSError (no such folder, disk full, file too large) goes to the
    caller, who words it, with `filename` the path it was writing; the temporary file is
    removed first."""
    with atomic_writes([path], encoding, newline) as handles:
        yield handles[0]


@contextmanager
def atomic_writes(paths: list[Path], encoding: str = "utf-8", newline: str | None = "",
                  ) -> Iterator[list[IO[str]]]:
    """Several files written as one: each through a temporary file beside it, and none
    renamed into place until every one is complete (written out and closed), so that a
    failure in any (a full disk, a file-size limit) leaves every old file as it was. An
    OSError in writing one of them has `filename` set to that file's path."""
    handles: list[IO[str]] = []
    temporaries: list[str] = []
    locks: list[int] = []
    try:
        for path in paths:
            remove_stale(path)
            handle, temporary = _temporary(path, encoding, newline)
            handles.append(handle)
            temporaries.append(temporary)
            locks.append(_lock(temporary))
        yield handles
        for handle in handles:
            handle.close()
        with _committing(paths):
            for path, temporary in zip(paths, temporaries, strict=True):
                os.chmod(temporary, _mode_for(path))
                os.replace(temporary, path)
    except BaseException:
        for handle in handles:
            with suppress(OSError):  # what it still held can't be written either
                handle.close()
        for temporary in temporaries:
            Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        for lock in locks:
            os.close(lock)


@contextmanager
def _committing(paths: list[Path]) -> Iterator[None]:
    """While several files are renamed into place: Ctrl-C and SIGTERM wait until every one
    is (so a stop never leaves some new and some old), and another process committing files
    in the same folders waits too (so two runs on one output leave one run's set, never
    a mix). The folders are locked in one order, so two commits never wait on each other."""
    folders = sorted({os.path.abspath(path.parent if str(path.parent) else ".")
                      for path in paths})
    locks = []
    with _signals_held():
        try:
            for folder in folders:
                with suppress(OSError):  # a folder that can't be opened is just not locked
                    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
                    locks.append(descriptor)
                    fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            for descriptor in locks:
                os.close(descriptor)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM that arrive in the block are acted on (by the handlers there were
    before) once it ends; in the main thread only, where Python runs signal handlers."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[tuple[int, Any]] = []
    before: dict[int, Any] = {}
    try:  # a handler may run between any two steps: restore whatever was replaced
        for number in (int(signal.SIGINT), int(signal.SIGTERM)):
            before[number] = signal.getsignal(number)
            signal.signal(number, lambda n, frame: arrived.append((n, frame)))
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        for number, frame in arrived[:1]:
            handler = before[number]
            if callable(handler):
                handler(number, frame)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(number)


def _lock(temporary: str) -> int:
    """A descriptor holding an exclusive lock on the temporary file while its writer lives
    (the kernel lets go when the process dies, however it dies)."""
    descriptor = os.open(temporary, os.O_RDONLY)
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return descriptor


STALE_AFTER = 2.0  # seconds: a temporary younger than this may not be locked yet


def remove_stale(path: Path) -> list[Path]:
    """Remove the temporary files a killed writer of `path` left beside it (`.NAME.*.tmp`
    that no living process holds locked); the ones removed. A file another run is still
    writing is locked, and left alone."""
    import time

    directory = path.parent if str(path.parent) else Path(".")
    removed = []
    own = re.compile(rf"\.{re.escape(path.name)}\.[A-Za-z0-9_]+\.tmp")  # mkstemp's names
    for candidate in directory.glob(f".{glob_escape(path.name)}.*.tmp"):
        if not own.fullmatch(candidate.name):
            continue  # another file's (out.csv.errors.csv's beside out.csv's)
        try:
            descriptor = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or time.time() - info.st_mtime < STALE_AFTER:
                continue
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # held by a writer that is alive
        else:
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
        finally:
            os.close(descriptor)
    return removed


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


class _Named(io.FileIO):
    """A file whose failed writes say which file it stands for (the final path, not the
    temporary's), however many layers of buffering they come up through."""

    def __init__(self, descriptor: int, path: Path) -> None:
        super().__init__(descriptor, "w")
        self.path = path

    def write(self, data: Any) -> int:
        try:
            return super().write(data)
        except OSError as error:
            error.filename = str(self.path)
            raise

    def close(self) -> None:
        try:
            super().close()
        except OSError as error:
            error.filename = str(self.path)
            raise


def _temporary(path: Path, encoding: str, newline: str | None) -> tuple[IO[str], str]:
    directory = path.parent if str(path.parent) else Path(".")
    try:
        import tempfile  # here, not at the top: it pulls in shutil, bz2, lzma, random

        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.",
                                                 suffix=".tmp")
    except OSError as error:
        error.filename = str(path)
        raise
    raw = _Named(descriptor, path)
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding, newline=newline), temporary


MEMORY_FOLDER = Path("/dev/shm")  # a file system in memory, where the system has one


@contextmanager
def scratch_directory(in_memory: bool = False) -> Iterator[Path]:
    """A new folder, private to this user, removed with whatever it holds when the block
    ends, however it ends (a worker's parts of a batch output, made in another process
    and read back here): among the system's temporary files, or with `in_memory` in
    MEMORY_FOLDER where that is a folder one can write to (the parts then never reach
    the disk)."""
    import shutil
    import tempfile

    where = None
    if in_memory and MEMORY_FOLDER.is_dir() and os.access(MEMORY_FOLDER, os.W_OK | os.X_OK):
        where = str(MEMORY_FOLDER)
    folder = Path(tempfile.mkdtemp(prefix="incentives-", dir=where))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def scratch_file(folder: Path) -> Iterator[tuple[IO[bytes], str]]:
    """A new binary file in `folder` (a `scratch_directory`) and its name: closed and kept
    when the block ends normally, removed if it fails."""
    import tempfile

    descriptor, name = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle, name
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def move_into(part: Path, sink: IO[bytes]) -> None:
    """Copy a scratch file's bytes to the end of `sink` (by the kernel, where it can:
    sendfile), then remove it. An OSError in writing names `sink`'s file, as `_Named`
    does."""
    try:
        with part.open("rb") as handle:
            sink.flush()
            try:
                _send(handle, sink)
            except OSError as error:
                shown = getattr(getattr(sink, "raw", None), "path", None)
                if shown is not None:
                    error.filename = str(shown)
                raise
    finally:
        part.unlink(missing_ok=True)


def _send(handle: IO[bytes], sink: IO[bytes]) -> None:
    import shutil

    try:
        target = sink.fileno()
    except (OSError, AttributeError, io.UnsupportedOperation):
        shutil.copyfileobj(handle, sink, 4 << 20)
        return
    size, done = os.fstat(handle.fileno()).st_size, 0
    while done < size:
        sent = os.sendfile(target, handle.fileno(), done, size - done)
        if sent == 0:  # the part is shorter than it was: nothing more to send
            break
        done += sent


def write_text(path: Path, text: str) -> None:
    """`path.write_text(text)`, atomically, with a final newline."""
    with atomic_write(path, newline=None) as handle:
        handle.write(text if text.endswith("\n") else text + "\n")


def _mode_for(path: Path) -> int:
    """The old file's permissions, or what a newly created file gets (not mkstemp's 0600)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


class NotReadable(OSError):
    """A file refused before reading: not a regular file, or larger than allowed (then
    `size` is its size, if known)."""

    def __init__(self, message: str, size: int | None = None) -> None:
        super().__init__(message)
        self.size = size


def read_bounded(path: Path, limit: int, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; NotReadable otherwise (and,
    with `follow_symlinks=False`, an OSError for a symbolic link).

    The file is opened without blocking (a FIFO would otherwise wait for a writer) and
    checked by its open descriptor, so it cannot be swapped between the check and the read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable(f"{path}: not a regular file")
        if info.st_size > limit:
            raise NotReadable(f"{path}: {info.st_size:,} bytes, more than {limit:,}",
                              info.st_size)
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise NotReadable(f"{path}: more than {limit:,} bytes")
    return data
