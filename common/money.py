"""Money is ``Decimal`` in CNY to the fen (分), never float: the constants, rounding, and splitting.

Pure: no ORM, no settings, so the pure cores (the warning rules, the
attribution split) import it too.
"""

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def fen(amount: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """The amount to the fen: half-up, as money is rounded here, unless the caller says otherwise."""
    return amount.quantize(FEN, rounding=rounding)


def sum_fen(total: Decimal | float | None) -> Decimal:
    """A database sum as money to the fen: no rows is zero, and SQLite's float noise is rounded off.

    Half-even, Decimal's own default, as these sums have always been rounded.
    """
    return Decimal(total or 0).quantize(FEN, rounding=ROUND_HALF_EVEN)


def whole_fen(amount: Decimal) -> bool:
    """Whether the amount has no more than two decimals (a whole number of fen)."""
    return amount == amount.quantize(FEN)


def yuan(amount: Decimal) -> str:
    """An amount as figures, reasons and messages write it: to the fen, half-up, no sign ("3000.00")."""
    return str(fen(amount))


def largest_remainder(weights: Sequence[Decimal], total: Decimal) -> list[Decimal]:
    """Split ``total`` (whole fen) over ``weights`` in proportion; the parts add up to ``total``.

    Ties in the remainders go to the earlier weight, so the result is deterministic.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    cents = int((total / FEN).to_integral_value())
    weight_sum = sum(weights, Decimal(0))
    if cents == 0 or weight_sum <= 0:
        return [ZERO for _weight in weights]
    exact = [weight * cents / weight_sum for weight in weights]
    floors = [int(share) for share in exact]
    left = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(cents_each) * FEN for cents_each in floors]
