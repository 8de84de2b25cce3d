"""What the commands share: the two exceptions that end a command (`UsageProblems`, exit
2; `Failed`, exit 1), the common options, and the steps every command takes — load the
rule book, read `--param`, read the profile, choose the cities, print or write the report.
"""

# Imports of the engine, the loaders and the renderers are inside functions, for start-up
# time (`incentives check --format json` never imports rich).

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from incentives.cli.assign import ASSIGNMENT, Assignment, read_assignments
from incentives.errors import Problem, zh_os_error
from incentives.files import write_text


class UsageProblems(click.ClickException):
    """Unusable input: every problem on its own line, exit status 2."""

    exit_code = 2

    def __init__(self, problems: Sequence[object],
                 heading: str = "the input can't be used", lang: str | None = None) -> None:
        # in the language of the command's --lang where it has one, else the locale's
        context = click.get_current_context(silent=True)
        self.lang = lang or report_lang(context.params.get("lang") if context else None)
        lines = [p.text(self.lang) if isinstance(p, Problem) else str(p) for p in problems]
        super().__init__("\n".join(lines))
        self.problems, self.heading = lines, heading

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        heading = _HEADINGS.get(self.heading, self.heading) if self.lang == "zh" else self.heading
        click.echo(f"incentives: {heading}:", err=True)
        for problem in self.problems:
            click.echo(f"  {problem}", err=True)


_HEADINGS = {"the input can't be used": "输入无法使用",
             "the quotes do not bear out the rules": "规则中的数字与引文不符",
             "the results can't be written": "结果无法写入"}


class Failed(click.ClickException):
    """The job could not be done, through no fault of the input (a worker process was
    killed): the message, exit status 1."""

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"incentives: {self.message}", err=True)


def _as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    from incentives.errors import FactError
    from incentives.model.profile import read_date

    try:  # as a profile may write it: 2025/4/28, 2025年4月28日
        return read_date(value)
    except FactError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def load_rules(rules: tuple[Path, ...]):  # type: ignore[no-untyped-def]
    """The rule book: the bundled rules (unless --no-bundled) and the --rules folders."""
    from incentives.errors import RuleFileError
    from incentives.load.rulebook import load_rulebook

    bundled = not click.get_current_context().meta.get("no_bundled", False)
    try:
        return load_rulebook(list(rules) or None, bundled=bundled)
    except RuleFileError as error:
        raise UsageProblems(error.problems) from None


def param_overrides(book, assignments: tuple[Assignment, ...]) -> dict[str, Decimal]:  # type: ignore[no-untyped-def]
    """The `--param NAME=VALUE` overrides as amounts; every bad one is a problem."""
    from incentives.errors import MoneyError
    from incentives.model.money import parse_amount

    known = set(book.param_names())
    names = ", ".join(sorted(known))
    texts, problems = read_assignments("--param", assignments, f"NAME=VALUE with NAME one of "
                                       f"{names}", known, f"参数名=值，参数名为 {names} 之一")
    overrides = {}
    for name, text in texts.items():
        try:
            overrides[name] = parse_amount(text)
        except MoneyError as error:
            problems.append(Problem(f"--param {name}", f"{text!r}: {error}",
                                    f"{text!r}：不是数字、金额或比率；"
                                    "可写 4.35%、8000万 或 50000000"))
            continue
        problems.extend(Problem(f"--param {name}={text}", why, zh)
                        for why, zh in param_problems(book, name, text, overrides[name]))
    if problems:
        raise UsageProblems(problems)
    return overrides


def param_problems(book, name: str, text: str, value: Decimal  # type: ignore[no-untyped-def]
                   ) -> list[tuple[str, str]]:
    """Why a `--param` value can't be used, in English and Chinese: a rate without its %,
    or a value outside the range the law allows (for each city's table of that name, said
    once)."""
    from incentives.model.params import RATE

    found: list[tuple[str, str]] = []
    for table in book.tables_named(name):
        if table.unit == RATE and not text.strip().endswith("%"):
            why = _bare_rate(text.strip(), value, table)
        elif table.outside(value):
            why = (table.outside(value), f"{table.shown(value)} 超出法律允许的范围："
                   f"{table.describe_range()}")
        else:
            continue
        if why not in found:
            found.append(why)
    return found


def _bare_rate(text: str, value: Decimal, table) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A rate given without %: 4.35 could be 4.35% or 435%, 0.0435 a share or 0.0435%."""
    from incentives.model.money import format_rate

    share = format_rate(value, places=0)
    write = (f"{share} for a share of {text}, or {text}% for {text} percent" if value < 1
             else f"{text}%")
    write_zh = (f"{share}（即 {text} 的比例），或 {text}%（即百分之 {text}）" if value < 1
                else f"{text}%")
    allowed = f"; the law allows {table.describe_range()}" if table.allowed else ""
    allowed_zh = f"；法律允许的范围：{table.describe_range()}" if table.allowed else ""
    return (f"a rate is written with % (a bare number is ambiguous): write {write}{allowed}",
            f"比率须带 %（不带 % 的数字有歧义）：请写成 {write_zh}{allowed_zh}")


def read_profile_data(path: Path) -> dict[str, object]:
    """The profile file's contents, not yet checked against the facts."""
    from incentives.errors import InputError
    from incentives.load.profile_file import read_profile_file

    try:
        return read_profile_file(path)
    except InputError as error:
        raise UsageProblems(error.problems) from None


def parse_profile_at(book, path: Path, raw: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    """The profile in the file at `path` (or `raw`, already read from it), checked."""
    from incentives.errors import InputError
    from incentives.model.profile import parse_profile

    try:
        return parse_profile(raw or read_profile_data(path), book.schema, book.cities, str(path))
    except InputError as error:
        raise UsageProblems(error.problems) from None


def choose_cities(book, names: tuple[str, ...]) -> list[str]:  # type: ignore[no-untyped-def]
    """The `--city` names as the rule book's cities; every unknown one is a problem."""
    from incentives.errors import FactError
    from incentives.model.profile import convert

    chosen, problems = [], []
    for name in names:
        try:
            chosen.append(str(convert(book.schema["city"], name, book.cities)))
        except ValueError as error:
            problems.append(Problem(f"--city {name!r}", str(error),
                                    error.text("zh") if isinstance(error, FactError) else ""))
    if problems:
        raise UsageProblems(problems)
    return chosen


as_of_option = click.option("--as-of", callback=_as_of,
                            help="Assess on this date (YYYY-MM-DD); default today.")
def completes(what: str) -> Callable[..., Any]:
    """The shell-completion callback `what` of cli/complete.py, imported only when a shell
    asks for completions."""
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
        from incentives.cli import complete as completions

        return getattr(completions, what)(ctx, param, incomplete)
    return complete


param_option = click.option("--param", "params", multiple=True, type=ASSIGNMENT,
                            shell_complete=completes("param_assignments"),
                            help="Override a dated parameter, e.g. lending_rate=4.35% "
                                 "(repeatable).")


def make_console(width: int, to_file: bool = False):  # type: ignore[no-untyped-def]
    """A rich console: the terminal's width, or `width` when output goes to a file; with
    `to_file`, one that keeps plain text (no colours) for `emit_console`."""
    from io import StringIO

    from rich.console import Console

    if to_file:
        return Console(width=width, file=StringIO(), color_system=None, legacy_windows=False)
    return Console(width=None if sys.stdout.isatty() else width)


def emit_console(console, output: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Write what a `make_console(…, to_file=True)` holds to -o FILE."""
    if output is not None:
        emit(console.file.getvalue(), output)


def _no_bundled(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta["no_bundled"] = value


def rules_option(command: Callable[..., None]) -> Callable[..., None]:
    """`--rules DIR` (repeatable) beside the bundled rules; `--no-bundled` for DIR alone."""
    command = click.option(
        "--no-bundled", is_flag=True, expose_value=False, callback=_no_bundled,
        is_eager=True, help="Load only the --rules folders, not the bundled rules.",
    )(command)
    return click.option(
        "--rules", "rules", multiple=True,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Also load the rule folders under DIR (a city folder, or a folder of them); "
             "repeatable.",
    )(command)


def output_options(command: Callable[..., None]) -> Callable[..., None]:
    """`-o FILE` and `--lang zh|en`, for the commands that write reports."""
    command = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                           help="Write the report to FILE instead of standard output.")(command)
    return lang_option(command)


def lang_option(command: Callable[..., None]) -> Callable[..., None]:
    """`--lang zh|en`."""
    return click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                        help="Language of the labels (default: Chinese under a Chinese "
                             "locale, else English).")(command)


def report_lang(lang: str | None) -> str:
    """The `--lang` given, else the locale's."""
    from incentives.render.words import default_lang

    return lang or default_lang()


def render_document(blocks, fmt: str, title: str, lang: str) -> str:  # type: ignore[no-untyped-def]
    """A report's blocks as HTML or Markdown."""
    from incentives.render.document import to_html, to_markdown

    return to_html(blocks, title, lang) if fmt == "html" else to_markdown(blocks)


def emit(text: str, output: Path | None) -> None:
    """Print, or write to a file (all at once: a failed write leaves no half file)."""
    if output is None:
        click.echo(text)
        return
    try:
        write_text(output, text)
    except OSError as error:
        raise UsageProblems([Problem(f"-o {output}", f"cannot write: {error.strerror}",
                                     f"无法写入：{zh_os_error(error)}")]) from None
    context = click.get_current_context(silent=True)
    lang = report_lang(context.params.get("lang") if context else None)
    click.echo(f"已写入 {output}" if lang == "zh" else f"wrote {output}", err=True)


def write_profile(book, profile, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Write the profile as TOML (`check --save`, `init`)."""
    from incentives.render.profile_toml import profile_to_toml

    text = profile_to_toml(profile, book.schema, f"Profile written by incentives on "
                           f"{date.today().isoformat()}; check it with: incentives check {path}")
    try:
        write_text(path, text)
    except OSError as error:
        raise UsageProblems([Problem(str(path), f"cannot write the file: {error.strerror}",
                                     f"无法写入该文件：{zh_os_error(error)}")]) from None
