"""Reading TOML rule files safely, and reporting problems in them with file and line.

A file over the size limit or nested too deep is refused before it is parsed; a problem
anywhere is recorded, never raised at once, so that a user sees every problem together.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Any

from incentives.errors import RuleProblem
from incentives.files import NotReadable, read_bounded
from incentives.load.cache import read_toml

MAX_RULE_FILE_BYTES = 512 * 1024
MAX_TOML_NESTING = 24
_BRACKETS = re.compile(r"[\[\]{}]")
_RULE_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*\w+[ \t]*\]\]")
# A header line and its dotted path; a key at the start of any other line.
_HEADER = re.compile(r"^[ \t]*\[\[?([^\]\n]*)\]")  # greedy: a lazy one is quadratic
_PATH = re.compile(r"^[\w.]+\.")
_KEY = re.compile(r"^[ \t]*([^=\].\s]+)[ \t]*[=\].]")
# MAX_TOML_NESTING + 1 parts of a dotted key (bare or quoted) in a row. Possessive, and
# starting only where a part can start, so that the search is linear in the text; dots in
# a string can match too, which errs on the safe side.
_DOTTED = re.compile(r"(?<![\w\"'-])(?:(?:[\w-]++|\"[^\"\n]*+\"|'[^'\n]*+')[ \t]*+\.[ \t]*+)"
                     rf"{{{MAX_TOML_NESTING}}}")


class SourceFile:
    """A TOML file's text and table, with a way to find the line of a rule's key. `kind`
    (rules, city, facts, params) names the schema it is checked against (validation.py);
    `valid` says the cache knows it passed."""

    def __init__(self, path: Path, problems: list[RuleProblem], kind: str = "") -> None:
        self.path = path
        self.name = str(path)
        self.kind = kind
        self.text = ""
        self.data: dict[str, Any] | None = None
        self.valid = False
        self.problems = problems
        self._index: _LineIndex | None = None
        self.read()

    def read(self) -> None:
        away = link_out_of_folder(self.path)
        if away:
            self.problem(1, away)
            return
        try:
            self.text = read_bounded(self.path, MAX_RULE_FILE_BYTES).decode("utf-8")
        except NotReadable as error:
            self.problem(1, f"file is {error.size} bytes, over the limit of "
                         f"{MAX_RULE_FILE_BYTES}" if error.size is not None else
                         f"cannot read the file: {_why(error, self.path)}")
            return
        except (OSError, UnicodeDecodeError) as error:
            self.problem(1, f"cannot read the file: {error}")
            return
        too_deep = _too_deep(self.text)
        if too_deep:
            self.problem(1, too_deep)
            return
        try:
            parsed = read_toml(self.text, self.kind)
        except ValueError as error:  # not TOML, or int() refusing 4300 digits and more
            import tomllib  # imported already: it raised the error

            if isinstance(error, tomllib.TOMLDecodeError):
                line = re.search(r"line (\d+)", str(error))
                self.problem(int(line.group(1)) if line else 1,
                             f"not valid TOML: {brief(error)}")
            else:
                self.problem(1, "not valid TOML: a number in it is far too long")
            return
        except RecursionError:
            self.problem(1, "not valid TOML: nested too deeply")
            return
        depth = _data_depth(parsed.tables)  # the pre-scan misses nothing, but the data decides
        if depth > MAX_TOML_NESTING:
            self.problem(1, f"tables nested {depth} deep (the limit is {MAX_TOML_NESTING})")
            return
        self.data, self.valid = parsed.tables, parsed.valid

    def problem(self, line: int, message: str, detail: str = "") -> None:
        self.problems.append(RuleProblem(self.name, line, message, detail))

    @property
    def index(self) -> _LineIndex:
        if self._index is None:
            self._index = _LineIndex(self.text)
        return self._index

    def header_lines(self, header: str) -> list[int]:
        """The line of each `[[header]]` (or, for a table, `[header]`), in order."""
        return self.index.headers.get(header, [])

    def key_line(self, start: int, key: str, within_rule: bool = True) -> int:
        """The line of `key = …` (or `[rule.key]`) at or after line `start`, else `start`;
        within a rule the search stops at the next `[[…]]` header."""
        index = self.index
        lines = index.keys.get(key, [])
        found = bisect_left(lines, start)
        if found == len(lines):
            return start
        if within_rule:
            after = bisect_right(index.rule_headers, start)
            if after < len(index.rule_headers) and index.rule_headers[after] <= lines[found]:
                return start
        return lines[found]

    def table_key_line(self, table: str, key: str) -> int:
        """The line of `key` inside the top-level `[table]` (or the table's own line)."""
        headers = self.header_lines(table)
        return self.key_line(headers[0], key, within_rule=False) if headers else 1


class _LineIndex:
    """Where each key and header is, found in one pass over the text, so that looking up
    the line of every one of thousands of keys takes time in proportion to the file."""

    def __init__(self, text: str) -> None:
        self.keys: dict[str, list[int]] = {}
        self.headers: dict[str, list[int]] = {}
        self.rule_headers: list[int] = []
        for number, line in enumerate(text.split("\n"), 1):  # as tomllib counts lines
            self._add(number, line)

    def _add(self, number: int, line: str) -> None:
        header = _HEADER.match(line)
        if header is None:
            key = _KEY.match(line)
            if key:
                self.keys.setdefault(key.group(1), []).append(number)
            return
        if _RULE_HEADER.match(line):
            self.rule_headers.append(number)
        path = header.group(1).strip(" \t")
        self.headers.setdefault(path, []).append(number)
        if _PATH.match(path):  # [rule.amount] or [[rule.amount.x]]: amount and x are keys
            parts = path.split(".")
            for part in dict.fromkeys(parts[1:]):
                self.keys.setdefault(part, []).append(number)


def rule_folder_of(path: Path) -> Path:
    """The rule folder a file of it is in (params/ and tests/ are of the folder above)."""
    return path.parent.parent if path.parent.name in ("params", "tests") else path.parent


def link_out_of_folder(path: Path) -> str | None:
    """Why a file is not read when it or a folder on its way is a symbolic link out of its
    rule folder (a stranger's folder may not make the program read the user's own files);
    None otherwise (a loop, a dangling link or a link to what is not a regular file is
    left to the read, which refuses it and says why)."""
    try:
        target = path.resolve(strict=True)
        folder = rule_folder_of(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if target.is_relative_to(folder) or not target.is_file():
        return None
    return (f"cannot read the file: a symbolic link to {target}, outside the rule folder "
            f"{folder}; a rule folder is read only from its own files")


def _why(error: NotReadable, path: Path) -> str:
    """NotReadable's reason, without the path the message already starts with."""
    return str(error).removeprefix(f"{path}: ")


def _too_deep(text: str) -> str | None:
    """Why the text nests too deep to be parsed at all, found without parsing it: tomllib
    takes memory in the square of a dotted key's parts (a key of 100,000 parts, 200 KB,
    would take gigabytes)."""
    depth = _max_bracket_depth(text)
    if depth > MAX_TOML_NESTING:
        return f"tables or lists nested {depth} deep (the limit is {MAX_TOML_NESTING})"
    if _DOTTED.search(text):
        return (f"a dotted key of more than {MAX_TOML_NESTING} parts (tables nested more "
                f"than {MAX_TOML_NESTING} deep; the limit is {MAX_TOML_NESTING})")
    return None


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
