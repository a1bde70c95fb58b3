"""How the lesson pages print numbers: ASCII minus, so a learner can paste them into Python."""
from __future__ import annotations

import math


def num(value: float, digits: int = 6) -> str:
    """A value with `digits` significant digits, no trailing zeros (6.0 -> '6')."""
    value = float(value)
    if not math.isfinite(value):
        return "∞" if value > 0 else ("-∞" if value < 0 else "NaN")
    if value == 0:
        return "0"
    return format(value, f".{digits}g")


def sci(value: float, digits: int = 2) -> str:
    """Scientific notation for errors and tiny things: 1.8e-08."""
    value = float(value)
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return num(value)
    return format(value, f".{digits}e")


def fixed(value: float, decimals: int = 2) -> str:
    text = format(float(value), f".{decimals}f")
    return "0" if float(text) == 0 else text


def dx_text(dx_exp: float) -> str:
    """dx = 10^-dx_exp as lesson.js prints it too: '1', '1e-4', '3.2e-5'."""
    if dx_exp == 0:
        return "1"
    if float(dx_exp).is_integer():
        return f"1e-{int(dx_exp)}"
    mantissa, exponent = format(10.0 ** -dx_exp, ".1e").split("e")
    return f"{mantissa}e{int(exponent)}"
