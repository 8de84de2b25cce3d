"""Rule authors' test cases, as data: `tests/*.toml` beside a city's rule files.

```toml
[[case]]
name = "A new rehabilitation hospital investing 8,650万 gets 1.2%, half at opening"
as_of = 2026-11-22
profile = "../../../examples/new-rehabilitation-hospital.toml"   # or an inline table
params = { lending_rate = "4.35%" }                              # optional
# 8650万 × 1.2% = 1,038,000: half at opening, half within two years; city and district
[case.expect."zhengzhou.investment-reward"]
status = "eligible"
amount = "1038000"
payers = { city = "519000", district = "519000" }
schedule = [{ due = "2025-04-28", amount = "519000" }, { due = "2027-04-28" }]
```

Only what a case states is checked. What each expectation may say is in `EXPECTED`.
Every problem of a case file is reported with its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from incentives.errors import MoneyError, RuleProblem
from incentives.load.source import SourceFile, rule_folder_of
from incentives.model.money import parse_amount

CASE_KEYS = {"name", "as_of", "profile", "params", "expect"}
# what an expectation of one rule may state, and what each holds
EXPECTED = {
    "status": "eligible, needs_info or not_eligible",
    "amount": "the amount in yuan (\"1038000\", \"8650万\"), or \"unstated\"",
    "range": "[least, most] of an amount left open",
    "payers": "{ payer = amount } for each payer stated",
    "schedule": "[{ due = date, amount = … }] in order (amount optional)",
    "period": "{ start = date, end = date } (end may be \"open\")",
    "missing": "the facts that would settle it, in any order",
    "past": "true or false",
}
MAX_CASES = 1000


@dataclass
class Case:
    """One case: a sentence for a name, an as-of date, a profile, overrides, expectations."""

    name: str
    as_of: date
    profile: dict[str, Any] | Path
    params: dict[str, str] = field(default_factory=dict)
    expect: dict[str, dict[str, Any]] = field(default_factory=dict)
    file: str = ""
    line: int = 0


def case_files(folder: Path) -> list[Path]:
    """A rule folder's case files (or those of each city folder in it)."""
    if (folder / "city.toml").exists():
        return sorted((folder / "tests").glob("*.toml"))
    return [path for city in sorted(folder.glob("*/city.toml"))
            for path in sorted((city.parent / "tests").glob("*.toml"))]


def load_cases(path: Path, problems: list[RuleProblem]) -> list[Case]:
    """The cases of one file; each problem (file, line, why) added to `problems`."""
    source = SourceFile(path, problems)
    if source.data is None:
        return []
    for key in sorted(set(source.data) - {"case"}):
        source.problem(source.key_line(1, key, within_rule=False),
                       f"unknown top-level key {key!r}; a case file holds [[case]] tables")
    tables = source.data.get("case", [])
    if not isinstance(tables, list) or not tables or len(tables) > MAX_CASES:
        source.problem(1, f"a case file holds 1 to {MAX_CASES} [[case]] tables")
        return []
    lines = source.header_lines("case")
    cases = []
    for index, table in enumerate(tables):
        line = lines[index] if index < len(lines) else 1
        case = _read_case(source, path, line, table)
        if case is not None:
            cases.append(case)
    return cases


def _read_case(source: SourceFile, path: Path, line: int, table: Any) -> Case | None:
    def problem(key: str, why: str) -> None:
        source.problem(source.key_line(line, key) if key else line,
                       f"case {shown_name}: {key + ': ' if key else ''}{why}")

    shown_name = repr(table.get("name", "?")) if isinstance(table, dict) else "?"
    if not isinstance(table, dict):
        problem("", "must be a [[case]] table")
        return None
    before = len(source.problems)
    for key in sorted(set(table) - CASE_KEYS):
        problem(key, f"unknown key; a case has {', '.join(sorted(CASE_KEYS))}")
    name, as_of, profile = table.get("name"), table.get("as_of"), table.get("profile")
    if not isinstance(name, str) or not name.strip():
        problem("name", "a sentence saying what the case shows")
    if not isinstance(as_of, date):
        problem("as_of", "the date it is assessed on, e.g. 2026-11-22 (no quotes)")
    if isinstance(profile, str):
        profile = (path.parent / profile).resolve()
        folder = rule_folder_of(path).resolve()
        if not profile.is_relative_to(folder):
            problem("profile", f"{profile} is outside the rule folder {folder}; a case's "
                    "profile is a file of the folder (or an inline table)")
        elif not profile.is_file():
            problem("profile", f"no profile file {profile}")
    elif not isinstance(profile, dict):
        problem("profile", "an inline table of facts, or a profile file's path")
    params = table.get("params", {})
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        problem("params", "a table of NAME = \"VALUE\", as --param takes them")
    expect = table.get("expect", {})
    if not isinstance(expect, dict) or not expect:
        problem("expect", "a table [case.expect.\"RULE_ID\"] for each rule it checks")
        expect = {}
    for rule_id, stated in expect.items():
        if not isinstance(stated, dict) or not stated:
            problem("expect", f"{rule_id}: a table of what to check")
            continue
        for key in sorted(set(stated) - set(EXPECTED)):
            problem("expect", f"{rule_id}: unknown key {key!r}; one of "
                    + ", ".join(EXPECTED))
        for key, text in _not_amounts(stated):
            problem("expect", f"{rule_id}: {key}: {text!r} is not an amount; "
                    f"{key} holds {EXPECTED[key]}")
    if len(source.problems) > before or not isinstance(profile, dict | Path) \
            or not isinstance(as_of, date):
        return None
    return Case(str(name).strip(), as_of, profile, params, expect, str(path), line)


def _not_amounts(stated: dict[str, Any]) -> list[tuple[str, Any]]:
    """(key, text) for each amount an expectation states that is not one (a case that
    could never pass, whatever the rule says)."""
    texts = [("amount", stated["amount"])] if stated.get("amount", "unstated") != "unstated" \
        else []
    for key in ("range", "payers"):
        values = stated.get(key)
        items = list(values.values()) if isinstance(values, dict) else values
        texts += [(key, text) for text in items] if isinstance(items, list) else []
    for entry in stated.get("schedule") or []:
        if isinstance(entry, dict) and "amount" in entry:
            texts.append(("schedule", entry["amount"]))
    return [(key, text) for key, text in texts if not _is_amount(text)]


def _is_amount(text: Any) -> bool:
    try:
        parse_amount(str(text).replace(",", ""))
    except MoneyError:
        return False
    return not isinstance(text, bool)
