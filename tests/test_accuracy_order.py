"""Results that depend on nothing but the facts: not on order, and not on unknown facts.

Whatever the order of the rule folders given, of the files in them and of the rules in
the files, and whatever the order of a profile's keys, every city's assessment is the
same; and leaving a fact out never turns a result eligible. (tests/test_properties.py
shows the same for Zhengzhou's profiles and files; this covers Baotou and the national
layer, and the order of the folders themselves.)
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incentives import assess, load_rulebook, parse_profile
from incentives.load.rulebook import RuleBook, bundled_rules_dir
from incentives.model.result import Result
from incentives.render.json import assessment_to_dict

from .conftest import BOOK
from .test_properties import consistent

CITIES = ["zhengzhou", "baotou"]
SOME = settings(max_examples=40, deadline=None)


def values_of(name: str, city: str) -> st.SearchStrategy[Any]:
    """Any value a profile may give the fact, as it would write it."""
    fact = BOOK.schema[name]
    if name == "district":
        place = BOOK.cities[city]
        return st.sampled_from(sorted({*place.divisions,
                                       *(a for d in place.divisions.values() for a in d.aliases)}))
    if fact.type == "bool":
        return st.booleans()
    if fact.type == "enum":
        return st.sampled_from(sorted({*fact.values, *fact.aliases}))
    if fact.type in ("money", "number"):
        return st.integers(0, 10**12).map(lambda fen: Decimal(fen).scaleb(-2))
    if fact.type == "date":
        return st.dates(date(2010, 1, 1), date(2030, 12, 31))
    return st.sampled_from(["某医院", "Hospital"])


def profiles(city: str, complete: bool) -> st.SearchStrategy[dict[str, Any]]:
    facts = {name: values_of(name, city) for name, fact in BOOK.schema.facts.items()
             if not fact.derived and name != "city" and fact.scope in (None, city)}
    if complete:
        return st.fixed_dictionaries({"city": st.just(city), **facts}).map(consistent)
    return st.fixed_dictionaries({"city": st.just(city)}, optional=facts).map(consistent)


def any_profile(complete: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(CITIES).flatmap(lambda city: profiles(city, complete))


def report(raw: dict[str, Any], book: RuleBook, as_of: date) -> dict[str, Any]:
    return assessment_to_dict(assess(parse_profile(raw, book.schema, book.cities), book, as_of))


dates = st.dates(date(2015, 1, 1), date(2030, 12, 31))


# --- the order of folders, files, rules and keys ---------------------------------------------


def _reversed_rules(text: str) -> str:
    header, *rules = text.split("\n[[rule]]\n")
    return header + "".join("\n[[rule]]\n" + rule for rule in reversed(rules))


@pytest.fixture(scope="module")
def reordered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RuleBook]:
    """The bundled rules loaded from roots given in other orders, and from copies of every
    folder with its files renamed to sort the other way and their rules reversed."""
    source = bundled_rules_dir()
    shared = tmp_path_factory.mktemp("shared")
    shutil.copytree(source / "params", shared / "params")
    folders = [source / "national", source / "baotou", source / "zhengzhou"]
    books = {
        "folders-reversed": load_rulebook([*reversed(folders), shared]),
        "shared-last": load_rulebook([*folders, shared]),
        "shared-between": load_rulebook([folders[2], shared, folders[0], folders[1]]),
    }
    root = tmp_path_factory.mktemp("reordered")
    shutil.copytree(source / "params", root / "params")
    for folder in folders:
        copy = root / folder.name
        copy.mkdir()
        files = sorted(folder.glob("*.toml"))
        for index, path in enumerate(files):
            keep = path.name in ("city.toml", "facts.toml")
            name = path.name if keep else f"{chr(ord('z') - index)}-{path.name}"
            text = path.read_text(encoding="utf-8")
            (copy / name).write_text(text if keep else _reversed_rules(text), encoding="utf-8")
        if (folder / "params").is_dir():
            shutil.copytree(folder / "params", copy / "params")
    books["files-and-rules-reversed"] = load_rulebook([root])
    return books


def test_the_reordered_books_hold_the_same_rules(reordered: dict[str, RuleBook]) -> None:
    ids = sorted((r.id, r.effective_from) for r in BOOK.all_rules())
    for name, book in reordered.items():
        assert sorted((r.id, r.effective_from) for r in book.all_rules()) == ids, name
        assert list(book.cities) != [] and set(book.cities) == set(BOOK.cities)
    lines = [(Path(r.file).name, r.line) for r in reordered["files-and-rules-reversed"]
             .all_rules() if r.city == "baotou"]
    assert lines != sorted(lines)  # the load order really differs


@SOME
@given(raw=any_profile(), as_of=dates)
def test_no_order_of_folders_files_or_rules_changes_a_result(
        reordered: dict[str, RuleBook], raw: dict[str, Any], as_of: date) -> None:
    expected = report(raw, BOOK, as_of)
    for name, book in reordered.items():
        assert report(raw, book, as_of) == expected, name


@SOME
@given(data=st.data(), raw=any_profile(), as_of=dates)
def test_the_order_of_a_profiles_keys_changes_nothing(data: st.DataObject, raw: dict[str, Any],
                                                      as_of: date) -> None:
    shuffled = dict(data.draw(st.permutations(list(raw.items()))))
    assert report(shuffled, BOOK, as_of) == report(raw, BOOK, as_of)


# --- unknown facts ---------------------------------------------------------------------------


def _by_rule(results: list[Result]) -> dict[str, Result]:
    return {r.rule.id: r for result in results for r in (result, *result.also)}


@settings(max_examples=60, deadline=None)
@given(raw=any_profile(complete=True), as_of=dates)
def test_leaving_a_fact_out_never_makes_a_result_eligible(raw: dict[str, Any], as_of: date
                                                          ) -> None:
    def results(facts: dict[str, Any]) -> dict[str, Result]:
        profile = parse_profile(facts, BOOK.schema, BOOK.cities)
        return _by_rule(assess(profile, BOOK, as_of).results)

    known = results(raw)
    for left_out in sorted(set(raw) - {"city"}):
        fewer = results({k: v for k, v in raw.items() if k != left_out})
        for rule_id, result in fewer.items():
            before = known[rule_id]
            where = f"{rule_id} without {left_out}"
            if before.status == "not_eligible":
                assert result.status != "eligible", where
            if result.status == "eligible":
                assert before.status == "eligible", where
                if result.range is None:
                    assert result.amount == before.amount, where
                else:  # the fact left out opens a range, which holds the known amount
                    assert before.amount is not None, where
                    assert result.range.least.amount <= before.amount, where
                    assert before.amount <= result.range.most.amount, where
                assert result.period == before.period, where
