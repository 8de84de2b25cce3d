"""Hostile rule files: refused at load time, with file, line and reason; nothing runs.

Each case is a real rule folder (city.toml and a rule file) whose `when` holds the hostile
expression, loaded through the library and through `incentives rules check` and `check
--rules`. A payload that would create a marker file if it ran must leave no file, and a
Python audit hook proves that no code object is executed and no process started while
hostile folders load. Evaluation is shown bounded without timing anything: each node of
the largest accepted expression is evaluated at most once, and Decimal arithmetic on the
largest literals stays within the 40-digit context.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from incentives.cli import cli
from incentives.errors import ExprError, MoneyError, RuleFileError, RuleProblem
from incentives.load.facts import load_base_schema
from incentives.load.rulebook import load_rulebook
from incentives.load.source import MAX_RULE_FILE_BYTES, MAX_TOML_NESTING
from incentives.model import conditions
from incentives.model.conditions import (
    BOOL,
    MAX_DEPTH,
    MAX_NODES,
    NUMBER,
    Context,
    Env,
    Node,
    compile_expression,
)
from incentives.model.money import CONTEXT, MAX_DIGITS, to_fen

CITY = """\
[city]
id = "hostile"
zh = "敌意市"
en = "Hostile"
aliases = ["敌意"]

[[documents]]
id = "DOC-1"
title = "A document"

[divisions]
district = ["东区"]
"""
ONLY = "only the functions date, floor, known, max, min"
RULE_HEAD = """\
# A rule file as a stranger might send it.

[[rule]]
id = "hostile.award"
document = "DOC-1"
article = "一"
quote = "引文"
title = "Award"
effective_from = 2018-08-06
kind = "cash"
amount = "1000万"
payers = [{ payer = "city", share = 1 }]
"""
WHEN_LINE = RULE_HEAD.count("\n") + 1  # `when` comes right after the head
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "3a-general-hospital.toml"

# --- nothing runs: an audit hook sees every code execution and process start ----------------

_WATCHING: list[list[str]] = []
_RUNS = ("exec", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
         "ctypes.")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _WATCHING and event.startswith(_RUNS):
        _WATCHING[-1].append(f"{event} {args!r:.100}")


sys.addaudithook(_audit)  # audit hooks can't be removed; this one only records when asked


@contextmanager
def nothing_runs() -> Iterator[None]:
    """Fail if, inside the block, a code object is executed or a process started."""
    seen: list[str] = []
    _WATCHING.append(seen)
    try:
        yield
    finally:
        _WATCHING.pop()
    assert seen == [], seen


# --- the folder -----------------------------------------------------------------------------


def folder_with(tmp_path: Path, when: str, city: str = CITY) -> Path:
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "city.toml").write_text(city, encoding="utf-8")
    text = RULE_HEAD + f"when = {json.dumps(when, ensure_ascii=False)}\n"
    (folder / "rules.toml").write_text(text, encoding="utf-8")
    return folder


def refused(folder: Path) -> list[RuleProblem]:
    with nothing_runs(), pytest.raises(RuleFileError) as caught:
        load_rulebook([folder])
    assert caught.value.problems
    return caught.value.problems


def the_problem(problems: list[RuleProblem], file: Path) -> RuleProblem:
    [problem] = problems
    assert Path(problem.file) == file, problem
    return problem


def marker_payloads(marker: Path) -> list[tuple[str, str, str]]:
    """(case, expression that would create `marker` if it ran, the reason given)."""
    m = str(marker)
    return [
        ("attribute", f"().__class__.__base__.__subclasses__()[0]('{m}')", "start with '_'"),
        ("attribute-plain", f"open('{m}', 'w').name == 'x'", "attribute access (a.b)"),
        ("dunder-import", f"__import__('os').system('touch {m}')", "start with '_'"),
        ("dunder-builtins", f"__builtins__['open']('{m}', 'w')", "start with '_'"),
        ("call-open", f"open('{m}', 'w') and newly_built", ONLY),
        ("call-eval", f"eval(\"open('{m}', 'w')\")", ONLY),
        ("call-exec", f"exec(\"open('{m}', 'w')\")", ONLY),
        ("call-getattr", f"getattr(name, 'x')('{m}')", ONLY),
        ("call-in-min", f"min(open('{m}', 'w'), 1) > 0", ONLY),
        ("lambda", f"lambda: open('{m}', 'w')", "lambda"),
        ("lambda-called", f"(lambda: open('{m}', 'w'))()", "only the functions"),
        ("list-comprehension", f"[open('{m}', 'w') for x in [1]]", "comprehensions"),
        ("generator", f"any(open('{m}', 'w') for x in [1])", "only the functions"),
        ("set-comprehension", f"{{open('{m}', 'w') for x in [1]}}", "comprehensions"),
        ("walrus", f"(x := open('{m}', 'w'))", "assignment (:=)"),
        ("starred", f"min(*[open('{m}', 'w')]) > 0", "starred expressions"),
        ("power", f"fixed_asset_investment ** len(open('{m}', 'w')) > 1", "powers (**)"),
        ("f-string", f"f'{{open(\"{m}\", \"w\")}}' == name", "f-strings"),
        ("conditional", f"newly_built if open('{m}', 'w') else for_profit", "conditional"),
        ("subscript", f"name[open('{m}', 'w')] == 'x'", "subscripts"),
        ("fullwidth-dunder", f"＿＿import＿＿('os').system('touch {m}')", "invalid character"),
        ("fullwidth-call", f"ｏｐｅｎ('{m}', 'w')", ONLY),
    ]


CASES = [case for case, _, _ in marker_payloads(Path("m"))]


@pytest.mark.attack
@pytest.mark.parametrize("case", CASES)
def test_hostile_when_is_refused_naming_file_line_and_reason(tmp_path: Path, case: str) -> None:
    marker = tmp_path / "marker"
    [(expression, reason)] = [(e, r) for c, e, r in marker_payloads(marker) if c == case]
    folder = folder_with(tmp_path, expression)
    problem = the_problem(refused(folder), folder / "rules.toml")
    assert problem.line == WHEN_LINE
    assert "rule 'hostile.award': when:" in problem.message
    assert reason in problem.message
    assert str(problem).startswith(f"{folder / 'rules.toml'}:{WHEN_LINE}: ")
    assert problem.detail.splitlines()[0].strip() == expression  # quoted, with a caret below
    assert not marker.exists()


@pytest.mark.attack
@pytest.mark.parametrize("case", CASES[::4])
def test_hostile_when_through_the_command_line(tmp_path: Path, case: str) -> None:
    marker = tmp_path / "marker"
    [(expression, reason)] = [(e, r) for c, e, r in marker_payloads(marker) if c == case]
    folder = folder_with(tmp_path, expression)
    for args in (["rules", "check", "--no-bundled", str(folder)],
                 ["check", "--no-bundled", "--rules", str(folder), str(EXAMPLE)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit | None)
        assert f"rules.toml:{WHEN_LINE}: " in result.output
        assert reason in result.output
        assert "Traceback" not in result.output
    assert not marker.exists()


@pytest.mark.attack
@pytest.mark.parametrize("key", ["amount", "notes", "components", "savings"])
def test_every_expression_key_is_checked_the_same_way(tmp_path: Path, key: str) -> None:
    marker = tmp_path / "marker"
    payload = json.dumps(f"open('{marker}', 'w')")
    entry = {"amount": f"amount = {payload}",
             "notes": f'notes = [{{ when = {payload}, text = "n" }}]',
             "components": f'components = [{{ label = "c", amount = {payload} }}]',
             "savings": f'savings = [{{ label = "s", per_year = {payload} }}]'}[key]
    folder = folder_with(tmp_path, "newly_built")
    text = (folder / "rules.toml").read_text(encoding="utf-8")
    if key in ("amount", "savings"):
        text = text.replace('amount = "1000万"\n', "")
    text += entry + "\n"
    if key == "savings":
        text = text.replace('kind = "cash"', 'kind = "tax_exemption"').replace(
            'payers = [{ payer = "city", share = 1 }]\n', "")
    (folder / "rules.toml").write_text(text, encoding="utf-8")
    [problem] = [p for p in refused(folder) if "only the functions" in p.message]
    assert Path(problem.file) == folder / "rules.toml"
    assert problem.line == text.count("\n", 0, text.index(entry)) + 1
    assert f": {key}: {ONLY} may be called" in problem.message
    assert not marker.exists()


# --- too big, too long, too deep ------------------------------------------------------------


@pytest.mark.attack
@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        pytest.param("fixed_asset_investment > " + "9" * (MAX_DIGITS + 1),
                     f"more than {MAX_DIGITS} digits", id="25-digit-literal"),
        pytest.param("fixed_asset_investment > " + "9" * 5000, "longer than 2000 characters",
                     id="5000-digit-literal"),
        pytest.param("fixed_asset_investment > 1e400", "is not a number", id="exponent"),
        pytest.param("name == '" + "x" * 201 + "'", "longer than 200 characters",
                     id="long-text"),
        pytest.param("name == '" + "x" * 300_000 + "'", "longer than 2000 characters",
                     id="300k-text"),
        pytest.param("(" * 3000 + "newly_built" + ")" * 3000, "longer than 2000",
                     id="parentheses-3000-deep"),
        pytest.param("(" * 900 + "newly_built" + ")" * 900, "too many nested parentheses",
                     id="parentheses-900-deep"),
        pytest.param("not " * 3000 + "newly_built", "longer than 2000", id="not-3000-deep"),
        pytest.param("-" * 1990 + "1 > 0", f"nested more than {MAX_DEPTH} deep",
                     id="minus-1990-deep"),
        pytest.param("not " * (MAX_DEPTH + 1) + "newly_built",
                     f"nested more than {MAX_DEPTH} deep", id="not-33-deep"),
        pytest.param(" + ".join(["1"] * 200) + " > 0", f"nested more than {MAX_DEPTH} deep",
                     id="sum-of-200"),
        pytest.param("fixed_asset_investment in [" + ", ".join(["1"] * 400) + "]",
                     f"more than {MAX_NODES} parts", id="list-of-400"),
    ],
)
def test_oversized_expressions_are_refused(tmp_path: Path, expression: str, reason: str) -> None:
    folder = folder_with(tmp_path, expression)
    problem = the_problem(refused(folder), folder / "rules.toml")
    assert problem.line == WHEN_LINE
    assert reason in problem.message
    assert len(str(problem)) < 3000  # the expression is quoted whole only when short


@pytest.mark.attack
def test_a_megabyte_string_makes_the_file_too_big(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "name == '" + "x" * 3_000_000 + "'")
    problem = the_problem(refused(folder), folder / "rules.toml")
    assert problem.line == 1
    assert f"over the limit of {MAX_RULE_FILE_BYTES}" in problem.message
    assert len(str(problem)) < 300


@pytest.mark.attack
@pytest.mark.parametrize(
    "nesting",
    [
        pytest.param("[rule.x." + ".".join(["a"] * 1000) + "]\nb = 1\n", id="dotted-header"),
        pytest.param("deep." + ".".join(["a"] * 5000) + " = 1\n", id="dotted-key"),
        pytest.param("deep = { " + "a." * 3000 + "a = 1 }\n", id="dotted-in-inline-table"),
        pytest.param("[" + ".".join(["t"] * (MAX_TOML_NESTING + 1)) + "]\n", id="just-over"),
    ],
)
def test_tables_nested_deep_without_brackets_are_refused(tmp_path: Path, nesting: str) -> None:
    folder = folder_with(tmp_path, "newly_built")
    (folder / "deep.toml").write_text(nesting, encoding="utf-8")
    problem = the_problem(refused(folder), folder / "deep.toml")
    assert problem.line == 1
    assert "nested" in problem.message


def test_tables_nested_to_the_limit_are_read(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "newly_built")
    (folder / "deep.toml").write_text("[" + ".".join(["t"] * (MAX_TOML_NESTING - 1)) + "]\n",
                                      encoding="utf-8")
    problem = the_problem(refused(folder), folder / "deep.toml")
    assert "unknown top-level key 't'" in problem.message  # read, then refused as no rule


def test_a_table_that_looks_like_a_cached_date_stays_a_table(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "newly_built")
    rules = folder / "rules.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "effective_from = 2018-08-06", 'effective_from = { "$date" = "2018-08-06" }'), "utf-8")
    first, second = refused(folder), refused(folder)
    assert [str(p) for p in first] == [str(p) for p in second]


@pytest.mark.attack
def test_a_number_too_long_for_python_is_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "newly_built")
    (folder / "big.toml").write_text("x = " + "9" * 5000 + "\n", encoding="utf-8")
    problem = the_problem(refused(folder), folder / "big.toml")
    assert "a number in it is far too long" in problem.message


# --- names that shadow Python's ---------------------------------------------------------------


@pytest.mark.attack
@pytest.mark.parametrize("name", ["open", "eval", "exec", "print", "len", "None", "lambda",
                                  "__import__", "min"])
def test_a_constant_may_not_shadow_a_builtin(tmp_path: Path, name: str) -> None:
    city = CITY + f'\n[constants]\n{name} = ["general"]\n'
    folder = folder_with(tmp_path, "newly_built", city)
    problem = the_problem(refused(folder), folder / "city.toml")
    assert problem.line == city.count("\n")
    assert f"constant {name!r} shadows a built-in name" in problem.message


@pytest.mark.attack
@pytest.mark.parametrize("name", ["open", "eval", "getattr"])
def test_a_fact_may_not_shadow_a_builtin(tmp_path: Path, name: str) -> None:
    folder = folder_with(tmp_path, "newly_built")
    (folder / "facts.toml").write_text(f'[{name}]\ntype = "bool"\nzh = "x"\nen = "x"\n',
                                       encoding="utf-8")
    problem = the_problem(refused(folder), folder / "facts.toml")
    assert problem.line == 1
    assert f"fact {name!r} is declared already or is not a usable name" in problem.message


@pytest.mark.parametrize(("declared", "told"), [
    ('type = "bool"\nsigned = true', "signed = true is for a money or number fact only"),
    ('type = "money"\nsigned = 1', "fact 'loss': signed: must be true or false"),  # the schema
])
def test_signed_is_for_an_amount_and_is_true_or_false(tmp_path: Path, declared: str,
                                                       told: str) -> None:
    folder = folder_with(tmp_path, "newly_built")
    (folder / "facts.toml").write_text(f'[loss]\n{declared}\nzh = "x"\nen = "x"\n',
                                       encoding="utf-8")
    problem = the_problem(refused(folder), folder / "facts.toml")
    assert told in problem.message


@pytest.mark.attack
@pytest.mark.parametrize("name", ["open", "compile", "max"])
def test_a_parameter_may_not_shadow_a_builtin(tmp_path: Path, name: str) -> None:
    folder = folder_with(tmp_path, "newly_built")
    (folder / "params").mkdir()
    (folder / "params" / "p.toml").write_text(
        f'[{name}]\nzh = "x"\n\n[[{name}.values]]\nfrom = 2020-01-01\nvalue = "1%"\n'
        'source = "s"\n', encoding="utf-8")
    problem = the_problem(refused(folder), folder / "params" / "p.toml")
    assert problem.line == 1
    assert f"parameter {name!r} is declared twice or shadows a name" in problem.message


@pytest.mark.attack
def test_a_builtin_name_in_an_expression_is_just_unknown(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "print and newly_built")
    problem = the_problem(refused(folder), folder / "rules.toml")
    assert "unknown name 'print'" in problem.message


def test_an_ordinary_folder_loads_without_running_anything(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "sponsor == 'social' and fixed_asset_investment >= 5000万")
    with nothing_runs():
        book = load_rulebook([folder])
    assert [r.id for r in book.all_rules()] == ["hostile.award"]


# --- evaluation is bounded ------------------------------------------------------------------

ENV = Env(load_base_schema(), frozenset({"lending_rate"}), {"SHORT": ("nursing",)})
BIGGEST = "9" * MAX_DIGITS + "亿"  # the largest literal: 24 digits, times 10^8


def children(node: Node) -> list[Node]:
    found = [getattr(node, name, None) for name in ("a", "b", "inner")]
    found += getattr(node, "args", []) + getattr(node, "items", [])
    return [child for child in found if isinstance(child, Node)]


def tree_size(node: Node) -> int:
    return 1 + sum(tree_size(child) for child in children(node))


def largest(make: Any, expect: Any = BOOL) -> tuple[str, int]:
    """The longest expression `make(n)` that is still accepted, and its n."""
    accepted = None
    for n in range(1, 2 * MAX_NODES):
        try:
            compile_expression(make(n), ENV, expect)
        except ExprError:
            if accepted is not None:
                return accepted
            continue
        accepted = (make(n), n)
    raise AssertionError("no limit reached")


def balanced(leaves: list[str], op: str) -> str:
    """A balanced tree of `op` over the leaves: as many parts as possible, shallow."""
    while len(leaves) > 1:
        pairs = [f"({a} {op} {b})" for a, b in zip(leaves[::2], leaves[1::2], strict=False)]
        leaves = pairs + ([leaves[-1]] if len(leaves) % 2 else [])
    return leaves[0]


WIDE_CONDITIONS = {
    "balanced-and-or": lambda n: balanced(
        [f"fixed_asset_investment >= {i}万" if i % 2 else "not newly_built" for i in range(n)],
        "and" if n % 3 else "or"),
    "flat-and": lambda n: " and ".join(["newly_built"] * n),
    "min-of-many": lambda n: "min(" + ", ".join(["fixed_asset_investment"] * n) + ") > 1",
    "long-list": lambda n: "kind in [" + ", ".join(["'general'"] * n) + "]",
    "nested-not": lambda n: "not " * n + "newly_built",
}


@pytest.fixture
def count_evaluations(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[int, str], int]:
    """Count, per node, how often it is evaluated (`ev`, or the closure its `evaluator`
    made) and traced (`step`, or the closure its `tracer` made)."""
    counts: dict[tuple[int, str], int] = {}

    def count(node: Node, kind: str) -> None:
        counts[(id(node), kind)] = counts.get((id(node), kind), 0) + 1

    for cls in [Node, *_all_subclasses(Node)]:
        for method, kind in (("ev", "ev"), ("step", "trace")):
            if method in vars(cls):
                monkeypatch.setattr(cls, method, _counting_method(vars(cls)[method], kind, count))
        for method, kind in (("evaluator", "ev"), ("tracer", "trace")):
            # Node's own evaluator is its (counted) `ev`
            if method in vars(cls) and (cls, method) != (Node, "evaluator"):
                monkeypatch.setattr(cls, method, _counting_maker(vars(cls)[method], kind, count))
    return counts


def _counting_method(original: Any, kind: str, count: Any) -> Any:
    def counted(self: Node, ctx: Context) -> Any:
        count(self, kind)
        return original(self, ctx)
    return counted


def _counting_maker(original: Any, kind: str, count: Any) -> Any:
    def made(self: Node) -> Any:
        inner = original(self)
        if getattr(inner, "counted", False):  # made by a counted super().tracer()
            return inner

        def counted(ctx: Context) -> Any:
            count(self, kind)
            return inner(ctx)
        counted.counted = True  # type: ignore[attr-defined]
        return counted
    return made


def _all_subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_all_subclasses(direct))]


FACTS = {"fixed_asset_investment": Decimal(10**7), "newly_built": True, "kind": "nursing"}


@pytest.mark.parametrize("shape", sorted(WIDE_CONDITIONS))
def test_each_node_of_the_largest_accepted_condition_is_evaluated_once(
        shape: str, count_evaluations: dict[tuple[int, str], int]) -> None:
    source, n = largest(WIDE_CONDITIONS[shape])
    expression = compile_expression(source, ENV)
    nodes = tree_size(expression.root)
    assert nodes <= MAX_NODES and n > 1
    for facts in (FACTS, {}):  # every fact known, every fact unknown
        for run in (expression.evaluate, expression.trace):
            count_evaluations.clear()
            run(Context(facts))
            assert max(count_evaluations.values()) == 1, shape
            for kind in ("ev", "trace"):
                assert sum(n for (_, k), n in count_evaluations.items() if k == kind) <= nodes


def test_working_out_an_amount_is_bounded_by_size_times_depth(
        count_evaluations: dict[tuple[int, str], int]) -> None:
    source, _ = largest(lambda n: balanced(["fixed_asset_investment * 1.2%"] * n, "+"), NUMBER)
    expression = compile_expression(source, ENV, NUMBER)
    nodes = tree_size(expression.root)
    expression.working(Context(FACTS))
    # each arithmetic step re-evaluates its operands: at most depth + 2 times a node
    assert max(count_evaluations.values()) <= MAX_DEPTH + 2
    assert sum(count_evaluations.values()) <= nodes * (MAX_DEPTH + 2)


def test_the_limits_are_what_the_rule_format_says() -> None:
    assert (conditions.MAX_SOURCE_CHARS, MAX_NODES, MAX_DEPTH) == (2000, 300, 32)
    assert MAX_RULE_FILE_BYTES == 512 * 1024
    text = (Path(__file__).resolve().parent.parent / "docs" / "rule-format.md").read_text(
        encoding="utf-8")
    assert "at most 2,000\n  characters, 300 parts and 32 levels deep" in text
    assert "a rule file at most 512 KiB" in text


def _product_of_biggest(n: int) -> str:
    return balanced([BIGGEST] * n, "*") + " > 0"


def test_decimal_arithmetic_on_the_largest_literals_stays_in_the_context() -> None:
    """The largest product of the largest literals an expression can hold: 40 significant
    digits at most (the context's precision), an exponent far below the context's limit,
    so no operation is slow or overflows; rounding it to the fen is refused, typed."""
    source, n = largest(_product_of_biggest)
    product = compile_expression(source.removesuffix(" > 0"), ENV, NUMBER).evaluate(Context({}))
    assert isinstance(product, Decimal) and product.is_finite()
    assert len(product.as_tuple().digits) <= CONTEXT.prec == 40
    assert product.adjusted() == pytest.approx(32 * n, abs=n)  # (10^32)^n, n factors
    assert product.adjusted() < 100 * MAX_NODES < CONTEXT.Emax
    assert CONTEXT.traps[InvalidOperation]
    with pytest.raises(MoneyError, match="too many digits to work out to the fen"):
        to_fen(product)
    smallest = compile_expression("1 / 0." + "0" * (MAX_DIGITS - 2) + "1", ENV, NUMBER)
    assert smallest.evaluate(Context({})) == Decimal(10) ** (MAX_DIGITS - 1)

