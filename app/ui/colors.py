"""Colour scales: diverging and colour-blind safe (orange - grey - blue, as TensorFlow Playground).

Values are mapped to t in [-1, 1] by the caller; these functions only turn t into colours.
"""
from __future__ import annotations

import numpy as np

from app.engine.activations import ACTIVATIONS

# negative, zero, positive (Playground's colorScale); distinguishable with every common colour blindness
NEGATIVE = np.array([245, 147, 34], dtype=float)
MIDDLE = np.array([232, 234, 235], dtype=float)
POSITIVE = np.array([8, 119, 189], dtype=float)

# the gradient channel uses another colour-blind-safe pair (ColorBrewer PRGn ends)
GRAD_NEGATIVE = "#1b7837"
GRAD_POSITIVE = "#762a83"

# class colours for data points and multi-class maps (Okabe-Ito)
CLASS_COLORS = ["#e69f00", "#0072b2", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442", "#000000"]


def diverging_rgb(t: np.ndarray) -> np.ndarray:
    """t in [-1, 1] (clipped) -> (..., 3) uint8 RGB."""
    t = np.clip(np.asarray(t, dtype=float), -1.0, 1.0)[..., None]
    towards = np.where(t < 0, NEGATIVE, POSITIVE)
    rgb = MIDDLE + (towards - MIDDLE) * np.abs(t)
    return np.rint(rgb).astype(np.uint8)


def to_hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))


def diverging_hex(t: float) -> str:
    return to_hex(diverging_rgb(t))


def diverging_hex_many(t: np.ndarray) -> list[str]:
    return ["#%02x%02x%02x" % tuple(row) for row in diverging_rgb(t).reshape(-1, 3).tolist()]


def text_color_on(t: float) -> str:
    """Dark text on light fills, white text on saturated ones (contrast on a projector)."""
    return "#ffffff" if abs(t) > 0.55 else "#111111"


def activation_t(values: np.ndarray, activation: str | None) -> np.ndarray:
    """Map activations onto [-1, 1]: a bounded activation's output range maps onto it whole
    (sigmoid's 0..1, tanh's -1..1, as the engine states them); others are scaled by their
    largest magnitude (so a ReLU layer still shows contrast)."""
    values = np.asarray(values, dtype=float)
    bounds = ACTIVATIONS[activation].output_range if activation in ACTIVATIONS else None
    if bounds is not None:
        low, high = bounds
        return (2.0 * values - (low + high)) / (high - low)
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    return values / scale if scale > 1.0 else values
