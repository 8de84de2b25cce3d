"""Refusals speak one language too: every exit-2 message for a registry, an output, a
flag or a flag's value, under `--lang zh` in Chinese and under `--lang en` in English.

What may stay as written is what the user typed or the system names: file names, flag
names, quoted values, rule ids and provision codes, fact and parameter names, and the
usage line's metavariables (OPTIONS, PROFILE)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from incentives import load_rulebook
from incentives.cli import main

from .conftest import ROOT

PROFILE = ROOT / "examples" / "3a-general-hospital.toml"
BOOK = load_rulebook()
WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
CJK = re.compile(r"[\u3400-\u9fff]")
# what the user typed or the system names: paths, flags, quoted values, codes, metavariables
NAMES = re.compile(r"JSON Lines|Excel|\S*/\S*|\S*\.(csv|txt|xlsx|jsonl|toml|md)\b|--?[a-z][a-z-]*"
                   r"|'[^']*'|\"[^\"]*\""
                   r"|\b[A-Z][A-Z_]+(-\d+)?\b|\b[a-z]+(_[a-z]+)+\b|\bincentives( [a-z]+)?\b"
                   r"|[\d.]+[万亿]|jsonl"
                   r"|\b(zhengzhou|baotou|utf|ascii|gb18030|gbk|GB18030|GBK|UTF|MiB|ulimit)\b"
                   r"|\b\w+_\d+\b|\b\w+=\S+")
# where a parameter's range comes from: rule data, in the rule author's language
SOURCES = sorted({table.range_source for city in BOOK.cities
                  for table in BOOK.param_tables(city).values() if table.range_source},
                 key=len, reverse=True)


def refusal(args: list[str], capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> str:
    """What `incentives ARGS` writes to stderr; it must exit 2."""
    monkeypatch.setattr(sys, "argv", ["incentives", *args])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 2
    return capsys.readouterr().err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {"unknown": "name,beds,city\na,1,zhengzhou\n", "good": "city\nzhengzhou\n",
            "nocity": "name\na\n", "empty": ""}
    paths = {name: tmp_path / f"{name}.csv" for name in made}
    for name, text in made.items():
        paths[name].write_text(text, encoding="utf-8")
    paths["utf16"] = tmp_path / "utf16.csv"
    paths["utf16"].write_bytes("城市\n郑州\n".encode("utf-16"))
    paths["gbk"] = tmp_path / "gbk.csv"
    paths["gbk"].write_bytes("city,name\nzhengzhou,郑州仁济\n".encode("gbk"))
    paths["txt"] = tmp_path / "r.txt"
    paths["txt"].write_text("city\n", encoding="utf-8")
    paths["xlsx"] = tmp_path / "r.xlsx"
    paths["xlsx"].write_text("not a workbook", encoding="utf-8")
    paths["nowhere"] = tmp_path / "no-such-folder" / "out.csv"
    return paths


def cases(f: dict[str, Path]) -> dict[str, list[str]]:
    out = str(f["good"].with_name("out.csv"))
    profile = str(PROFILE)
    return {
        "unknown column, --keep missing": ["batch", str(f["unknown"]), "-o", out,
                                           "--keep", "nme"],
        "no city column": ["batch", str(f["nocity"]), "-o", out],
        "empty registry": ["batch", str(f["empty"]), "-o", out],
        "neither UTF-8 nor GB18030": ["batch", str(f["utf16"]), "-o", out],
        "not in the encoding given": ["batch", str(f["gbk"]), "-o", out, "--encoding", "ascii"],
        "unknown encoding": ["batch", str(f["good"]), "-o", out, "--encoding", "nosuch"],
        "no format in the name": ["batch", str(f["txt"]), "-o", out],
        "not a workbook": ["batch", str(f["xlsx"]), "-o", out],
        "output is the input": ["batch", str(f["good"]), "-o", str(f["good"])],
        "output folder missing": ["batch", str(f["good"]), "-o", str(f["nowhere"])],
        "missing -o": ["batch", str(f["good"])],
        "bad --as-of": ["check", profile, "--as-of", "2025-13-01"],
        "bad --format": ["check", profile, "--format", "yaml"],
        "unknown flag": ["check", profile, "--bogus"],
        "unknown command": ["chek", profile],
        "extra argument": ["check", profile, "2025"],
        "no profile file": ["check", str(f["good"].with_name("none.toml"))],
        "unknown --param": ["check", profile, "--param", "foo=1"],
        "rate without %": ["check", profile, "--param", "property_tax_deduction_ratio=0.3"],
        "--param not a number": ["check", profile, "--param", "lending_rate=abc"],
        "unknown --city": ["compare", profile, "--city", "nosuch"],
        "-o cannot be written": ["check", profile, "--format", "markdown", "-o",
                                 str(f["nowhere"].with_suffix(".md"))],
        "malformed --set": ["whatif", profile, "--set", "gradexx"],
        "unknown rule": ["explain", profile, "ZZ-99"],
    }


def leftover(text: str, lang: str) -> list[str]:
    for source in SOURCES:
        text = text.replace(source, " ")
    text = NAMES.sub(" ", text)
    if lang == "zh":
        return sorted(set(WORD.findall(text)))
    return sorted(set(CJK.findall(text)))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_refusal_speaks_one_language(lang: str, files: dict[str, Path],
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    found = {}
    for name, args in cases(files).items():
        told = refusal([*args, "--lang", lang], capsys, monkeypatch)
        assert told.strip(), name
        if left := leftover(told, lang):
            found[name] = (left, told)
    assert not found


def test_the_check_finds_a_word_left_in_the_other_language() -> None:
    assert leftover("输入文件 r.csv: 未知的列 'beds' unknown", "zh") == ["unknown"]
    assert leftover("input r.csv: unknown column 城市", "en") == ["城", "市"]


def test_a_registry_refusal_in_chinese_names_the_file_and_the_fix(
        files: dict[str, Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    told = refusal(cases(files)["unknown column, --keep missing"] + ["--lang", "zh"],
                   capsys, monkeypatch)
    assert told.splitlines() == [
        "incentives: 输入无法使用:",
        f"  输入文件 {files['unknown']}: 未知的列 'beds'"
        "（如需原样带到输出而不评估：--keep 'beds'）",
        f"  输入文件 {files['unknown']}: --keep 'nme'：没有这个名字的列；是否应为 'name'？"]
    english = refusal(cases(files)["unknown column, --keep missing"] + ["--lang", "en"],
                      capsys, monkeypatch)
    assert f"input {files['unknown']}: unknown column 'beds' (to carry it to the output " \
           "unassessed: --keep 'beds')" in english


def test_a_usage_error_in_chinese_keeps_clicks_shape(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    told = refusal(["check", str(PROFILE), "--format", "yaml", "--lang", "zh"],
                   capsys, monkeypatch)
    assert told.splitlines() == [
        "用法：incentives check [OPTIONS] PROFILE",
        "运行 'incentives check -h' 查看帮助。",
        "",
        "错误：'--format' 的值无效：'yaml' 不是可选的值；可选：'table', 'json', 'markdown', "
        "'html'"]


def test_as_of_reads_a_date_as_a_profile_writes_it(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["incentives", "check", str(PROFILE), "--as-of",
                                      "2025年4月28日", "--format", "json"])
    main()  # returns: exit status 0
    assert '"as_of": "2025-04-28"' in capsys.readouterr().out


def test_the_table_report_goes_to_the_file_given(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    written = tmp_path / "report.txt"
    monkeypatch.setattr(sys, "argv", ["incentives", "check", str(PROFILE), "--lang", "zh",
                                      "-o", str(written)])
    main()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"已写入 {written}"
    text = written.read_text(encoding="utf-8")
    assert text.startswith("郑州仁济综合医院") and "\x1b[" not in text
