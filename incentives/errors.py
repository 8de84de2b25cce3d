"""Every error type of incentives, in one place.

Each carries every problem found, so that a user is told them all at once."""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass
class Problem:
    """One thing wrong with an input: where, what value, why."""

    where: str
    message: str
    zh: str = ""  # the message in Chinese, where it has been written
    where_zh: str = ""  # `where` in Chinese, if not a name or one of _ZH_ROLES' roles

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"

    def text(self, lang: str) -> str:
        """The problem in `lang` (English where no Chinese is written)."""
        if lang == "zh" and self.zh:
            return f"{self.where_zh or _zh_where(self.where)}: {self.zh}"
        return str(self)


# the files a batch names in its problems ("input r.csv: …"), in Chinese
_ZH_ROLES = {"input ": "输入文件 ", "output ": "输出文件 ", "errors file ": "错误文件 ",
             "summary file ": "汇总文件 "}


def _zh_where(where: str) -> str:
    for role, zh in _ZH_ROLES.items():
        if where.startswith(role):
            return zh + where[len(role):]
    return where


class FactError(ValueError):
    """A value that is not one of a fact's: why, in English and in Chinese."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else str(self)


class InputError(Exception):
    """Input that can't be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def __reduce__(self) -> tuple[Any, ...]:  # so that it crosses to and from worker processes
        return (type(self), (self.problems,))


class ExprError(ValueError):
    """An expression that can't be accepted; `column` points into its source."""

    def __init__(self, message: str, column: int = 0, follow_on: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        # it uses a named condition whose own problem is reported already: not told again
        self.follow_on = follow_on


class MoneyError(ValueError):
    """A text that is not a number, an amount or a rate (the message says why, not which)."""


class DuplicateKey(ValueError):
    """A JSON object that gives the same key twice (json itself would keep the last)."""


@dataclass
class RuleProblem:
    """One problem in a rule file: file, line, message (and, for expressions, a caret)."""

    file: str
    line: int
    message: str
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.message}"
        return f"{text}\n{self.detail}" if self.detail else text


class RuleFileError(Exception):
    """Rule files that can't be used; carries every problem found."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class RegistryError(Exception):
    """An input or output file that can't be used at all; carries every problem, each
    with its Chinese."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def __reduce__(self) -> tuple[Any, ...]:  # so that it crosses to and from worker processes
        return (type(self), (self.problems,))


class OutputError(RegistryError):
    """An output that can't be written (a full disk, a file-size limit, no such folder):
    the user can fix it; no output was replaced."""


class Miscount(Exception):
    """A batch whose rows don't add up (read ≠ assessed + rejected, or reading stopped
    before the end): a bug, found before any output is put in place."""


class WorkerDied(Exception):
    """A worker process of a batch died (killed, or out of memory): the batch stops, and
    no output is put in place."""


class UnknownRule(LookupError):
    """A rule id that was not assessed for this profile; `close` lists likely meant ids."""

    def __init__(self, rule_id: str, message: str, close: list[str], zh: str = "") -> None:
        super().__init__(message)
        self.rule_id, self.message, self.close, self.zh = rule_id, message, close, zh

    @property
    def hint(self) -> str:
        return suggestion(self.close)


class Unsupported(Exception):
    """An expression the columnar path can't evaluate exactly."""


@dataclass
class Suggestions:
    """How many more did-you-mean searches one load or one profile may make. Each search
    looks at every name, so thousands of misspelt names among thousands of facts would
    take time in their product; past the first few, a message goes without a suggestion."""

    left: int = 100

    def did_you_mean(self, name: str, candidates: Iterable[str]) -> str:
        if self.left <= 0:
            return ""
        self.left -= 1
        return did_you_mean(name, candidates)


def did_you_mean(name: str, candidates: Iterable[str], n: int = 1, cutoff: float = 0.6) -> str:
    """"; did you mean 'x'?" (or 'x', 'y' or 'z') for the names closest to a misspelt one,
    or "" when none is close: the one way every message suggests a name."""
    import difflib  # here: only a mistake needs it, and start-up never imports it

    return suggestion(difflib.get_close_matches(name, list(candidates), n=n, cutoff=cutoff))


_ZH_OS = {errno.ENOENT: "没有这个文件或文件夹", errno.EACCES: "没有权限",
          errno.EPERM: "不允许的操作",
          errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中有一段不是文件夹",
          errno.ENOSPC: "磁盘已满", errno.EDQUOT: "磁盘配额已用完", errno.EROFS: "只读文件系统",
          errno.EFBIG: "文件将超过文件大小上限（见 `ulimit -f`）"}


def zh_os_error(error: OSError) -> str:
    """Why the system refused a file, in Chinese (the system's own words where unknown)."""
    return _ZH_OS.get(error.errno or 0, error.strerror or str(error))


def zh_hint(hint: str) -> str:
    """"; did you mean 'x'?" (from `suggestion`) in Chinese."""
    return hint.replace("; did you mean ", "；是否应为 ").replace(" or ", " 或 ").replace(
        "?", "？") if hint else ""


def suggestion(names: list[str]) -> str:
    """"; did you mean 'x', 'y' or 'z'?" for the names given, or "" for none."""
    if not names:
        return ""
    quoted = [repr(name) for name in names]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"; did you mean {listed}?"
