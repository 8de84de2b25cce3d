"""click's usage errors (a bad flag value, a missing option, an unknown flag) in Chinese.

click writes them in English from a few fixed templates; under `--lang zh` (or a Chinese
locale) they are told from the same templates in Chinese. A message of no known shape is
kept as click wrote it, below a Chinese heading.
"""

from __future__ import annotations

import re

import click

_OUTER = [  # (click's template as a pattern, its Chinese); inner messages are told apart
    (r"Invalid value for (?P<p>.+?): (?P<m>.*)", "{p} 的值无效：{m}"),
    (r"Invalid value: (?P<m>.*)", "值无效：{m}"),
    (r"Missing option (?P<p>.+)\.", "缺少选项 {p}。"),
    (r"Missing argument (?P<p>.+)\.", "缺少参数 {p}。"),
    (r"Missing parameter: (?P<p>.+)", "缺少参数 {p}。"),
    (r"No such option (?P<p>'[^']*')\.(?: Did you mean (?P<m>.+)\?)?",
     "没有选项 {p}。{m}"),
    (r"No such option (?P<p>'[^']*')\. \(Did you mean one of: (?P<m>.+)\?\)",
     "没有选项 {p}。{m}"),
    (r"No such command (?P<p>'[^']*')\.", "没有命令 {p}。"),
    (r"Got unexpected extra arguments? \((?P<p>.*)\)", "多余的参数：{p}"),
    (r"Option (?P<p>'[^']*') requires an argument\.", "选项 {p} 需要一个值。"),
    (r"Option (?P<p>'[^']*') requires (?P<m>\d+) arguments\.", "选项 {p} 需要 {m} 个值。"),
    (r"Option (?P<p>'[^']*') does not take a value\.", "选项 {p} 不接受值。"),
    (r"Missing command\.", "缺少命令。"),
]
_INNER = [
    (r"(?P<p>.+) is not one of (?P<m>.+)\.", "{p} 不是可选的值；可选：{m}"),
    (r"(?P<p>.+) is not a valid integer\.", "{p} 不是整数。"),
    (r"(?P<p>.+) is not a valid (?:float|number)\.", "{p} 不是数字。"),
    (r"(?P<p>.+) is not in the range (?P<m>.+)\.", "{p} 不在 {m} 范围内。"),
    (r"(?:File|Path|Directory) (?P<p>'.*') does not exist\.", "{p} 不存在。"),
    (r"(?:File|Path) (?P<p>'.*') is a directory\.", "{p} 是文件夹，不是文件。"),
    (r"(?:Directory|Path) (?P<p>'.*') is a file\.", "{p} 是文件，不是文件夹。"),
    (r"(?:File|Path|Directory) (?P<p>'.*') is not readable\.", "{p} 无法读取。"),
    (r"(?:File|Path|Directory) (?P<p>'.*') is not writable\.", "{p} 无法写入。"),
    (r"(?P<p>'.*') is not a date; write it as YYYY-MM-DD", "{p} 不是日期；请写成 2025-04-28"),
]


def _told(message: str, shapes: list[tuple[str, str]], inner: bool = False) -> str:
    for pattern, zh in shapes:
        found = re.fullmatch(pattern, message, re.DOTALL)
        if found:
            parts = {key: value or "" for key, value in found.groupdict().items()}
            if parts.get("m") and not inner and "{m}" in zh and pattern.startswith("Invalid"):
                parts["m"] = _told(parts["m"], _INNER, inner=True)
            elif parts.get("m") and pattern.startswith("No such option"):
                parts["m"] = f"是否应为 {parts['m']}？"
            return zh.format(**parts)
    return message


def zh_message(message: str) -> str:
    """click's message in Chinese, where its shape is known."""
    return _told(message, _OUTER)


def show_in_chinese(error: click.UsageError) -> None:
    """What click's UsageError.show prints (usage line, help hint, error), in Chinese."""
    context = error.ctx
    if context is not None:
        usage = context.get_usage().replace("Usage: ", "用法：", 1)
        click.echo(usage, err=True)
        if context.command.get_help_option(context) is not None:
            click.echo(f"运行 '{context.command_path} {context.help_option_names[0]}' "
                       "查看帮助。", err=True)
        click.echo("", err=True)
    click.echo(f"错误：{zh_message(error.format_message())}", err=True)
