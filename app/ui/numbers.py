"""Numbers as the page shows them: formatted here in Python, never in templates."""
from __future__ import annotations

import math

MINUS = "\u2212"  # a real minus sign: the hyphen is too short to read on a projector


def fmt(value: float | None, digits: int = 4) -> str:
    """A short human reading of a number: 4 significant digits by default, a true minus sign."""
    if value is None:
        return "\u2013"
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


def attr(value: float | None) -> str:
    """The exact number for data-* hooks (tools compare them with the JSON API); empty when absent."""
    if value is None:
        return ""
    return repr(float(value))
