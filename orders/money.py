"""Money as Taiwanese staff read it: NT$1,234 (whole dollars unless there are cents)."""

from decimal import Decimal


def twd(amount) -> str:
    if amount in (None, ""):
        return ""
    value = Decimal(str(amount))
    digits = 0 if value == value.to_integral_value() else 2
    return f"NT${value:,.{digits}f}"
