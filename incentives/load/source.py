"""Reading TOML rule files safely, and reporting problems in them with file and line.

A file over the size limit or nested too deep is refused before it is parsed; a problem
anywhere is recorded, never raised at once, so that a user sees every problem together.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from incentives.errors import RuleProblem
from incentives.load.cache import parse_toml

MAX_RULE_FILE_BYTES = 512 * 1024
MAX_TOML_NESTING = 24
_BRACKETS = re.compile(r"[\[\]{}]")
_RULE_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*\w+[ \t]*\]\]")






class SourceFile:
    """A TOML file's text and table, with a way to find the line of a rule's key."""

    def __init__(self, path: Path, problems: list[RuleProblem]) -> None:
        self.path = path
        self.name = str(path)
        self.text = ""
        self.data: dict[str, Any] | None = None
        self.problems = problems
        self.read()

    def read(self) -> None:
        try:
            size = self.path.stat().st_size
            if size > MAX_RULE_FILE_BYTES:
                self.problem(1, f"file is {size} bytes, over the limit of {MAX_RULE_FILE_BYTES}")
                return
            self.text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.problem(1, f"cannot read the file: {error}")
            return
        depth = _max_bracket_depth(self.text)
        if depth > MAX_TOML_NESTING:
            self.problem(1, f"tables or lists nested {depth} deep "
                         f"(the limit is {MAX_TOML_NESTING})")
            return
        try:
            data = parse_toml(self.text)
        except tomllib.TOMLDecodeError as error:
            line = re.search(r"line (\d+)", str(error))
            self.problem(int(line.group(1)) if line else 1, f"not valid TOML: {brief(error)}")
            return
        except ValueError:  # int() refuses a number of more than 4300 digits
            self.problem(1, "not valid TOML: a number in it is far too long")
            return
        except RecursionError:
            self.problem(1, "not valid TOML: nested too deeply")
            return
        depth = _data_depth(data)  # dotted keys (a.b.c = 1) nest without brackets
        if depth > MAX_TOML_NESTING:
            self.problem(1, f"tables nested {depth} deep (the limit is {MAX_TOML_NESTING})")
            return
        self.data = data

    def problem(self, line: int, message: str, detail: str = "") -> None:
        self.problems.append(RuleProblem(self.name, line, message, detail))

    def header_lines(self, header: str) -> list[int]:
        """The line of each `[[header]]` (or, for a table, `[header]`), in order."""
        pattern = re.compile(r"^[ \t]*\[\[?[ \t]*" + re.escape(header) + r"[ \t]*\]", re.M)
        return [self.text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(self.text)]

    def key_line(self, start: int, key: str, within_rule: bool = True) -> int:
        """The line of `key = …` (or `[rule.key]`) at or after line `start`, else `start`;
        within a rule the search stops at the next `[[…]]` header."""
        lines = self.text.splitlines()
        pattern = re.compile(r"^[ \t]*(\[\[?[ \t]*[\w.]+\.)?" + re.escape(key)
                             + r"[ \t]*(=|\]|\.)")
        for number in range(start, len(lines) + 1):
            line = lines[number - 1]
            if within_rule and number > start and _RULE_HEADER.match(line):
                break
            if pattern.match(line):
                return number
        return start

    def table_key_line(self, table: str, key: str) -> int:
        """The line of `key` inside the top-level `[table]` (or the table's own line)."""
        headers = self.header_lines(table)
        return self.key_line(headers[0], key, within_rule=False) if headers else 1


def brief(error: Exception, limit: int = 200) -> str:
    """An error's message cut short: a parser may quote a key thousands of parts long."""
    text = str(error)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _data_depth(data: Any) -> int:
    """How deep tables and lists nest in parsed data (without recursing: it may be deep)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_TOML_NESTING:  # past the limit, how much deeper doesn't matter
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children
                         if isinstance(child, dict | list))
    return deepest


def _max_bracket_depth(text: str) -> int:
    # Brackets inside strings count too: an over-estimate errs on the safe side.
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest
