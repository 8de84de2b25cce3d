"""incentives.model.money: exact literals, rounding to the fen, splits that add up."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from incentives.errors import MoneyError
from incentives.model.money import (
    FEN,
    MAX_DIGITS,
    format_rate,
    format_yuan,
    parse_amount,
    split,
    to_fen,
)

D = Decimal


def fen(count: int) -> Decimal:
    """A whole number of fen as yuan: 12345 -> 123.45."""
    return D(count).scaleb(-2)


# --- parse_amount ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8000万", D(80_000_000)),
        ("1.2亿", D(120_000_000)),
        ("1亿", D(100_000_000)),
        ("5000万", D(50_000_000)),
        ("0.5万", D(5_000)),
        ("1.2%", D("0.012")),
        ("4.35%", D("0.0435")),
        ("100%", D(1)),
        ("50000000", D(50_000_000)),
        ("3,000,000 元", D(3_000_000)),
        ("3,000,000元", D(3_000_000)),
        ("1000万元", D(10_000_000)),
        ("  12.34  ", D("12.34")),
        ("0.005", D("0.005")),
        ("1" * MAX_DIGITS, D("1" * MAX_DIGITS)),
        (50_000_000, D(50_000_000)),
        (0, D(0)),
        (D("123.45"), D("123.45")),
    ],
)
def test_parse_amount_reads_the_policy_notation_exactly(text: object, expected: Decimal) -> None:
    value = parse_amount(text)  # type: ignore[arg-type]
    assert type(value) is Decimal
    assert value == expected


def test_parse_amount_keeps_rates_exact() -> None:
    # 1.2% is 0.012 exactly; float would make it 0.012000000000000000249...
    assert parse_amount("1.2%") * D(83_333_333) == D("999999.996")
    assert str(parse_amount("1.2%").normalize()) == "0.012"


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "   ",
        "abc",
        "万",
        "%",
        "元",
        "1.2.3",
        "1,00",
        "1,0000",
        "5 000",
        "5000万万",
        "1e5",
        "0x10",
        "NaN",
        "Infinity",
        "1/2",
        "--5",
        "5000万 and 1",
        "１,２",
        "1" * (MAX_DIGITS + 1),
        "0." + "1" * (MAX_DIGITS + 1),
    ],
)
def test_parse_amount_rejects_junk_text(junk: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(junk)


@pytest.mark.parametrize(
    "value",
    [1.5, 0.1, 1e7, True, False, None, [1], {"a": 1}, D("NaN"), D("Infinity"), D("-Infinity"),
     10**MAX_DIGITS, -(10**MAX_DIGITS)],
)
def test_parse_amount_rejects_floats_bools_non_numbers_and_long_ints(value: object) -> None:
    with pytest.raises(MoneyError):
        parse_amount(value)  # type: ignore[arg-type]


def test_parse_amount_accepts_the_longest_int() -> None:
    assert parse_amount(10**MAX_DIGITS - 1) == D(10**MAX_DIGITS - 1)


def test_money_error_is_a_value_error_with_a_hint() -> None:
    with pytest.raises(ValueError, match="8000万"):
        parse_amount("lots")


def test_parse_amount_rejects_over_long_numbers_written_with_thousands_separators() -> None:
    # 25 digits, grouped by commas: as over-long as 25 digits written plainly.
    with pytest.raises(MoneyError):
        parse_amount("1" + ",000" * 8)
    with pytest.raises(MoneyError):
        parse_amount("1" + ",000" * 100)  # 301 digits


def test_parse_amount_rejects_over_long_decimals() -> None:
    # An int over MAX_DIGITS digits is refused; a Decimal of the same size must be too
    # (a JSON profile's 1e50 arrives as Decimal('1E+50') and later breaks to_fen/split).
    with pytest.raises(MoneyError):
        parse_amount(D("1E+50"))
    with pytest.raises(MoneyError):
        parse_amount(D("1" * (MAX_DIGITS + 1)))


def test_parse_amount_is_exact_or_refuses() -> None:
    # 24 integer digits and 24 decimals, times 万: 48 significant digits. Either exactly
    # that, or a MoneyError; never silently rounded to the working precision.
    digits = "1" * MAX_DIGITS + "." + "1" * MAX_DIGITS
    exact = D(digits).scaleb(4)
    try:
        value = parse_amount(digits + "万")
    except MoneyError:
        return
    assert value == exact


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**16), st.sampled_from(["", "万", "亿", "%"]))
def test_parse_amount_of_fen_values_with_units(count: int, unit: str) -> None:
    text = f"{fen(count):f}{unit}"
    factor = {"": D(1), "万": D(10_000), "亿": D(100_000_000), "%": D("0.01")}[unit]
    assert parse_amount(text) == fen(count) * factor


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**15))
def test_parse_amount_reads_thousands_separators(count: int) -> None:
    assert parse_amount(f"{count:,} 元") == D(count)


# --- to_fen ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("0.0049999999", "0.00"),
        ("2.675", "2.68"),  # float: round(2.675, 2) == 2.67
        ("1.005", "1.01"),  # float: round(1.005, 2) == 1.0
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # half-up, not half-even
        ("999999.995", "1000000.00"),
        ("5", "5.00"),
        ("0", "0.00"),
        ("999999.996", "1000000.00"),
        ("12.3449", "12.34"),
    ],
)
def test_to_fen_rounds_half_up_exactly(value: str, expected: str) -> None:
    result = to_fen(D(value))
    assert result == D(expected)
    assert str(result) == expected  # always two places


def test_to_fen_is_not_float_rounding() -> None:
    assert round(2.675, 2) == 2.67  # the trap to_fen avoids
    assert to_fen(D("2.675")) == D("2.68")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**15), st.integers(0, 999))
def test_to_fen_half_up_property(count: int, thousandths: int) -> None:
    value = fen(count) + D(thousandths).scaleb(-5)  # a fen and a fraction of a fen
    rounded = to_fen(value)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - value) <= D("0.005")
    assert rounded == (fen(count + 1) if thousandths >= 500 else fen(count))


# --- split -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("whole", "shares", "expected"),
    [
        ("1000万", [4, 6], ["400万", "600万"]),
        ("0.05", [1, 1], ["0.03", "0.02"]),
        ("100.01", [4, 6], ["40.00", "60.01"]),
        ("0.01", [1, 1, 1], ["0.01", "0.00", "0.00"]),  # a tie goes to the earlier share
        ("0.02", [1, 1, 1], ["0.01", "0.01", "0.00"]),
        ("100", [1, 1, 1], ["33.34", "33.33", "33.33"]),
        ("10", [1, 2], ["3.33", "6.67"]),
        ("500万", [4, 6], ["200万", "300万"]),
        ("600000", ["50%", "50%"], ["300000", "300000"]),
        ("123.45", [1], ["123.45"]),
        ("7", [0, 1], ["0", "7"]),
        ("0", [1, 1], ["0", "0"]),
    ],
)
def test_split_examples(whole: str, shares: list[object], expected: list[str]) -> None:
    parts = split(parse_amount(whole), [parse_amount(s) for s in shares])  # type: ignore[arg-type]
    assert parts == [parse_amount(e) for e in expected]
    assert sum(parts) == parse_amount(whole)
    assert all(part.as_tuple().exponent == -2 for part in parts)


def test_split_largest_remainder_gets_the_fen() -> None:
    # 100.01 * 4/10 = 40.004 and * 6/10 = 60.006: the larger remainder (0.006) gets the fen.
    assert split(D("100.01"), [D(6), D(4)]) == [D("60.01"), D("40.00")]


@pytest.mark.parametrize(
    ("whole", "shares"),
    [
        ("100", []),
        ("100", [-1, 2]),
        ("100", [1, -1]),
        ("100", [0]),
        ("100", [0, 0]),
        ("-100", [1, 1]),
    ],
)
def test_split_refuses_bad_shares(whole: str, shares: list[int]) -> None:
    with pytest.raises(ValueError):
        split(D(whole), [D(s) for s in shares])


def test_split_ignores_the_callers_decimal_context() -> None:
    # money.py works in its own CONTEXT; a caller's low-precision context must not matter.
    with localcontext(Context(prec=6)):
        parts = split(D("10000000.00"), [D(4), D(6)])
    assert parts == [D("4000000.00"), D("6000000.00")]


def _largest_remainder(whole: Decimal, shares: list[Decimal]) -> list[Decimal]:
    """The docstring's rule, computed independently with fractions."""
    total = sum(Fraction(s) for s in shares)
    exact = [Fraction(whole) * Fraction(s) / total for s in shares]
    floors = [Fraction(int(e * 100), 100) for e in exact]  # non-negative: int() floors
    leftover = int((Fraction(whole) - sum(floors)) * 100)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += Fraction(1, 100)
    return [D(f.numerator) / D(f.denominator) for f in floors]


shares_strategy = st.lists(
    st.one_of(
        st.integers(1, 1000).map(D),
        st.decimals(min_value=D("0.01"), max_value=D(100), places=2),
        st.sampled_from([D("0.5"), D("0.4"), D("0.6"), D(1), D(4), D(6)]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**14).map(fen), shares_strategy)
@example(D("100.01"), [D(4), D(6)])
@example(D("0.05"), [D(1), D(1)])
@example(D("0.01"), [D(1), D(1), D(1), D(1), D(1), D(1)])
@example(D("999999999999.99"), [D("0.01"), D(100), D("33.33")])
def test_split_properties(whole: Decimal, shares: list[Decimal]) -> None:
    parts = split(whole, shares)
    assert len(parts) == len(shares)
    assert sum(parts, D(0)) == whole
    total = sum(Fraction(s) for s in shares)
    for part, share in zip(parts, shares, strict=True):
        assert part >= 0
        assert part == part.quantize(FEN)  # fen-exact
        assert part.as_tuple().exponent == -2
        exact = Fraction(whole) * Fraction(share) / total
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
    assert parts == _largest_remainder(whole, shares)


# --- formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("12345678.9", "12,345,678.90"),
        ("0", "0.00"),
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("999.995", "1,000.00"),
        ("1000万", "10,000,000.00"),
        ("1.2亿", "120,000,000.00"),
        ("999999.996", "1,000,000.00"),
        ("123", "123.00"),
    ],
)
def test_format_yuan(amount: str, expected: str) -> None:
    assert format_yuan(parse_amount(amount)) == expected


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("0.0435", "4.35%"),
        ("0.0425", "4.25%"),
        ("0.00125", "0.125%"),
        ("0.000125", "0.0125%"),
        ("9" * 24 + "E8", "9" * 24 + "0" * 10 + ".00%"),  # more digits than a 28-digit context
    ],
)
def test_format_rate(rate: str, expected: str) -> None:
    assert format_rate(D(rate)) == expected


def test_format_rate_docstring_examples() -> None:
    # "`0.0435` -> `4.35%`, `0.03` -> `3.00%`; with places=0, `0.4` -> `40%`."
    assert format_rate(D("0.0435")) == "4.35%"
    assert format_rate(D("0.03")) == "3.00%"
    assert format_rate(D("0.4"), places=0) == "40%"
    assert format_rate(D("0.012")) == "1.20%"  # at least two places by default
    assert format_rate(D("0.012"), places=0) == "1.2%"  # never fewer than it needs


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=D(0), max_value=D(1), places=6))
def test_format_rate_round_trips(rate: Decimal) -> None:
    text = format_rate(rate)
    assert text.endswith("%")
    assert "E" not in text and "e" not in text
    assert parse_amount(text) == rate


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**15).map(fen))
def test_format_yuan_round_trips(amount: Decimal) -> None:
    text = format_yuan(amount)
    assert text.split(".")[-1].isdigit() and len(text.split(".")[-1]) == 2
    assert parse_amount(text) == amount


@pytest.mark.parametrize("text", ["-0", "-0.00", "-0万", Decimal("-0.000")])
def test_negative_zero_is_zero(text: object) -> None:
    value = parse_amount(text)  # type: ignore[arg-type]
    assert value == 0 and not value.is_signed()
    assert f"{to_fen(value):f}" == "0.00"  # never "-0.00" in a report


def test_a_negative_amount_that_rounds_to_nothing_is_zero() -> None:
    assert f"{to_fen(Decimal('-0.004')):f}" == "0.00"
    assert f"{to_fen(Decimal('-0.005')):f}" == "-0.01"  # half-up: away from zero
