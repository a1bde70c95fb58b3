"""The loss curve: history -> SVG polyline coordinates and axis labels (computed here, not in templates),
in the pixels of a laptop or a projector so that its ticks are read at their true size."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.ui.numbers import fmt

MAX_POINTS = 300  # a long run is thinned: the polyline stays small however many iterations ran


@dataclass(frozen=True)
class ChartSize:
    width: int
    height: int
    tick: float  # the tick labels' font size, px


LAPTOP_CHART = ChartSize(410, 150, 13)
PROJECTOR_CHART = ChartSize(500, 220, 24)


@dataclass(slots=True)
class LossCurveView:
    width: int
    height: int
    points: str
    y_max: str
    y_min: str
    x_min: str
    x_max: str
    last: str
    count: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    last_x: float
    last_y: float
    tick: float
    last_r: float
    y_label_x: float
    x_label_y: float


def loss_curve_view(history: list[dict], size: ChartSize = LAPTOP_CHART) -> LossCurveView:
    count = len(history)
    left = round(size.tick * 4.2, 1)  # "0.2984" left of the axis
    top, right = round(size.tick * 0.8, 1), round(size.tick * 1.5, 1)
    plot_right, plot_bottom = size.width - right, round(size.height - size.tick * 1.8, 1)
    common = dict(width=size.width, height=size.height, count=count, plot_left=left, plot_right=plot_right,
                  plot_top=top, plot_bottom=plot_bottom, tick=size.tick, last_r=round(size.tick * 0.3, 1), y_label_x=round(left - size.tick * 0.4, 1),
                  x_label_y=round(plot_bottom + size.tick * 1.1, 1))
    if count == 0:
        return LossCurveView(points="", y_max="", y_min="", x_min="", x_max="", last="", last_x=0.0, last_y=0.0, **common)
    losses = np.array([entry["loss"] for entry in history], dtype=float)
    iterations = np.array([entry["iteration"] for entry in history], dtype=float)
    if count > MAX_POINTS:
        keep = np.unique(np.linspace(0, count - 1, MAX_POINTS).astype(int))
        losses, iterations = losses[keep], iterations[keep]
    y_top = float(losses.max()) or 1.0
    x_lo, x_hi = float(iterations[0]), float(iterations[-1])
    x_span = (x_hi - x_lo) or 1.0
    xs = left + (iterations - x_lo) / x_span * (plot_right - left)
    ys = plot_bottom - losses / y_top * (plot_bottom - top)
    if len(xs) == 1:  # one point: draw a short flat segment so it is visible
        xs, ys = np.array([left, plot_right], dtype=float), np.repeat(ys, 2)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    return LossCurveView(
        points=points, y_max=fmt(y_top, 3), y_min="0", x_min=str(int(x_lo)), x_max=str(int(x_hi)),
        last=fmt(history[-1]["loss"], 5), last_x=round(float(xs[-1]), 1), last_y=round(float(ys[-1]), 1), **common,
    )
