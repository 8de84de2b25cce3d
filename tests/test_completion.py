"""Shell completion knows what a user types next: rule ids and provision codes, facts and
their values in Chinese, cities, parameter names."""

from __future__ import annotations

from click.shell_completion import ShellComplete

from incentives.cli import cli


def completions(args: list[str], incomplete: str) -> list[str]:
    shell = ShellComplete(cli, {}, "incentives", "_INCENTIVES_COMPLETE")
    return [item.value for item in shell.get_completions(args, incomplete)]


def test_a_rule_is_completed_by_its_id_or_its_provision_code() -> None:
    assert completions(["explain", "p.toml"], "zhengzhou.gr") == ["zhengzhou.grade-award"]
    codes = completions(["rules", "show"], "zz-")
    assert {"ZZ-1", "ZZ-2", "ZZ-9"} <= set(codes)


def test_a_fact_and_then_its_values_in_either_language() -> None:
    assert "for_profit=" in completions(["whatif", "p.toml", "--set"], "for_p")
    grades = completions(["whatif", "p.toml", "--set"], "grade=三")
    assert {"grade=三级甲等", "grade=三甲"} <= set(grades)
    assert "grade=3A" in completions(["whatif", "p.toml", "--set"], "grade=3")
    assert "newly_built=是" in completions(["whatif", "p.toml", "--set"], "newly_built=")


def test_cities_and_parameters() -> None:
    assert completions(["compare", "p.toml", "--city"], "包") == ["包头市"]
    assert completions(["compare", "p.toml", "--city"], "zh") == ["zhengzhou"]
    assert completions(["check", "p.toml", "--param"], "lend") == ["lending_rate="]
