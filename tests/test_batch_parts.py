"""The columnar path's workers hand back their output as files in a scratch folder: the
parent puts them in order into the output, and the folder goes however the run ends."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest

from incentives import files, load_rulebook
from incentives.batch.columnar.run import BlockWriter
from incentives.batch.run import BatchOptions, run_batch
from incentives.errors import WorkerDied
from tests.test_batch_columnar import BENCHMARK

BOOK = load_rulebook()
AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More than two blocks of the columnar reader, so workers take some."""
    path = tmp_path_factory.mktemp("registry") / "registry.csv"
    BENCHMARK.generate(path, 70_000, seed=16)
    assert path.stat().st_size > 9 << 20
    return path


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder and the one in memory, for this test alone."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setattr(files, "MEMORY_FOLDER", folder)
    return folder


def test_workers_write_what_one_process_writes(registry: Path, tmp_path: Path,
                                               scratch: Path) -> None:
    outputs = []
    for jobs in (1, 2):
        output = tmp_path / f"out-{jobs}.csv"
        summary = run_batch(registry, output, BOOK, BatchOptions(AS_OF, jobs=jobs))
        assert summary.read == 70_000 and summary.columnar > 69_000
        outputs.append(output.read_bytes())
    assert outputs[0] == outputs[1]
    assert list(scratch.iterdir()) == []  # the workers' parts, and their folder, are gone


def _fails_in_a_worker(self: BlockWriter, block: object, summary: object,
                       write: object) -> str:
    import os

    if os.getpid() != PARENT[0]:
        os._exit(3)  # as a worker killed mid-block
    return ORIGINAL(self, block, summary, write)  # type: ignore[arg-type]


PARENT = [0]
ORIGINAL = BlockWriter.block


def test_a_dead_worker_leaves_no_part_and_no_output(registry: Path, tmp_path: Path,
                                                    scratch: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    PARENT[0] = os.getpid()
    monkeypatch.setattr(BlockWriter, "block", _fails_in_a_worker)
    output = tmp_path / "out.csv"
    with pytest.raises(WorkerDied):
        run_batch(registry, output, BOOK, BatchOptions(AS_OF, jobs=2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]  # no output, no temporary
    assert list(scratch.iterdir()) == []


def test_a_scratch_file_that_fails_is_removed(tmp_path: Path) -> None:
    with pytest.raises(OSError), files.scratch_file(tmp_path) as (handle, name):
        handle.write(b"half a part")
        raise OSError("disk full")
    assert list(tmp_path.iterdir()) == []
    with files.scratch_file(tmp_path) as (handle, name):
        handle.write(b"a part")
    with (tmp_path / "sink").open("wb") as sink:
        sink.write(b"before ")
        files.move_into(Path(name), sink)
        sink.write(b" after")
    assert (tmp_path / "sink").read_bytes() == b"before a part after"
    assert not Path(name).exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_part_that_cannot_be_written_names_the_output(tmp_path: Path) -> None:
    """As every write of an output does (files._Named): the error names the output, so
    the batch words it as a full disk there, not as a bug."""
    import io
    import os

    with files.scratch_file(tmp_path) as (handle, name):
        handle.write(b"a part")
    output = tmp_path / "out.csv"
    full = io.BufferedWriter(files._Named(os.open("/dev/full", os.O_WRONLY), output))
    with pytest.raises(OSError) as failed:
        files.move_into(Path(name), full)
    assert failed.value.filename == str(output)
    assert not Path(name).exists()
