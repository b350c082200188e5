"""Money is Decimal end to end; it is parsed once at the edge and formatted at the asset's scale."""

from decimal import Decimal

MAX_AMOUNT = Decimal("1000000000000")  # 10^12: far above any sane single movement


def decimal_places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def quantize(amount: Decimal, scale: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-scale))


def format_amount(amount: Decimal, scale: int) -> str:
    return f"{quantize(amount, scale):f}"
