"""The `incentives` command: parses arguments, calls the library, prints. Nothing else.

Exit status: 0 when the job is done (whatever the institution is eligible for), 2 when
the input can't be used (every problem listed, no traceback), 1 only for a bug.

This module holds the group, `main()` and the bug message; each command is in a module of
its own (`check`, `batch`, `explore`: explain, whatif and compare; `init`, `rules`), and
what they share in `common`.
"""

# Imports of the engine, the loaders and the renderers are inside functions, for start-up
# time (`incentives check --format json` never imports rich).

from __future__ import annotations

import os
import sys
from importlib import import_module

import click

from incentives.cli.common import Failed, UsageProblems
from incentives.errors import Problem

__all__ = ["Failed", "UsageProblems", "cli", "main"]

ISSUES_HINT = ("This is a bug in incentives {version}, not a problem with your input. "
               "Please report it to {where}, with the command you ran and the files it "
               "read; `incentives --debug …` shows the traceback.")


# Each command's module is imported only when that command runs (or help lists them), so
# `incentives check` does not load batch, explore, init and rules.
COMMANDS = {"batch": "batch", "check": "check", "compare": "explore", "explain": "explore",
            "init": "init", "rules": "rules", "schema": "schema", "whatif": "explore"}


class _Commands(click.Group):
    """The command group. Input the library finds unusable only while assessing (an amount
    with too many digits to work out to the fen) exits 2 like any other, problems listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        found = getattr(import_module(f"incentives.cli.{COMMANDS[cmd_name]}"), cmd_name)
        assert isinstance(found, click.Command)
        return found

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as error:
            from incentives.errors import InputError

            if isinstance(error, InputError):
                raise UsageProblems(error.problems) from None
            raise


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback if incentives hits a bug.")
@click.version_option(package_name="incentives")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """What China's policies for privately run hospitals give an institution, and why."""
    ctx.obj = {"debug": debug}




def _lang_asked(argv: list[str] | None = None) -> str | None:
    """The --lang of the command line, for a message told after click has finished with
    it; `init`'s default (zh) where it gives none, else None (the locale decides)."""
    args = sys.argv[1:] if argv is None else argv
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return "zh" if "init" in args[:1] else None


def main() -> None:
    """Run the command line; a bug exits 1 with a short message (a traceback with --debug)."""
    try:
        status = cli.main(prog_name="incentives", standalone_mode=False)
        if isinstance(status, int) and status:  # a command's ctx.exit(N) or Exit(N)
            sys.exit(status)
    except Failed as error:
        error.show()
        # A dead worker leaves the process pool broken; its exit hook would print a
        # traceback ('Exception ignored in: threading'). Outputs are already as they were.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(error.exit_code)
    except click.UsageError as error:  # a bad flag or flag value, told in the user's language
        _show_usage_error(error)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort as error:
        if isinstance(error.__context__, EOFError):  # a prompt found no more input
            ended = Problem("stdin", "the input ended before every question was answered",
                            "输入在所有问题回答完之前已结束")
            UsageProblems([ended], lang=_lang_asked()).show()
            sys.exit(2)
        click.echo("Aborted.", err=True)
        sys.exit(130)  # interrupted (Ctrl-C), as a shell reports it
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:  # a bug: say so briefly, unless asked for the traceback
        if "--debug" in sys.argv:
            raise
        what = f"{type(error).__name__}: {error}"
        what = what if len(what) <= 300 else what[:299] + "…"
        version, where = _about_this_program()
        click.echo(f"incentives: internal error: {what}\n"
                   + ISSUES_HINT.format(version=version, where=where), err=True)
        sys.exit(1)


def _show_usage_error(error: click.UsageError) -> None:
    from incentives.render.words import default_lang

    if (_lang_asked() or default_lang()) == "zh":
        from incentives.cli.usage_zh import show_in_chinese

        show_in_chinese(error)
    else:
        error.show()


def _about_this_program() -> tuple[str, str]:
    """The installed version, and where to report a bug: the Issues link of the package's
    metadata ([project.urls] in pyproject.toml), else its maintainers."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        about = metadata("incentives")
    except PackageNotFoundError:
        return "(not installed)", "the maintainers of incentives"
    for entry in about.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("issues", "bug tracker", "bugs"):
            return about["Version"], url.strip()
    return about["Version"], "the maintainers of incentives"

