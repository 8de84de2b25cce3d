"""The hostile corpus: for every place a rule folder carries text, the attacks a stranger's
folder might make, as one table (docs/reliability.md cites it).

Each attack starts from a copy of the test city Qinghe (tests/cities/qinghe: rules, facts,
constants and named conditions, case files and a profile) with a parameter file added,
and plants one thing: an expression that would run code or reach Python's attributes,
one that would exhaust time or memory, or a file that is too big, too many keys, nested
5,000 deep, a symbolic link out of the folder or to itself, a FIFO, NUL bytes or bytes
that are not UTF-8. The files too big to keep (100 MB, a million keys) are made in the
test's own folder, the 100 MB one sparse. test_hostile_corpus.py runs each through
`incentives rules check` (`rules test` for case files) and asserts the refusal.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

QINGHE = Path(__file__).resolve().parents[1] / "cities" / "qinghe"
PARAMS = """\
[bed_rate]
zh = "床位补助标准"
en = "Subsidy per bed"
unit = "rate"
range = ["0%", "100%"]
range_source = "清政〔2015〕8号 第三条"

[[bed_rate.values]]
from = 2015-03-01
value = "50%"
source = "清政〔2015〕8号 第三条"
"""

Plant = Callable[[Path, Path], None]  # (the folder, the marker file a payload would create)


@dataclass(frozen=True)
class Attack:
    place: str  # where in a rule folder
    attack: str  # what it tries
    file: str  # the file, in the folder, that the refusal must name
    plant: Plant
    command: str = "check"  # `rules check`, or `rules test` for case files

    @property
    def id(self) -> str:
        return f"{self.place}/{self.attack}".replace(" ", "-")


def folder_for(root: Path) -> Path:
    """A fresh copy of Qinghe with a parameter file, under `root`."""
    folder = root / "qinghe"
    shutil.copytree(QINGHE, folder)
    (folder / "params").mkdir()
    (folder / "params" / "rates.toml").write_text(PARAMS, encoding="utf-8")
    return folder


def quoted(text: str) -> str:
    """A TOML basic string of `text`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def replace(file: str, pattern: str, make: Callable[[Path], str]) -> Plant:
    """Replace the first match of `pattern` (a regex, one line) in `file` with
    make(marker), a whole TOML line."""
    def plant(folder: Path, marker: Path) -> None:
        path = folder / file
        text = path.read_text(encoding="utf-8")
        new, count = re.subn(pattern, lambda _: make(marker), text, count=1, flags=re.M)
        assert count == 1, f"{pattern!r} is not in {path}"
        path.write_text(new, encoding="utf-8")
    return plant


def renamed(file: str, name: str, new: str) -> Plant:
    """Every `name` in `file` written as `new`."""
    def plant(folder: Path, _marker: Path) -> None:
        path = folder / file
        path.write_text(path.read_text(encoding="utf-8").replace(name, new), encoding="utf-8")
    return plant


# --- expressions: each place that holds one, each attack ------------------------------------

def run(marker: Path) -> str:
    return f"__import__('os').system('touch {marker}')"


def reach(marker: Path) -> str:
    return f"().__class__.__base__.__subclasses__()[0]('{marker}')"


def open_call(marker: Path) -> str:
    return f"open('{marker}', 'w') and newly_built"


def power(_marker: Path) -> str:
    return "9**9**9 > 1"


def repeated(_marker: Path) -> str:
    return " and ".join(["newly_built"] * 20_000)  # 300 KB of one expression


def nested(_marker: Path) -> str:
    return "(" * 5000 + "newly_built" + ")" * 5000


EXPRESSIONS: dict[str, Callable[[Path], str]] = {
    "runs code": run, "reaches dunders": reach, "calls open": open_call, "9**9**9": power,
    "huge repetition": repeated, "5000-deep nesting": nested}
EXPRESSION_PLACES: dict[str, tuple[str, str, Callable[[str], str]]] = {
    # place: (file, the line it replaces, the new line for an expression)
    "condition": ("rules.toml", r"^when = .*$", lambda e: f"when = {quoted(e)}"),
    "amount": ("rules.toml", r"^amount = \"min\(.*$", lambda e: f"amount = {quoted(e)}"),
    "note condition": ("rules.toml", r"^  \{ when = \"premises_leased and lease_years.*$",
                       lambda e: f'  {{ when = {quoted(e)}, text = "n" }},'),
    "named condition": ("city.toml", r"^when = \"sponsor == .*$",
                        lambda e: f"when = {quoted(e)}"),
}


def expression_attacks() -> list[Attack]:
    attacks = []
    for place, (file, pattern, line) in EXPRESSION_PLACES.items():
        for name, payload in EXPRESSIONS.items():
            attacks.append(Attack(place, name, file, replace(
                file, pattern, lambda marker, line=line, payload=payload: line(payload(marker)))))
    return attacks


# --- the other places: schedules, facts, constants, parameters, case files -------------------

SCHEDULE = r"^schedule = \[\{ share = \"100%\", month = 3.*$"
CASE_PROFILE = r'^profile = "profiles/hospital.toml"$'


def schedule(share: str, start: str) -> Callable[[Path], str]:
    return lambda marker: (f"schedule = [{{ share = {quoted(share)}, from = "
                           f"{quoted(start.format(marker=marker))} }}]")


def fifo_profile(folder: Path, _marker: Path) -> None:
    os.mkfifo(folder / "tests" / "profiles" / "pipe.toml")
    replace("tests/cases.toml", CASE_PROFILE,
            lambda _: 'profile = "profiles/pipe.toml"')(folder, _marker)


PLACES = [
    Attack("schedule", "runs code", "rules.toml", replace(rules := "rules.toml", SCHEDULE,
           schedule("100%", "__import__('os').system('touch {marker}')"))),
    Attack("schedule", "9**9**9", "rules.toml", replace(rules, SCHEDULE,
           schedule("9**9**9", "beds_added_on"))),
    Attack("schedule", "5000-deep nesting", "rules.toml", replace(rules, SCHEDULE,
           schedule("(" * 5000 + "100%" + ")" * 5000, "beds_added_on"))),
    Attack("fact declaration", "reaches dunders", "facts.toml", replace(
        "facts.toml", r"^\[talent_team\]$", lambda _: "[__class__]")),
    Attack("fact declaration", "runs code", "facts.toml", replace(
        "facts.toml", r'^type = "bool"$', lambda m: f"type = {quoted(run(m))}")),
    Attack("constant", "reaches dunders", "city.toml", replace(
        "city.toml", r"^GENERAL_KINDS = .*$", lambda _: '__builtins__ = ["general"]')),
    Attack("constant", "5000-deep nesting", "city.toml", replace(
        "city.toml", r"^GENERAL_KINDS = .*$",
        lambda _: "GENERAL_KINDS = " + "[" * 5000 + "1" + "]" * 5000)),
    Attack("parameter", "9**9**9", "params/rates.toml", replace(
        "params/rates.toml", r'^value = "50%"$', lambda _: 'value = "9**9**9"')),
    Attack("parameter", "runs code", "params/rates.toml", replace(
        "params/rates.toml", r'^value = "50%"$', lambda m: f"value = {quoted(run(m))}")),
    Attack("parameter", "reaches dunders", "params/rates.toml", renamed(
        "params/rates.toml", "bed_rate", "__class__")),
    Attack("case file", "a profile out of the folder", "tests/cases.toml", replace(
        "tests/cases.toml", CASE_PROFILE, lambda _: 'profile = "../../../../../etc/passwd"'),
        "test"),
    Attack("case file", "a FIFO as the profile", "tests/cases.toml", fifo_profile, "test"),
    Attack("case file", "9**9**9", "tests/cases.toml", replace(
        "tests/cases.toml", r'^amount = "600万"$', lambda _: 'amount = "9**9**9"'), "test"),
    Attack("case file", "runs code", "tests/cases.toml", replace(
        "tests/cases.toml", r'^amount = "600万"$', lambda m: f"amount = {quoted(run(m))}"),
        "test"),
]


# --- whole files: each file a folder has, each attack on a file ------------------------------

def big(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: no disk, the same size to a reader


def million_keys(path: Path) -> None:
    path.write_text("".join(f"k{n} = 1\n" for n in range(1_000_000)), encoding="utf-8")


def deep_file(path: Path) -> None:
    path.write_text("x = " + "[" * 5000 + "1" + "]" * 5000 + "\n", encoding="utf-8")


def link_out(path: Path) -> None:
    folder = next(parent for parent in path.parents if parent.name == "qinghe")
    outside = folder.parent / f"outside-{path.name}"
    outside.write_bytes(path.read_bytes())  # a valid file, only not the folder's own
    path.unlink()
    path.symlink_to(outside)


def link_loop(path: Path) -> None:
    path.unlink()
    path.symlink_to(path.name)


def fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def nul_bytes(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"\n", b"\n\0", 1))


def not_utf8(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))


FILE_ATTACKS: dict[str, Callable[[Path], None]] = {
    "100 MB file": big, "a million keys": million_keys, "5000-deep nesting": deep_file,
    "symlink out of the folder": link_out, "symlink loop": link_loop, "FIFO": fifo,
    "NUL bytes": nul_bytes, "not UTF-8": not_utf8}
FILES = {"rules.toml": "rule file", "facts.toml": "fact declarations",
         "city.toml": "constants and named conditions", "params/rates.toml": "parameters",
         "tests/cases.toml": "case file", "tests/profiles/hospital.toml": "case profile"}


def file_attacks() -> list[Attack]:
    attacks = []
    for file, place in FILES.items():
        for name, spoil in FILE_ATTACKS.items():
            if file.endswith("hospital.toml") and name in ("symlink loop", "FIFO"):
                continue  # not a file, so no profile: "a FIFO as the profile" above
            command = "test" if file.startswith("tests/") else "check"
            # a case's profile that leads out of the folder is refused at the case's line
            named = ("tests/cases.toml" if file.endswith("hospital.toml") and "symlink" in name
                     else file)
            attacks.append(Attack(f"{place} ({file})", name, named,
                                  lambda folder, _m, file=file, spoil=spoil:
                                  spoil(folder / file), command))
    return attacks


CORPUS = expression_attacks() + PLACES + file_attacks()
