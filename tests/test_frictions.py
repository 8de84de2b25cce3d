"""The small things a Chinese-speaking user writes and should not be refused for: 三甲 for
三级甲等, profile keys in Chinese, a misnamed column answered with the right Chinese name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from incentives import load_rulebook, parse_profile
from incentives.cli import cli
from incentives.errors import InputError

BOOK = load_rulebook()
BASE = {"city": "郑州", "district": "金水区", "sponsor": "社会办"}


@pytest.mark.parametrize(("short", "grade"), [("三甲", "3A"), ("三乙", "3B"), ("二甲", "2A"),
                                              ("二丙", "2C"), ("一甲", "1A")])
def test_a_grade_may_be_written_short(short: str, grade: str) -> None:
    profile = parse_profile({**BASE, "grade": short}, BOOK.schema, BOOK.cities)
    assert profile.facts["grade"] == grade
    assert profile.facts["hospital_level"] == grade[0]


def test_profile_keys_may_be_the_facts_chinese_names(tmp_path: Path) -> None:
    """"所在城市" in a TOML or JSON profile is `city`, as it is in a CSV header."""
    chinese = {"所在城市": "郑州", "所在县（市、区）": "金水区", "举办主体": "社会办",
               "医院等级": "三甲"}
    profile = parse_profile(chinese, BOOK.schema, BOOK.cities)
    assert (profile.city, profile.facts["district"], profile.facts["grade"]) == (
        "zhengzhou", "金水区", "3A")
    path = tmp_path / "p.json"
    path.write_text(json.dumps(chinese, ensure_ascii=False), encoding="utf-8")
    toml = tmp_path / "p.toml"
    toml.write_text("".join(f'"{k}" = "{v}"\n' for k, v in chinese.items()), encoding="utf-8")
    outputs = [CliRunner().invoke(cli, ["check", str(p), "--format", "json",
                                        "--as-of", "2026-01-01"]) for p in (path, toml)]
    assert [o.exit_code for o in outputs] == [0, 0]
    assert outputs[0].output == outputs[1].output


def test_a_fact_given_twice_in_two_languages_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_profile({**BASE, "所在城市": "包头"}, BOOK.schema, BOOK.cities)
    assert "city: given twice, also as '所在城市'" in str(caught.value)


def test_a_misnamed_chinese_column_gets_the_right_chinese_name(tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    source.write_text("城市,机构名称\n郑州,a\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(source), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "unknown column '城市'; did you mean '所在城市' (city)?" in result.output


def test_explain_and_rules_show_take_the_provision_code_reports_print() -> None:
    runner = CliRunner()
    profile = "examples/new-rehabilitation-hospital.toml"
    by_id, by_code = (runner.invoke(cli, ["explain", profile, name, "--as-of", "2026-01-01",
                                          "--format", "json"])
                      for name in ("zhengzhou.investment-reward", "zz-2"))
    assert by_id.exit_code == 0 and by_id.output == by_code.output
    shown = runner.invoke(cli, ["rules", "show", "BT-4"])
    assert shown.exit_code == 0
    assert shown.output.startswith("baotou.for-profit-property-tax-exemption  BT-4")


def test_rules_list_piped_shows_every_id_whole() -> None:
    listed = CliRunner().invoke(cli, ["rules", "list"]).output
    for rule in BOOK.all_rules():
        assert rule.id in listed
