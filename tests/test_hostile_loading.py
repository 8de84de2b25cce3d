"""Hostile input to the loaders: profiles, registries, rule folders and the parsed-TOML
cache that a stranger may have written to mislead, to hang or to exhaust the program.

Each case is refused with a clear message and exit status 2 (or, for the cache, ignored),
never a silently different answer, a hang or a traceback. Commands that could hang run in
a subprocess with a generous timeout, which only catches a hang and times nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from incentives.cli import cli
from incentives.errors import MoneyError
from incentives.model.money import parse_amount

from .test_hostile import CITY

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "hostile"
AS_OF = "2026-01-01"
PROFILE: dict[str, Any] = {
    "name": "康宁", "city": "郑州市", "district": "二七区", "sponsor": "social",
    "for_profit": True, "kind": "康复医院", "grade": "ungraded", "newly_built": True,
    "leading_level": False, "fixed_asset_investment": "8650万", "opened_on": "2025-04-28",
}


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def main(*args: object, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess (a hang fails the test instead of the suite)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "incentives", *(str(a) for a in args)],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, check=False)


def json_object(pairs: list[tuple[str, Any]]) -> str:
    """A JSON object written pair by pair, so that a key may appear twice."""
    return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                           for k, v in pairs) + "}"


# --- 3. strict JSON: a key given twice, a percentage as money --------------------------------


@pytest.mark.bad_input
def test_json_profile_with_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json_object([*PROFILE.items(), ("fixed_asset_investment", "1")]),
                    encoding="utf-8")
    result = invoke("check", path, "--as-of", AS_OF)
    assert result.exit_code == 2, result.output
    assert "'fixed_asset_investment' is given twice" in result.output


@pytest.mark.bad_input
def test_jsonl_row_with_a_key_given_twice_is_rejected_alone(tmp_path: Path) -> None:
    source, output = tmp_path / "r.jsonl", tmp_path / "out.csv"
    rows = [json_object([*PROFILE.items(), ("fixed_asset_investment", "1")]),
            json_object(list(PROFILE.items()))]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = invoke("batch", source, "-o", output, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "assessed 1 + rejected 1" in result.output
    errors = (tmp_path / "out.csv.errors.csv").read_text(encoding="utf-8").splitlines()
    assert errors[1].startswith("1,1,,") and "'fixed_asset_investment' is given twice" in errors[1]


@pytest.mark.bad_input
@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_a_percentage_is_not_an_amount_of_money(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"p{suffix}"
    raw = dict(PROFILE, fixed_asset_investment="50%")
    if suffix == ".json":
        path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text("".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n"
                                for k, v in raw.items()), encoding="utf-8")
    result = invoke("check", path, "--as-of", AS_OF)
    assert result.exit_code == 2, result.output
    assert "fixed_asset_investment: '50%': a percentage is a rate, not an amount" in result.output


def test_a_percentage_is_still_a_rate() -> None:
    assert parse_amount("4.35%") == parse_amount("0.0435")
    with pytest.raises(MoneyError, match="percentage"):
        parse_amount("50%", percent=False)
    assert parse_amount("8650万", percent=False) == 86_500_000


# --- 5. rule files that would hang the loader or exhaust memory ------------------------------

RULE = """\
[[rule]]
id = "hostile.r"
document = "DOC-1"
article = "1"
quote = "q"
title = "t"
effective_from = 2020-01-01
kind = "cash"
amount = "1"
payers = [{ payer = "city", share = 1 }]
"""


def rule_folder(root: Path, name: str = "hostile", **files: str) -> Path:
    """A rule folder `root/name` with city.toml (unless given) and the files given."""
    folder = root / name
    folder.mkdir(parents=True)
    for file, text in {"city.toml": CITY, **files}.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def limited_memory() -> None:
    """Run in the child: at most 2 GB of address space, so that a loader that would take
    gigabytes fails in the test rather than starving the machine."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def bounded_main(*args: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), INCENTIVES_NO_CACHE="1")
    return subprocess.run([sys.executable, "-m", "incentives", *(str(a) for a in args)],
                          cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=60, check=False, preexec_fn=limited_memory)


@pytest.mark.attack
def test_thousands_of_facts_and_unknown_keys_load_in_time_with_the_messages_bounded(
        tmp_path: Path) -> None:
    facts = "".join(f'[f{i}]\ntype = "bool"\nzh = "事实{i}"\nen = "Fact {i}"\n\n'
                    for i in range(8000))
    unknown = "".join(f"k{i} = 1\n" for i in range(45_000))
    folder = rule_folder(tmp_path, **{"facts.toml": facts, "r.toml": RULE + unknown})
    assert len((folder / "r.toml").read_bytes()) < 512 * 1024
    result = bounded_main("rules", "check", folder)  # was minutes: a rescan for every key
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert f"{folder / 'r.toml'}:11: rule 'hostile.r': k0: unknown key" in lines[1]
    assert len(lines) == 1 + 200 + 1
    assert lines[-1].endswith("and 44,800 more problems, the first of them here "
                              "(only the first 200 are listed)")
    first_unlisted = int(sorted(f"k{i}" for i in range(45_000))[200][1:])  # sorted by name
    assert f"{folder / 'r.toml'}:{11 + first_unlisted}:" in lines[-1]


@pytest.mark.attack
def test_a_dotted_key_of_100000_parts_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    folder = rule_folder(tmp_path, **{"r.toml": RULE + "x." + ".".join(["a"] * 100_000)
                                      + " = 1\n"})
    result = bounded_main("rules", "check", folder)  # was 6 GB and a traceback
    assert result.returncode == 2, result.stderr[-2000:]
    assert (f"{folder / 'r.toml'}:1: a dotted key of more than 24 parts (tables nested more "
            "than 24 deep; the limit is 24)" in result.stderr)


@pytest.mark.attack
@pytest.mark.parametrize("quoted", [False, True])
def test_a_dotted_key_just_too_deep_is_refused_and_one_within_the_limit_is_not(
        tmp_path: Path, quoted: bool) -> None:
    from incentives.errors import RuleProblem
    from incentives.load.source import SourceFile

    part = '"a"' if quoted else "a"
    for parts, refused in ((24, False), (25, True)):
        path = tmp_path / f"{parts}.toml"
        path.write_text(".".join([part] * parts) + " = 1\n", encoding="utf-8")
        problems: list[RuleProblem] = []
        source = SourceFile(path, problems)
        assert (source.data is None) is refused, problems
        assert refused == any("dotted key" in p.message for p in problems)


@pytest.mark.attack
@pytest.mark.parametrize("where", ["rule", "params", "city", "facts", "profile"])
@pytest.mark.parametrize("special", ["fifo", "dev-zero"])
def test_a_fifo_or_dev_zero_is_refused_without_reading_it(tmp_path: Path, where: str,
                                                          special: str) -> None:
    folder = rule_folder(tmp_path, **{"r.toml": RULE})
    (folder / "params").mkdir()
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(dict(PROFILE, city="敌意", district="东区"),
                                  ensure_ascii=False), encoding="utf-8")
    target = {"rule": folder / "x.toml", "params": folder / "params" / "p.toml",
              "city": folder / "city.toml", "facts": folder / "facts.toml",
              "profile": profile}[where]
    target.unlink(missing_ok=True)
    if special == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    result = bounded_main("check", profile, "--rules", folder)
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"{target}:1: cannot read the file: not a regular file" in result.stderr or (
        where == "profile" and f"{target}: cannot read the file: not a regular file"
        in result.stderr)


# --- 6, 7. a folder may not take another folder's fact or city names -------------------------

BUNDLED_FACTS = ROOT / "incentives" / "facts.toml"
ZHENGZHOU = ROOT / "rules" / "zhengzhou"


def every_loader(folder: Path, tmp_path: Path) -> list[Result]:
    """`rules check DIR`, `check --rules DIR` and `batch --rules DIR`, each on `folder`."""
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")
    registry = tmp_path / "r.csv"
    registry.write_text("城市,固定资产投资（不含土地费用）\n郑州市,8650万\n", encoding="utf-8")
    return [invoke("rules", "check", folder),
            invoke("check", profile, "--rules", folder, "--as-of", AS_OF),
            invoke("batch", registry, "-o", tmp_path / "out.csv", "--rules", folder)]


@pytest.mark.attack
@pytest.mark.parametrize(("name", "zh", "en", "what"), [
    ("investment", "固定资产投资（不含土地费用）", "Investment", "Chinese name"),
    ("investment", "投资", "Fixed-asset investment excluding land, yuan", "English name"),
    ("fixed_asset_investment", "投资", "Investment", "id"),
])
def test_a_folder_may_not_redefine_a_fact_by_any_of_its_names(
        tmp_path: Path, name: str, zh: str, en: str, what: str) -> None:
    facts = f'[{name}]\ntype = "money"\nzh = "{zh}"\nen = "{en}"\n'
    folder = rule_folder(tmp_path / "rules", **{"facts.toml": facts, "r.toml": RULE})
    for result in every_loader(folder, tmp_path):
        assert result.exit_code == 2, result.output
        assert f"{folder / 'facts.toml'}:1: fact {name!r}: {what} " in result.output
        assert f"already that of fact 'fixed_asset_investment' (in {BUNDLED_FACTS})" \
            in result.output


@pytest.mark.attack
def test_two_folders_may_not_give_two_facts_the_same_name(tmp_path: Path) -> None:
    first = rule_folder(tmp_path, "a", **{"facts.toml": '[beds]\ntype = "number"\nzh = "床位"\n'})
    second = rule_folder(tmp_path, "b", **{"facts.toml": '[beds2]\ntype = "number"\nzh = "床位"\n',
                                           "city.toml": CITY.replace("hostile", "other")
                                           .replace('["敌意"]', "[]")})
    result = invoke("rules", "check", "--no-bundled", tmp_path)
    assert result.exit_code == 2, result.output
    assert (f"{second / 'facts.toml'}:1: fact 'beds2': Chinese name '床位' is already that of "
            f"fact 'beds' (in {first / 'facts.toml'})") in result.output


@pytest.mark.attack
@pytest.mark.parametrize(("line", "aliases", "what", "name"), [
    ('aliases = ["敌意", "郑州市"]', None, "alias", "郑州市"),
    ('aliases = ["zhengzhou"]', None, "alias", "zhengzhou"),
    (None, "郑州", "id", "郑州"),
])
def test_a_city_may_not_take_another_citys_id_or_alias(
        tmp_path: Path, line: str | None, aliases: str | None, what: str, name: str) -> None:
    city = CITY.replace('aliases = ["敌意"]', line) if line else CITY.replace(
        'id = "hostile"', f'id = "{aliases}"')
    folder = rule_folder(tmp_path / "rules", **{"city.toml": city, "r.toml": RULE})
    owner = "郑州" if what == "id" else "hostile"
    for result in every_loader(folder, tmp_path):
        assert result.exit_code == 2, result.output
        assert (f"{folder / 'city.toml'}:{2 if what == 'id' else 5}: city {owner!r}: {what} "
                f"{name!r} is already that of city 'zhengzhou' (in {ZHENGZHOU / 'city.toml'})"
                ) in result.output


@pytest.mark.attack
def test_a_stranger_loaded_first_is_named_when_the_real_city_is_refused(tmp_path: Path) -> None:
    city = CITY.replace('aliases = ["敌意"]', 'aliases = ["郑州市"]')
    folder = rule_folder(tmp_path, "aaa", **{"city.toml": city, "r.toml": RULE})
    result = invoke("rules", "check", "--no-bundled", folder, ZHENGZHOU)
    assert result.exit_code == 2, result.output
    assert (f"{ZHENGZHOU / 'city.toml'}:8: city 'zhengzhou': alias '郑州市' is already that of "
            f"city 'hostile' (in {folder / 'city.toml'})") in result.output


# --- 8. the parsed-TOML cache: an entry is used only if it is sound ---------------------------

AWARDS = ZHENGZHOU / "awards.toml"
EXAMPLE_3A = ROOT / "examples" / "3a-general-hospital.toml"


def entry_for(text: str) -> Path:
    """Where the cache keeps the tables of `text`."""
    from incentives.load import cache

    folder = cache.cache_dir()
    assert folder is not None
    return folder / f"{cache._entry_name(cache._sha256(text))}.json"




@pytest.fixture
def own_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A cache folder of the test's own, for this process and the commands it runs."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("INCENTIVES_NO_CACHE", raising=False)
    return tmp_path / "cache"


def cached_main(*args: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # with the cache, unlike bounded_main
    return subprocess.run([sys.executable, "-m", "incentives", *(str(a) for a in args)],
                          cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=60, check=False, preexec_fn=limited_memory)


def award_with_cache() -> str:
    result = cached_main("check", EXAMPLE_3A, "--as-of", AS_OF, "--format", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    [amount] = [r["amount"] for r in json.loads(result.stdout)["results"]
                if r["rule"] == "zhengzhou.grade-award"]
    return str(amount)


def forged(text: str, tables: dict[str, Any]) -> str:
    """An entry for `text` holding other tables, with every digest right."""
    from incentives.load import cache

    return cache.entry_text(cache._sha256(text), tables, [])


def inflated(text: str) -> dict[str, Any]:
    """The tables of awards.toml with the 3A award made 9000万."""
    import tomllib

    tables = tomllib.loads(text)
    tables["rule"][0]["amount"][0]["value"] = "9000万"
    return tables


@pytest.mark.attack
def test_an_entry_whose_tables_were_edited_is_not_used(own_cache: Path) -> None:
    assert award_with_cache() == "10000000.00"
    text = AWARDS.read_text(encoding="utf-8")
    entry = entry_for(text)
    stored = json.loads(entry.read_text(encoding="utf-8"))
    stored["tables"] = json.loads(forged(text, inflated(text)))["tables"]  # digest left alone
    entry.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    assert award_with_cache() == "10000000.00"  # was 90,000,000.00


@pytest.mark.attack
def test_an_entry_that_is_a_symlink_is_not_followed(own_cache: Path, tmp_path: Path) -> None:
    assert award_with_cache() == "10000000.00"
    text = AWARDS.read_text(encoding="utf-8")
    planted = tmp_path / "planted.json"
    planted.write_text(forged(text, inflated(text)), encoding="utf-8")
    entry = entry_for(text)
    entry.unlink()
    entry.symlink_to(planted)
    assert award_with_cache() == "10000000.00"  # was 90,000,000.00


@pytest.mark.attack
@pytest.mark.parametrize("special", ["fifo", "dev-zero"])
def test_an_entry_that_is_a_fifo_or_dev_zero_is_passed_over(own_cache: Path,
                                                            special: str) -> None:
    assert award_with_cache() == "10000000.00"
    entry = entry_for(AWARDS.read_text(encoding="utf-8"))
    entry.unlink()
    if special == "fifo":
        os.mkfifo(entry)
    else:
        entry.symlink_to("/dev/zero")
    assert award_with_cache() == "10000000.00"  # was a hang, or gigabytes


@pytest.mark.attack
def test_a_cache_folder_others_may_write_is_not_used(own_cache: Path) -> None:
    from incentives.load.cache import cache_dir, parse_toml

    text = 'a = "real"\n'
    assert parse_toml(text) == {"a": "real"}
    folder = cache_dir()
    assert folder is not None and folder.stat().st_mode & 0o777 == 0o700
    entry = entry_for(text)
    entry.write_text(forged(text, {"a": "planted"}), encoding="utf-8")
    assert parse_toml(text) == {"a": "planted"}  # a sound entry is used ...
    folder.chmod(0o777)
    assert parse_toml(text) == {"a": "real"}  # ... but not from a folder open to others


@pytest.mark.attack
def test_a_cache_folder_that_is_a_symlink_is_not_used(own_cache: Path, tmp_path: Path) -> None:
    from incentives.load.cache import cache_dir, parse_toml

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    folder = cache_dir()
    assert folder is not None
    folder.parent.mkdir(parents=True)
    folder.symlink_to(elsewhere)
    assert parse_toml('a = 1\n') == {"a": 1}
    assert not list(elsewhere.iterdir())


@pytest.mark.attack
def test_writing_an_entry_never_follows_a_planted_link(own_cache: Path, tmp_path: Path) -> None:
    from incentives.load.cache import parse_toml

    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    text = 'b = 2\n'
    parse_toml('a = 1\n')  # makes the folder
    entry = entry_for(text)
    for name in (entry, entry.with_name(f"{entry.name}.{os.getpid()}.tmp"),
                 entry.with_name(f".{entry.name}.{os.getpid()}.tmp")):
        name.symlink_to(victim)
    assert parse_toml(text) == {"b": 2}
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not entry.is_symlink() and json.loads(entry.read_text(encoding="utf-8"))["tables"] \
        == {"b": 2}


# --- 10. `is` and `is not` ---------------------------------------------------------------------


@pytest.mark.attack
@pytest.mark.parametrize(("expression", "word"), [
    ("grade is '3A'", "is"),
    ("newly_built is not true", "is not"),
    ("fixed_asset_investment > 1 is 1", "is"),
])
def test_is_and_is_not_are_refused_in_the_rule_authors_words(tmp_path: Path, expression: str,
                                                             word: str) -> None:
    rule = RULE + f'when = "{expression}"\n'
    folder = rule_folder(tmp_path, **{"r.toml": rule})
    result = invoke("rules", "check", folder)
    assert result.exit_code == 2, result.output  # was 1: KeyError: ast.Is
    assert (f"{folder / 'r.toml'}:11: rule 'hostile.r': when: '{word}' is not allowed; use == "
            "or != to compare values") in result.output


# --- 11. payers listed twice; schedule shares that do not add up to 100% -----------------------


@pytest.mark.attack
def test_a_payer_listed_twice_is_refused(tmp_path: Path) -> None:
    rule = RULE.replace('payers = [{ payer = "city", share = 1 }]',
                        'payers = [{ payer = "city", share = 1 }, { payer = "district", '
                        'share = 2 }, { payer = "city", share = 1 }]')
    folder = rule_folder(tmp_path, **{"r.toml": rule})
    result = invoke("rules", "check", folder)
    assert result.exit_code == 2, result.output
    assert (f"{folder / 'r.toml'}:10: rule 'hostile.r': payers: payer 'city' is listed twice; "
            "give each payer once, with its whole share") in result.output


@pytest.mark.bad_input
@pytest.mark.parametrize(("shares", "total"), [
    (["60%", "50%"], "110% (60% + 50%)"),
    (["40%", "50%"], "90% (40% + 50%)"),
    (["1", "1"], "200% (100% + 100%)"),
])
def test_schedule_shares_must_add_up_to_100_percent(tmp_path: Path, shares: list[str],
                                                     total: str) -> None:
    schedule = "schedule = [\n" + "".join(
        f'  {{ share = "{share}", from = "opened_on", years = {year} }},\n'
        for year, share in enumerate(shares)) + "]\n"
    folder = rule_folder(tmp_path, **{"r.toml": RULE + schedule})
    result = invoke("rules", "check", folder)
    assert result.exit_code == 2, result.output  # was ok, and the shares were rescaled
    assert (f"{folder / 'r.toml'}:11: rule 'hostile.r': schedule: the shares add up to {total}, "
            "not 100%") in result.output


def test_schedule_shares_that_add_up_are_accepted(tmp_path: Path) -> None:
    from incentives.load.rulebook import load_rulebook

    schedule = ('schedule = [{ share = "50%", from = "opened_on" }, '
                '{ share = "0.5", from = "opened_on", years = 2 }]\n')
    folder = rule_folder(tmp_path, **{"r.toml": RULE + schedule})
    [rule] = load_rulebook([folder], bundled=True).rules["hostile"]
    assert [instalment.share for instalment in rule.schedule] == [Decimal("0.5")] * 2


# --- 15. check, rules check and batch accept the same folders ----------------------------------


def test_check_refuses_a_folder_that_rules_check_and_batch_refuse(tmp_path: Path) -> None:
    rule_folder(tmp_path / "rules", "a", **{"r.toml": RULE})
    other = CITY.replace('"hostile"', '"other"').replace('["敌意"]', '["他市"]')
    bad = rule_folder(tmp_path / "rules", "b", **{
        "city.toml": other, "r.toml": RULE.replace("hostile.r", "other.r")
        + 'when = "nonsense_fact"\n'})
    results = every_loader(tmp_path / "rules", tmp_path)  # the profile is in 郑州市
    for result in results:  # check compiled only the profile's city's rules
        assert result.exit_code == 2, result.output
        assert f"{bad / 'r.toml'}:11: rule 'other.r': when: unknown name 'nonsense_fact'" \
            in result.output
    assert len({result.output for result in results[:2]}) == 1


@pytest.mark.attack
@pytest.mark.parametrize("command", ["rules check", "check", "batch"])
def test_a_folder_of_rule_files_without_city_toml_is_refused(tmp_path: Path,
                                                              command: str) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "r.toml").write_text(RULE, encoding="utf-8")
    result = every_loader(folder, tmp_path)[["rules check", "check", "batch"].index(command)]
    assert result.exit_code == 2, result.output  # was "ok" about the bundled rules
    assert (f"{folder / 'city.toml'}:1: missing: a rule folder needs a city.toml that declares "
            "its city") in result.output


def test_a_folder_of_shared_parameters_alone_is_still_a_rules_folder(tmp_path: Path) -> None:
    from incentives.load.rulebook import load_rulebook

    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "p.toml").write_text(
        '[extra_rate]\nzh = "x"\nrange = ["0%", "100%"]\nrange_source = "s"\n\n'
        '[[extra_rate.values]]\nfrom = 2020-01-01\nvalue = "1%"\n'
        'source = "s"\n', encoding="utf-8")
    assert "extra_rate" in load_rulebook([tmp_path], bundled=True).params


def test_a_cache_hit_keeps_the_order_of_the_file(own_cache: Path) -> None:
    # The facts' order is the order `--ask` asks in: an entry must give it back as parsed.
    from incentives.load import cache

    text = (ROOT / "incentives" / "facts.toml").read_text(encoding="utf-8")
    fresh = cache.parse_toml(text)
    assert entry_for(text).exists()
    again = cache.parse_toml(text)
    assert list(again) == list(fresh) and again == fresh
    assert list(again)[:3] == ["name", "city", "district"]


def test_cached_tables_keep_the_order_of_their_keys(own_cache: Path) -> None:
    from incentives.load.cache import parse_toml

    text = 'z = 1\na = 2\n[m]\ny = 3\nb = 4\n'
    assert parse_toml(text) == {"z": 1, "a": 2, "m": {"y": 3, "b": 4}}  # a miss, then a hit
    hit = parse_toml(text)
    assert list(hit) == ["z", "a", "m"] and list(hit["m"]) == ["y", "b"]


def many_facts(count: int = 8000) -> str:
    return "".join(f'[f{i}]\ntype = "bool"\nzh = "事实{i}"\nen = "Fact {i}"\n\n'
                   for i in range(count))


@pytest.mark.bad_input
def test_thousands_of_misspelt_names_among_thousands_of_facts_load_in_time(
        tmp_path: Path) -> None:
    rule = RULE.replace('amount = "1"\n', "") + "amount = [\n" + "".join(
        f'  {{ when = "f{i}x", value = "1" }},\n' for i in range(6000)) + "]\n"
    folder = rule_folder(tmp_path, **{"facts.toml": many_facts(), "r.toml": rule})
    result = bounded_main("rules", "check", folder)  # was a did-you-mean over 8,000 names each
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert "unknown name 'f0x'; did you mean 'f0'?" in lines[1]
    assert "and 5,800 more problems" in lines[-1]


@pytest.mark.bad_input
def test_thousands_of_unknown_profile_keys_among_thousands_of_facts_are_told_in_time(
        tmp_path: Path) -> None:
    folder = rule_folder(tmp_path, **{"facts.toml": many_facts(), "r.toml": RULE})
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"city": "敌意", **{f"f{i}x": True for i in range(20_000)}}),
                       encoding="utf-8")
    result = bounded_main("check", profile, "--rules", folder)
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"{profile}: f0x: unknown key 'f0x'; did you mean 'f0'?" in result.stderr


@pytest.mark.attack
@pytest.mark.parametrize("line", ["[" + " " * 200_000 + "x", "[[" + "a." * 100_000,
                                  'a = "' + '" "' * 60_000, "x" * 200_000 + " ",
                                  "\t" * 200_000 + "="])
def test_a_line_built_to_make_a_pattern_backtrack_is_read_in_time(tmp_path: Path,
                                                                  line: str) -> None:
    folder = rule_folder(tmp_path, **{"r.toml": RULE + line + "\n"})
    result = bounded_main("rules", "check", folder)
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"{folder / 'r.toml'}:11: " in result.stderr or f"{folder / 'r.toml'}:1: " \
        in result.stderr


@pytest.mark.attack
@pytest.mark.parametrize("title", ['"\\u001b]0;pwned\\u0007t"',
                                   '{ zh = "标题\\u001b[2J", en = "t" }'])
def test_a_rule_text_with_an_escape_code_is_refused_at_its_line(tmp_path: Path,
                                                                title: str) -> None:
    folder = rule_folder(tmp_path, **{"r.toml": RULE.replace('title = "t"', f"title = {title}")})
    for command in (["rules", "check", folder], ["rules", "list", "--rules", folder]):
        result = bounded_main(*command)
        assert result.returncode == 2, result.stderr[-2000:]
        assert "control character U+001B" in result.stderr
        assert "\x1b" not in result.stdout + result.stderr


@pytest.mark.parametrize(("title", "code", "told"), [
    ('{ en = "Award" }', 0, ""),
    ('{ zh = "奖励" }', 0, ""),
    ('{ zh = 1, en = "Award" }', 2, "rule 'hostile.r': title: zh: must be text"),
    ("{ fr = \"Prix\" }", 2, "rule 'hostile.r': title: fr: unknown key; it has en, zh"),
])
def test_a_title_in_one_language_stands_for_both_and_a_bad_one_is_named(
        tmp_path: Path, title: str, code: int, told: str) -> None:
    folder = rule_folder(tmp_path, **{"r.toml": RULE.replace('title = "t"', f"title = {title}")})
    result = bounded_main("rules", "check", folder)
    assert result.returncode == code, result.stderr[-2000:]
    assert told in result.stderr and "Traceback" not in result.stderr
