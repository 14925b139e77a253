"""Channel rounding rules the reference implementations use."""

from __future__ import annotations


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round to a multiple of ``divisor``, never below ``min_value`` nor down by more than 10%.

    The rule of TF slim's mobilenet, keras.applications and timm (``_make_divisible``).
    """
    floor = divisor if min_value is None else min_value
    rounded = max(floor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def ratio(value: float | int | str) -> float:
    """An expansion ratio written as a number or a fraction string such as ``'72/16'``."""
    if isinstance(value, str):
        numerator, _, denominator = value.partition("/")
        return float(numerator) / float(denominator) if float(denominator) else float("inf")
    return float(value)
