"""Quote checks: every figure of a rule is in the sentence it quotes, written as Chinese
legal text writes it, and every number of the quote is a figure of the rule or spoken of in
its notes; `rules check` warns, `--strict` refuses (exit 2)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from incentives.assessment.quotes import agrees, literal_figures, quote_figures
from incentives.cli import cli

from .conftest import ROOT


def check(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["rules", "check", *(str(a) for a in args)])
    return result.exit_code, result.stdout, result.stderr


def test_the_bundled_rules_pass_the_strict_quote_check() -> None:
    code, out, err = check("--strict")
    assert code == 0, err
    assert "quote warning" not in out + err


def mutated_zhengzhou(tmp_path: Path) -> Path:
    """A copy of Zhengzhou with the threshold 5000万 made 5001万 and the split 4∶6 made 6∶4."""
    folder = tmp_path / "zhengzhou"
    shutil.copytree(ROOT / "rules" / "zhengzhou", folder)
    awards = folder / "awards.toml"
    text = awards.read_text(encoding="utf-8")
    text = text.replace("fixed_asset_investment >= 5000万", "fixed_asset_investment >= 5001万")
    text = text.replace('{ payer = "city", share = 4 },', '{ payer = "city", share = 6 },', 1)
    text = text.replace('{ payer = "district", share = 6 },', '{ payer = "district", share = 4 },',
                        1)
    awards.write_text(text, encoding="utf-8")
    return folder


def test_a_mutated_figure_is_a_warning_and_under_strict_an_error(tmp_path: Path) -> None:
    folder = mutated_zhengzhou(tmp_path)
    code, out, err = check(folder)
    assert code == 0 and "3 quote warnings" in out
    assert "rule zhengzhou.investment-reward: 5001万 (when) is not in its quote" in err
    assert "rule zhengzhou.grade-award: 6∶4 (payers) is not in its quote" in err
    assert "rule zhengzhou.grade-award: the quote's 4∶6 is not a figure of the rule" in err
    assert "awards.toml:4:" in err  # the file and line of the rule
    code, out, err = check(folder, "--strict")
    assert code == 2 and "6∶4 (payers)" in err and out == ""


def test_a_figure_taken_from_elsewhere_on_purpose_is_listed_with_why(tmp_path: Path) -> None:
    folder = tmp_path / "zhengzhou"
    shutil.copytree(ROOT / "rules" / "zhengzhou", folder)
    tax = folder / "tax.toml"
    text = tax.read_text(encoding="utf-8")
    assert 'not_in_quote = [{ figure = "1.2%"' in text
    tax.write_text("\n".join(line for line in text.split("\n")
                             if not line.startswith("not_in_quote")), encoding="utf-8")
    code, _out, err = check(folder)
    assert code == 0
    assert "rule zhengzhou.for-profit-property-tax-exemption: 1.2% (savings)" in err


def test_the_ways_chinese_legal_text_writes_a_figure() -> None:
    text = ("自2014年7月1日起，投资在5000万元以上(含)的，按1.2%给予奖励，市、区按4∶6承担，"
            "3年内免征，满两年后再奖励1亿元。依财税〔2016〕36号第七条。")
    found = {(f.kind, f.text) for f in quote_figures(text)}
    assert found == {("date", "2014年7月1日"), ("money", "5000万元"), ("share", "1.2%"),
                     ("ratio", "4∶6"), ("number", "3"), ("number", "两"), ("money", "1亿元")}


def test_a_rules_figures_agree_with_the_quotes_however_written() -> None:
    pairs = [("5000万", "5000万元"), ("1.2%", "1.2%"), ("date('2014-07-01')", "2014年7月1日"),
             ("2", "两年"), ("10000000", "1000万元"), ("lease_years >= 5", "租期5年以上")]
    for rule_text, quote_text in pairs:
        [mine] = literal_figures(rule_text)
        assert any(agrees(mine, quoted) for quoted in quote_figures(quote_text)), rule_text
    [wrong] = literal_figures("5001万")
    assert not any(agrees(wrong, quoted) for quoted in quote_figures("5000万元"))


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(99999), places=2),
       st.sampled_from(["万", "亿", "%"]))
def test_any_figure_written_in_a_rule_is_found_in_the_quote_that_writes_it(
        value: Decimal, unit: str) -> None:
    written = f"{value.normalize():f}"
    [mine] = literal_figures(f"x >= {written}{unit}")
    quote = f"在{written}{unit}{'' if unit == '%' else '元'}以上的"
    assert any(agrees(mine, quoted) for quoted in quote_figures(quote))
    [other] = literal_figures(f"x >= {(value + Decimal('0.01')).normalize():f}{unit}")
    assert not any(agrees(other, quoted) for quoted in quote_figures(quote))
