"""The wheel: it carries the rules and the fact schema, and the installed command finds them.

Builds the wheel, looks inside it, installs it into a fresh virtualenv and runs the
`incentives` command from a directory that has no rules/ folder beside it. Slow (about a
minute: building needs hatchling, the venv needs click, rich and dateutil).
"""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          timeout=timeout, env=env, check=False)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("dist")
    done = _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(ROOT)],
                cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    wheels = list(outdir.glob("incentives-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_carries_the_rules_the_schema_and_the_cli(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "incentives/cli/__init__.py",
        "incentives/__init__.py",
        "incentives/facts.toml",
        "incentives/rules/zhengzhou/city.toml",
        "incentives/rules/params/lending_rate.toml",
    ):
        assert required in names, f"{required} is not in the wheel"
    rule_files = sorted(p.relative_to(ROOT / "rules").as_posix()
                        for p in (ROOT / "rules").rglob("*.toml"))
    assert "zhengzhou/awards.toml" in rule_files
    for rule_file in rule_files:
        assert f"incentives/rules/{rule_file}" in names, f"{rule_file} is not in the wheel"
    # and nothing from the checkout that should not ship
    assert not any(n.startswith(("tests/", "examples/", "rules/")) for n in names)
    assert "cli.py" not in names  # no top-level module to collide with another distribution's


def test_wheel_rule_files_are_the_source_rule_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for path in (ROOT / "rules").rglob("*.toml"):
            inside = "incentives/rules/" + path.relative_to(ROOT / "rules").as_posix()
            assert archive.read(inside) == path.read_bytes(), inside


def test_wheel_declares_the_console_script(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        parser = configparser.ConfigParser()
        parser.read_string(archive.read(entry_points).decode())
    assert parser["console_scripts"]["incentives"].strip() == "incentives.cli:main"


def test_installed_command_finds_the_bundled_rules(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    done = _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    done = _run([str(bindir / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
                cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    profile = ROOT / "examples" / "new-rehabilitation-hospital.toml"
    done = _run([str(bindir / "incentives"), "check", str(profile), "--format", "json",
                 "--as-of", "2026-11-22"], cwd=workdir)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    reward = next(r for r in report["results"] if r["rule"] == "zhengzhou.investment-reward")
    assert reward["amount"] == "1038000.00"
    assert report["totals"]["cash"] == "1038000.00"
    assert len(report["results"]) == 13

    # the installed package is the one that ran: its rules live inside it, not in a checkout
    done = _run([str(bindir / "python"), "-c",
                 "import incentives.load.rulebook as r; print(r.bundled_rules_dir())"], cwd=workdir)
    assert done.returncode == 0, done.stderr
    bundled = Path(done.stdout.strip())
    assert bundled.is_relative_to(venv), bundled
    assert (bundled / "zhengzhou" / "city.toml").is_file()
