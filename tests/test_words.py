"""The one vocabulary (render/words.py): every status, kind, timing and timeline event the
model can produce has its word in both languages, and the accessors write it as the
reports do."""

from __future__ import annotations

import pytest

from incentives.model.result import ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE
from incentives.model.rule import KINDS, TIMINGS
from incentives.render.words import WORDS, Word, both, inline, label

EVENTS = ("instalment", "period_start", "period_end", "earliest_application")


@pytest.mark.parametrize("key", [ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE, *KINDS, *TIMINGS, *EVENTS])
def test_every_meaning_the_model_names_has_both_languages(key: str) -> None:
    assert WORDS[key].zh and WORDS[key].en


def test_a_status_in_each_form() -> None:
    assert label(NEEDS_INFO, "zh") == "需补充信息"
    assert label(NEEDS_INFO, "en") == "Needs information"
    assert inline(NEEDS_INFO, "en", short=True) == "needs info"
    assert label(NEEDS_INFO, "zh", short=True) == "需补充信息"  # no shorter Chinese: the full one
    assert both(NOT_ELIGIBLE, lower=True) == "not eligible 不符合条件"
    assert both("amount") == "Amount 金额"


def test_a_word_not_yet_translated_reads_in_english() -> None:
    assert label("and", "zh") == "以下全部满足（且）"
    assert Word("", "x").text("zh") == "x"
    assert both("as_of") == "As of 评估日期"
