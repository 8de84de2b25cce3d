"""Every bundled rule cites a declared document and quotes its sentence verbatim."""

from __future__ import annotations

import re

import pytest

from .conftest import BOOK, ROOT

SOURCES = {
    "郑政办〔2018〕71号": ROOT / "sources" / "zhengzhou-郑政办-2018-71.txt",
    "包府办发〔2018〕151号": ROOT / "sources" / "baotou-包府办发-2018-151.txt",
    "财税〔2000〕42号": ROOT / "sources" / "national.md",
    "财税〔2016〕36号": ROOT / "sources" / "national.md",
    "财税〔2009〕122号": ROOT / "sources" / "national.md",
    "财税〔2009〕27号": ROOT / "sources" / "national.md",
}
# Extraction damage the rules quote mended (sources/README.md).
MENDED = {"暶": "∶"}


def normalise(text: str) -> str:
    text = re.sub(r"—\d+—", "", text)  # page marks
    for damaged, mended in MENDED.items():
        text = text.replace(damaged, mended)
    return re.sub(r"\s+", "", text)


RULES = [rule for rules in BOOK.rules.values() for rule in rules]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_quote_stands_in_the_document(rule) -> None:  # type: ignore[no-untyped-def]
    document = normalise(SOURCES[rule.document].read_text(encoding="utf-8"))
    position = 0
    for fragment in normalise(rule.quote).split("…"):
        found = document.find(fragment, position)
        assert found >= 0, f"{rule.id}: {fragment[:40]}… is not in {rule.document}"
        position = found + len(fragment)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_is_cited_and_titled(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.document in BOOK.jurisdiction(rule.city).documents
    assert rule.document in SOURCES and rule.article.strip()
    assert rule.title.zh and rule.title.en


@pytest.mark.parametrize(("jurisdiction", "prefix", "count"), [
    ("zhengzhou", "ZZ", 12), ("baotou", "BT", 8), ("national", "NAT", 4)])
def test_every_provision_is_encoded(jurisdiction: str, prefix: str, count: int) -> None:
    provisions = {rule.provision for rule in BOOK.rules[jurisdiction]}
    assert provisions == {f"{prefix}-{n}" for n in range(1, count + 1)}
