"""Colour scales: diverging and colour-blind safe (orange - grey - blue, as TensorFlow Playground),
plus the contrast arithmetic (WCAG 2) that picks a legible text colour for any fill.

Values are mapped to t in [-1, 1] by activation_t (from the activation's output range, which the
engine states) or by the caller; the other functions only turn t into colours.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from app.engine.activations import ACTIVATIONS

# negative, zero, positive (Playground's colorScale); distinguishable with every common colour blindness
NEGATIVE = np.array([245, 147, 34], dtype=float)
MIDDLE = np.array([232, 234, 235], dtype=float)
POSITIVE = np.array([8, 119, 189], dtype=float)
WHITE = np.array([255, 255, 255], dtype=float)

# The gradient channel: dark dashed lines on a white casing, so that they differ from the weights'
# solid orange/blue lines by lightness and pattern, not by hue alone (red-green colour blindness).
# The sign has its own dash pattern too (app.css): long dashes above 0, short ones below.
GRAD_NEGATIVE = "#1b5e20"  # dark green: 7.9:1 on white
GRAD_POSITIVE = "#6a1b9a"  # dark purple: 9.4:1 on white

TEXT_DARK = "#000000"
TEXT_LIGHT = "#ffffff"

# The data plot's background is the output's colour this far towards white (TF Playground draws
# it at alpha 160/255): the points, drawn at full strength with a white rim, stay visible on it.
TINT = 0.55

# class colours for data points and multi-class maps (Okabe-Ito)
CLASS_COLORS = ["#e69f00", "#0072b2", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442", "#000000"]


def diverging_rgb(t: np.ndarray) -> np.ndarray:
    """t in [-1, 1] (clipped) -> (..., 3) uint8 RGB."""
    t = np.clip(np.asarray(t, dtype=float), -1.0, 1.0)[..., None]
    towards = np.where(t < 0, NEGATIVE, POSITIVE)
    rgb = MIDDLE + (towards - MIDDLE) * np.abs(t)
    return np.rint(rgb).astype(np.uint8)


def tinted(rgb: np.ndarray, amount: float = TINT) -> np.ndarray:
    """The colours `amount` of the way towards white (uint8 in, uint8 out)."""
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8 and amount == TINT:  # a map's 2,304 pixels: one lookup, the same numbers
        return _TINTED[rgb]
    rgb = rgb.astype(float)
    return np.rint(rgb + (WHITE - rgb) * amount).astype(np.uint8)


_TINTED = np.rint(np.arange(256.0) + (255.0 - np.arange(256.0)) * TINT).astype(np.uint8)  # tinted() of each 0..255

# A map's pixels come from a table of the tinted scale at MAP_LEVELS values of t: one index per
# pixel instead of clip, where, abs, rint and the tint (a quarter of the time of a map). t is
# rounded to 1/1024, at most half a unit of a colour channel: no eye sees it.
MAP_LEVELS = 2049
_TINTED_SCALE = tinted(diverging_rgb(np.linspace(-1.0, 1.0, MAP_LEVELS)))


def tinted_diverging_rgb(t: np.ndarray) -> np.ndarray:
    """tinted(diverging_rgb(t)) for a map: t (any shape, clipped to [-1, 1]; NaN as 0) -> (..., 3) uint8."""
    t = np.nan_to_num(t, nan=0.0)  # a NaN would index past the table (the arithmetic drew it grey)
    index = np.rint((np.clip(t, -1.0, 1.0) + 1.0) * ((MAP_LEVELS - 1) / 2)).astype(np.intp)
    return _TINTED_SCALE[index]


def to_hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))


def from_hex(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def diverging_hex(t: float) -> str:
    return to_hex(diverging_rgb(t))


SMALL = 32  # up to this many values, plain Python beats NumPy's cost per call (a layer's units)
_MIDDLE = tuple(MIDDLE.tolist())
_TOWARDS_NEGATIVE, _TOWARDS_POSITIVE = (tuple((end - MIDDLE).tolist()) for end in (NEGATIVE, POSITIVE))


def diverging_hex_many(t: np.ndarray) -> list[str]:
    """diverging_rgb as hex strings, flattened."""
    t = np.asarray(t, dtype=float)
    if t.size <= SMALL:
        values = t.ravel().tolist()
        if all(map(math.isfinite, values)):
            return [_diverging_hex(value) for value in values]
    return ["#%02x%02x%02x" % tuple(row) for row in diverging_rgb(t).reshape(-1, 3).tolist()]


def _diverging_hex(t: float) -> str:
    """One finite value, the arithmetic of diverging_rgb in Python floats (round() is NumPy's rint)."""
    t = min(max(t, -1.0), 1.0)
    r, g, b = _TOWARDS_NEGATIVE if t < 0 else _TOWARDS_POSITIVE
    share = abs(t)
    m_r, m_g, m_b = _MIDDLE
    return "#%02x%02x%02x" % (round(m_r + r * share), round(m_g + g * share), round(m_b + b * share))


def luminance(rgb) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0..255 channels)."""
    c = np.asarray(rgb, dtype=float) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a, b) -> float:
    """WCAG 2 contrast ratio of two colours (hex strings or RGB triples), 1 to 21."""
    la, lb = (luminance(from_hex(c) if isinstance(c, str) else c) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@lru_cache(maxsize=4096)  # a diverging scale has a few hundred colours; every unit asks for one
def text_color_on(fill: str) -> str:
    """Black or white, whichever reads better on the fill: with pure black and white at least one
    of them reaches 4.58:1 on any colour, so every unit value passes WCAG AA."""
    return TEXT_DARK if contrast(fill, TEXT_DARK) >= contrast(fill, TEXT_LIGHT) else TEXT_LIGHT


def activation_t(values: np.ndarray, output_range) -> np.ndarray:
    """Map activations onto [-1, 1]: a bounded activation's range, (low, high) as the engine states
    it (or the activation's name), maps onto it whole (sigmoid's 0 .. 0.5 .. 1 to orange .. grey ..
    blue); unbounded values are scaled by their largest magnitude when it exceeds 1 (so a ReLU
    layer still shows contrast)."""
    values = np.asarray(values, dtype=float)
    if isinstance(output_range, str) or output_range is None:
        output_range = ACTIVATIONS[output_range].output_range if output_range in ACTIVATIONS else None
    if output_range is not None:
        low, high = output_range
        return 2.0 * (values - low) / (high - low) - 1.0
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    return values / scale if scale > 1.0 else values
