"""Money is Decimal end to end; it is parsed once at the edge and formatted at the asset's scale."""

from decimal import Decimal

MAX_AMOUNT = Decimal("1000000000000")  # 10^12: far above any sane single movement


def decimal_places(amount: Decimal) -> int:
    """Significant decimal places, read off the digits: ``normalize()`` would round a tiny
    amount such as 1E-999999999 to zero under the default context."""
    _, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing_zeros))


def quantize(amount: Decimal, scale: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-scale))


def format_amount(amount: Decimal, scale: int) -> str:
    return f"{quantize(amount, scale):f}"
