"""The bundled rule files, city.toml, facts.toml, parameter files and example profiles
checked by taplo, as an editor checks them, against the schemas in schemas/ (each file
names its own on its first line, `#:schema ../../schemas/rules.json`: no network)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_schema import FIXTURES, ROOT, SCHEMAS, schema_files

TAPLO = shutil.which("taplo") or shutil.which("taplo", path=str(Path(sys.executable).parent))


def taplo(*args: str | Path) -> subprocess.CompletedProcess[str]:
    if TAPLO is None:
        pytest.skip("the taplo command is not installed (pip install taplo)")
    env = dict(os.environ, RUST_LOG="warn")
    return subprocess.run([TAPLO, "check", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", timeout=120, check=False, cwd=ROOT, env=env)


def test_taplo_finds_every_bundled_file_and_example_profile_sound() -> None:
    paths = [path for path, _ in schema_files()]
    result = taplo(*paths)  # each by its own #:schema line, a relative path: no network
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize(("path", "kind"), [
    (FIXTURES / "schema-broken-rules" / "awards.toml", "rules"),
    (FIXTURES / "schema-broken-city" / "city.toml", "city"),
])
def test_taplo_refuses_a_file_out_of_shape(path: Path, kind: str) -> None:
    result = taplo("--schema", (SCHEMAS / f"{kind}.json").as_uri(), path)
    assert result.returncode == 1, result.stderr[-3000:]
    told = "'colour' was unexpected" if kind == "rules" else '"borough" is not one of'
    assert told in result.stderr


def test_taplo_refuses_a_profile_with_an_unknown_fact_or_value_by_its_schema_line(
        tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    schema = os.path.relpath(SCHEMAS / "profile.json", tmp_path)
    profile.write_text(f'#:schema {schema}\ncity = "郑州市"\nsponsor = "nobody"\ncolour = 1\n',
                       "utf-8")
    result = taplo(profile)  # the #:schema line alone says which schema: it is read
    assert result.returncode == 1
    assert "'colour' was unexpected" in result.stderr and '"nobody"' in result.stderr
