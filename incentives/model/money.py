"""Exact money: Decimal yuan, 万/亿/% literals, rounding to the fen, splits that add up.

No float ever touches an amount. Amounts are computed at full precision and rounded
once, at the end, to the fen (0.01 yuan), half-up. A whole is divided among shares by
the largest-remainder method, so the parts always add up to the whole to the fen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from incentives.errors import MoneyError

FEN = Decimal("0.01")
# Enough digits for any realistic budget times any rate, and a trap instead of silent loss.
CONTEXT = Context(prec=40, traps=[InvalidOperation])

_TOO_MANY = CONTEXT.prec - 3  # an amount adjusted to this or more can't be exact to the fen
UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "%": Decimal("0.01")}
MAX_DIGITS = 24
NOT_A_NUMBER = "not a number; write e.g. 8000万, 1.2亿, 1.2% or 50000000"

_LITERAL = re.compile(
    rf"^\s*([+-]?)(\d{{1,{MAX_DIGITS}}}(?:,\d{{3}})*(?:\.\d{{1,{MAX_DIGITS}}})?)\s*(万|亿|%)?\s*(?:元)?\s*$"
)


def parse_amount(text: str | int | Decimal, percent: bool = True) -> Decimal:
    """Read `8000万`, `1.2亿`, `1.2%`, `50000000`, `3,000,000 元` as an exact Decimal; with
    `percent=False` (an amount of money), a percentage is refused: 50% is a rate, not 0.50."""
    if isinstance(text, bool):
        raise MoneyError("true/false is not a number")
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise MoneyError("not a finite number")
        if len(text.as_tuple().digits) > MAX_DIGITS or abs(text.adjusted()) > MAX_DIGITS:
            raise MoneyError(f"more than {MAX_DIGITS} digits")
        return text.copy_abs() if text.is_zero() else text
    if isinstance(text, int):
        if abs(text) >= 10**MAX_DIGITS:
            raise MoneyError(f"more than {MAX_DIGITS} digits")
        return Decimal(text)
    if not isinstance(text, str):
        raise MoneyError("not a number")
    match = _LITERAL.match(text)
    if not match:
        raise MoneyError(NOT_A_NUMBER)
    sign, digits, unit = match.groups()
    if unit == "%" and not percent:
        raise MoneyError("a percentage is a rate, not an amount; write the amount in yuan, "
                         "e.g. 8650万 or 86500000")
    digits = digits.replace(",", "")
    if len(digits.replace(".", "")) > MAX_DIGITS:
        raise MoneyError(f"more than {MAX_DIGITS} digits")
    value = Decimal(sign + digits)
    if unit:
        value = CONTEXT.multiply(value, UNITS[unit])
    return value.copy_abs() if value.is_zero() else value  # "-0" is 0, never "-0.00"


def to_fen(amount: Decimal) -> Decimal:
    """Round to the fen, half-up: the one rounding an amount gets. MoneyError for an
    amount with more digits than CONTEXT holds, which can't be exact to the fen."""
    if amount.adjusted() >= _TOO_MANY and amount.is_finite():  # rounding adds one
        raise MoneyError(f"{amount:.3E} yuan has too many digits to work out to the fen")
    fen = amount.quantize(FEN, ROUND_HALF_UP, CONTEXT)
    return fen.copy_abs() if fen.is_zero() else fen  # -0.004 is 0.00, never "-0.00"


def split(whole: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """Divide a fen-exact whole in proportion to shares; the parts add up to it exactly.

    Each part is first rounded down to the fen; the fen left over go one each to the
    parts with the largest remainders (ties to the earlier share), so 0.05 split 1:1
    gives 0.03 and 0.02 and 100.01 split 4:6 gives 40.00 and 60.01. The arithmetic is
    done in whole fen with integers, so equal remainders really compare equal.
    """
    if not shares:
        raise ValueError("split needs at least one share")
    if any(share < 0 for share in shares) or whole < 0:
        raise MoneyError(f"{whole} can't be split: a split takes a whole and shares that are "
                         "not negative")
    return split_by(whole, weights_of(shares))


def weights_of(shares: Sequence[Decimal]) -> list[int]:
    """Shares (none negative) as whole numbers in the same proportion: what `split_by`
    takes, worked out once for shares that do not change (a rule's payers)."""
    scale = max(0, *(-int(share.as_tuple().exponent) for share in shares))
    found = [int(share.scaleb(scale, context=CONTEXT)) for share in shares]
    if sum(found) == 0:
        raise ValueError("shares must not all be zero")
    return found


def split_by(whole: Decimal, weights: Sequence[int]) -> list[Decimal]:
    """`split` with the shares as `weights_of` gives them."""
    if whole < 0:
        raise MoneyError(f"{whole} can't be split: a split takes a whole and shares that are "
                         "not negative")
    total = sum(weights)
    fen = int(to_fen(whole).scaleb(2, CONTEXT))
    parts = [fen * weight // total for weight in weights]
    left = fen - sum(parts)
    if left:
        remainders = [fen * weight % total for weight in weights]
        by_remainder = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
        for index in by_remainder[:left]:
            parts[index] += 1
    return [Decimal(part).scaleb(-2, CONTEXT) for part in parts]


def format_yuan(amount: Decimal) -> str:
    """`12345678.9` -> `12,345,678.90`: thousands separators, two decimals."""
    return f"{to_fen(amount):,.2f}"


def format_rate(rate: Decimal, places: int = 2) -> str:
    """`0.0435` -> `4.35%`, `0.03` -> `3.00%`; with places=0, `0.4` -> `40%`."""
    percent = CONTEXT.multiply(rate, Decimal(100)).normalize(CONTEXT)
    if percent.as_tuple().exponent < -4:  # type: ignore[operator]
        percent = percent.quantize(Decimal("0.0001"), ROUND_HALF_UP, CONTEXT).normalize(CONTEXT)
    if percent.as_tuple().exponent > -places:  # type: ignore[operator]
        percent = percent.quantize(Decimal(1).scaleb(-places), context=CONTEXT)
    return f"{percent:f}%"
