"""The counts docs/reliability.md closes with (hooks tests/conftest.py takes in): every
test marked `fault`, `attack` or `bad_input` is one fault injected, one attack tried or
one bad input tried; it passing is that fault survived with nothing lost, that attack
refused, that input given a clear error.

    INCENTIVES_FAULT_COUNTS=counts.json python -m pytest -q tests

writes them as JSON (and prints them at the end of the run).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

KINDS = {"fault": ("faults injected", "survived with nothing lost"),
         "attack": ("attacks tried", "refused"),
         "bad_input": ("bad inputs tried", "clear errors")}
_OUTCOMES: dict[str, dict[str, bool]] = {kind: {} for kind in KINDS}


def pytest_configure(config: pytest.Config) -> None:
    for kind, (tried, passed) in KINDS.items():
        config.addinivalue_line("markers", f"{kind}: counted among the {tried} ({passed})")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = (yield).get_result()
    for kind in KINDS:
        if item.get_closest_marker(kind) is None or report.skipped:
            continue
        if report.when == "call" or report.failed:
            ok = _OUTCOMES[kind].get(item.nodeid, True)
            _OUTCOMES[kind][item.nodeid] = ok and report.passed


def counts() -> dict[str, dict[str, int]]:
    return {kind: {"tried": len(seen), "passed": sum(seen.values())}
            for kind, seen in _OUTCOMES.items()}


def pytest_sessionfinish(session: pytest.Session) -> None:
    where = os.environ.get("INCENTIVES_FAULT_COUNTS")
    if not where or not any(_OUTCOMES.values()):
        return
    Path(where).write_text(json.dumps(counts(), indent=2) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not os.environ.get("INCENTIVES_FAULT_COUNTS") or not any(_OUTCOMES.values()):
        return
    for kind, numbers in counts().items():
        tried, passed = KINDS[kind]
        terminalreporter.write_line(f"{tried}: {numbers['tried']}; "
                                    f"{passed}: {numbers['passed']}")
