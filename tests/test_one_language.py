"""One language at a time: every command a person reads, for the three examples, in Chinese
and in English, with no label left in the other language.

What may stay in the other language is what is not a label: the policy's own text (its
quotes, document numbers and articles, the sources of its figures), proper nouns (the
institution, its district, the finance bureaus that pay), codes (rule ids, provision codes
like ZZ-2, fact keys in [brackets], expressions in `backticks`), and in English the rule
data's English prose, whose Chinese glosses are the rule author's. In Chinese, the rule
data's Chinese prose may quote a code (LPR).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from incentives import load_rulebook
from incentives.cli import cli
from incentives.load.profile_file import read_profile_file
from incentives.render.document import no_instruction

from .conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
AS_OF = "2026-11-22"
BOOK = load_rulebook()
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
CODES = re.compile(r"`[^`]*`|\[[^\]\n]*\]|\b[a-z_]+\.[a-z0-9_.-]+\b|\b[A-Z]+-\d+\b|/\S+"
                   r"|'[^'\n]*'")
# amounts in 元 and 万元 read the same in both languages
UNITS = re.compile(r"[\d,.]+ ?(万元|万|元)|(?<=\s)元(?=\s|$)")
# code words and abbreviations a Chinese reader meets in Chinese text too
ZH_ALLOWED = {"LPR", "VAT", "incentives", "m²"}


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """No wrapping: a long line stays whole, so each data string is found as written."""
    for module in ("check", "explore", "rules"):
        monkeypatch.setattr(f"incentives.cli.{module}.make_console",
                            lambda _width, to_file=False: Console(width=2000))


def run(*args: object) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def data_texts(lang: str) -> list[str]:
    """The strings the rule data and the profiles bring, which may be in either language."""
    texts: list[str] = []
    for rule in BOOK.all_rules():
        texts += [rule.document, rule.article, *(doc.id for doc in rule.cited),
                  *(doc.title for doc in rule.cited)]
        for quote in rule.quotes:
            texts += [quote.text, quote.document, quote.article]
            if quote.source is not None:
                texts.append(quote.source.report)
        if lang == "en":  # the rule data's English, glosses and all
            texts += [rule.title.en, *(n.text.en for n in rule.notes)]
            texts += [c.label.en for c in rule.components]
            texts += [case.label.en for case in rule.amount if case.label]
            texts += [i.label.en for i in rule.schedule]
    for tables in (BOOK.param_tables(city) for city in BOOK.cities):
        for table in tables.values():
            texts += [value.source for value in table.values]
            texts += [no_instruction(v.source) for v in table.values]
            texts += [n for v in table.values if v.note for n in (v.note, no_instruction(v.note))]
    for path in EXAMPLES:
        facts = read_profile_file(path)
        texts += [str(facts.get("name", "")), str(facts.get("district", ""))]
    return sorted({t for t in texts if t}, key=len, reverse=True)


TEXTS = {lang: data_texts(lang) for lang in ("zh", "en")}
# the names an expression reads (facts, parameters, named conditions and lists, functions)
# and the enum codes it compares with: what explain shows beside each outcome
NAMES = {*BOOK.schema.facts, *BOOK.param_names(), "and", "or", "not", "in", "true", "false",
         "min", "max", "floor", "known", "date", "as_of", "effective_from", "effective_to",
         *(v for f in BOOK.schema.facts.values() for v in f.values)}
IDENTIFIERS = re.compile(r"\b(" + "|".join(sorted(map(re.escape, NAMES), key=len, reverse=True))
                         + r"|[A-Z_]{4,}|[a-z]+(?:_[a-z0-9]+)+)\b")
PAYERS = re.compile(r"\S*(财政|市|区|县|旗)(?=\s|$|[:：,，)）/·])")


def leftover(text: str, lang: str, code: bool = False) -> list[str]:
    """What is left in the other language once data, proper nouns and codes are taken out."""
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    for data in TEXTS[lang]:
        text = text.replace(data, " ")
    text = UNITS.sub(" ", CODES.sub(" ", text))
    if code:  # explain keeps the expressions: their names and codes read as code
        text = IDENTIFIERS.sub(" ", text)
    if lang == "en":
        text = PAYERS.sub(" ", text)
        return sorted(set(re.findall(r"\S*[\u3400-\u9fff]\S*", text)))
    return sorted({w for w in WORD.findall(text) if w not in ZH_ALLOWED})


def outputs(profile: Path, lang: str) -> Iterator[tuple[str, str]]:
    common = ["--as-of", AS_OF, "--lang", lang]
    for fmt in ("table", "markdown", "html"):
        yield f"check {fmt}", run("check", profile, "--format", fmt, *common)
        yield f"compare {fmt}", run("compare", profile, "--format", fmt, *common)
    yield "whatif", run("whatif", profile, "--set", "grade=三级甲等", "--set",
                        "fixed_asset_investment=4000万", *common)
    report = json.loads(run("check", profile, "--as-of", AS_OF, "--format", "json"))
    for rule in (result["rule"] for result in report["results"]):
        yield f"explain {rule}", run("explain", profile, rule, *common)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("profile", EXAMPLES, ids=lambda p: p.stem)
def test_every_command_speaks_one_language(profile: Path, lang: str) -> None:
    found = {}
    for name, text in outputs(profile, lang):
        left = leftover(text, lang, code=name.startswith("explain"))
        if left:
            found[name] = left
    assert not found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rules_show_speaks_one_language(lang: str) -> None:
    found = {}
    for rule in sorted({r.id for r in BOOK.all_rules()}):
        left = leftover(run("rules", "show", rule, "--lang", lang), lang)
        if left:
            found[rule] = left
    assert not found


def test_the_check_finds_a_label_left_in_english() -> None:
    assert leftover("符合条件 Eligible ✓", "zh") == ["Eligible"]
    assert leftover("Eligible 符合条件", "en") == ["符合条件"]
    assert leftover("[fixed_asset_investment] ZZ-2 zhengzhou.grade-award `a >= 1`", "zh") == []


def test_conditions_read_as_sentences_from_the_declared_labels() -> None:
    rehab = ROOT / "examples" / "new-rehabilitation-hospital.toml"
    zh = run("check", rehab, "--as-of", AS_OF, "--lang", "zh", "--format", "markdown")
    assert "固定资产投资（不含土地费用） 8,650万元 ≥ 5,000万元 ✓" in zh
    assert "社会力量举办（社会办） ✓" in zh  # a named condition reads as its label
    assert "fixed_asset_investment >= 5000万" not in zh
    en = run("check", rehab, "--as-of", AS_OF, "--lang", "en", "--format", "markdown")
    assert "Fixed-asset investment excluding land 8,650万元 ≥ 5,000万元 ✓" in en
    assert "run by social forces ✓" in en
    # the expression stays in explain and in the JSON
    assert "fixed_asset_investment >= 5000万" in run(
        "explain", rehab, "ZZ-2", "--as-of", AS_OF, "--lang", "zh")
    assert "fixed_asset_investment >= 5000万" in run(
        "check", rehab, "--as-of", AS_OF, "--format", "json")
