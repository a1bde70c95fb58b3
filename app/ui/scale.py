"""Plot geometry in NumPy: data -> pixel scales, nice ticks, SVG path data.

Everything a template needs to draw a plot is computed here, so templates do no arithmetic.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class LinearScale:
    lo: float
    hi: float
    px_lo: float
    px_hi: float

    def __call__(self, value):
        return self.px_lo + (np.asarray(value, dtype=float) - self.lo) / (self.hi - self.lo) * (self.px_hi - self.px_lo)

    def px_per_unit(self) -> float:
        return (self.px_hi - self.px_lo) / (self.hi - self.lo)


def nice_step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def nice_ticks(lo: float, hi: float, count: int = 5) -> np.ndarray:
    """Round tick values inside [lo, hi], about `count` of them."""
    step = nice_step(hi - lo, count)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return np.arange(first, last + 1) * step


def tick_label(value: float, step: float) -> str:
    """The value with as many decimals as the step needs (0.25 -> 2 decimals, 5 -> none)."""
    decimals = 0
    while decimals < 10 and abs(round(step * 10**decimals) - step * 10**decimals) > 1e-6:
        decimals += 1
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


def path_d(px, py) -> str:
    """SVG path data through the points; a non-finite point breaks the line."""
    parts: list[str] = []
    pen_down = False
    for x, y in zip(np.ravel(px), np.ravel(py)):
        if not (math.isfinite(x) and math.isfinite(y)):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
        pen_down = True
    return " ".join(parts)


@dataclass(frozen=True)
class Tick:
    label: str
    x1: float
    y1: float
    x2: float
    y2: float
    label_x: float
    label_y: float


@dataclass
class Axes:
    """A rectangular plot: its frame in pixels, its scales, and ready-to-draw ticks and grid lines."""

    width: float
    height: float
    x: LinearScale
    y: LinearScale
    x_label: str = ""
    y_label: str = ""
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)

    @property
    def left(self) -> float:
        return self.x.px_lo

    @property
    def right(self) -> float:
        return self.x.px_hi

    @property
    def top(self) -> float:
        return self.y.px_hi

    @property
    def bottom(self) -> float:
        return self.y.px_lo

    @property
    def frame_width(self) -> float:
        return self.right - self.left

    @property
    def frame_height(self) -> float:
        return self.bottom - self.top

    @property
    def x_label_x(self) -> float:
        return (self.left + self.right) / 2

    @property
    def x_label_y(self) -> float:
        return self.height - 4

    @property
    def y_label_x(self) -> float:
        return self.left + 4

    @property
    def y_label_y(self) -> float:
        return self.top - 8

    def path(self, xs, ys) -> str:
        return path_d(self.x(xs), self.y(ys))


def make_axes(
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: float = 420,
    height: float = 300,
    margin: tuple[float, float, float, float] = (24, 16, 34, 46),  # top, right, bottom, left
    x_label: str = "",
    y_label: str = "",
    tick_count: int = 6,
    equal_aspect: bool = False,
) -> Axes:
    top, right, bottom, left = margin
    if equal_aspect:
        # one data unit is as long on both axes: shrink the longer side of the frame
        frame_w, frame_h = width - left - right, height - top - bottom
        unit = min(frame_w / (x_range[1] - x_range[0]), frame_h / (y_range[1] - y_range[0]))
        width = left + right + unit * (x_range[1] - x_range[0])
        height = top + bottom + unit * (y_range[1] - y_range[0])
    x_scale = LinearScale(x_range[0], x_range[1], left, width - right)
    y_scale = LinearScale(y_range[0], y_range[1], height - bottom, top)
    axes = Axes(width=width, height=height, x=x_scale, y=y_scale, x_label=x_label, y_label=y_label)
    x_step = nice_step(x_range[1] - x_range[0], tick_count)
    for value in nice_ticks(*x_range, tick_count):
        px = float(x_scale(value))
        axes.x_ticks.append(Tick(tick_label(value, x_step), px, axes.top, px, axes.bottom, px, axes.bottom + 16))
    y_step = nice_step(y_range[1] - y_range[0], tick_count)
    for value in nice_ticks(*y_range, tick_count):
        py = float(y_scale(value))
        axes.y_ticks.append(Tick(tick_label(value, y_step), axes.left, py, axes.right, py, axes.left - 6, py + 4))
    return axes


def padded_range(values, pad: float = 0.08) -> tuple[float, float]:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    lo, hi = float(finite.min()), float(finite.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    span = hi - lo
    return lo - pad * span, hi + pad * span


def clip_segment(x1, y1, x2, y2, box) -> tuple[float, float, float, float] | None:
    """The part of a segment inside box = (xlo, xhi, ylo, yhi) (Liang-Barsky), or None."""
    xlo, xhi, ylo, yhi = box
    dx, dy = x2 - x1, y2 - y1
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x1 - xlo), (dx, xhi - x1), (-dy, y1 - ylo), (dy, yhi - y1)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return x1 + t0 * dx, y1 + t0 * dy, x1 + t1 * dx, y1 + t1 * dy


def decade_ticks(lo: float, hi: float, count: int = 5) -> list[int]:
    """Whole powers of ten between lo and hi (given as log10 values), at most about `count`."""
    first, last = math.ceil(lo), math.floor(hi)
    step = max(1, math.ceil((last - first + 1) / count))
    return list(range(first, last + 1, step))


def decade_label(exponent: int) -> str:
    return {0: "1", 1: "10", 2: "100", -1: "0.1", -2: "0.01"}.get(exponent, f"1e{exponent}")
