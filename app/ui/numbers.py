"""Numbers as the pages show them, the lab's and the lesson's: formatted here in Python, never
in templates. Two spellings of a number, one rule for its digits (significant digits, no
trailing zeros): `fmt` for reading (a true minus sign, short exponents), `plain` for text a
learner copies into Python (an ASCII minus). MathML numbers (app/ui/mathml.py) use `fmt`.
"""
from __future__ import annotations

import math

MINUS = "\u2212"  # a real minus sign: the hyphen is too short to read on a projector


def _significant(value: float, digits: int) -> str:
    return "0" if value == 0 else format(value, f".{digits}g")


def fmt(value: float | None, digits: int = 4) -> str:
    """A short human reading of a number: 4 significant digits by default, a true minus sign."""
    if value is None:
        return "\u2013"
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    text = _significant(value, digits)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


def plain(value: float, digits: int = 6) -> str:
    """A value a learner can paste into Python: `digits` significant digits, ASCII minus (6.0 -> '6')."""
    value = float(value)
    if not math.isfinite(value):
        return "\u221e" if value > 0 else ("-\u221e" if value < 0 else "NaN")
    return _significant(value, digits)


def sci(value: float, digits: int = 2) -> str:
    """Scientific notation for errors and tiny things: 1.8e-08."""
    value = float(value)
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return plain(value)
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


def attr(value: float | None) -> str:
    """The exact number for data-* hooks (tools compare them with the JSON API); empty when absent."""
    if value is None:
        return ""
    return repr(float(value))
