"""The loss curve: history -> SVG polyline coordinates and axis labels (computed here, not in templates)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.ui.numbers import fmt

WIDTH, HEIGHT = 320, 130
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 22
MAX_POINTS = 300  # a long run is thinned: the polyline stays small however many iterations ran


@dataclass(slots=True)
class LossCurveView:
    width: int
    height: int
    points: str
    y_max: str
    y_min: str
    x_max: str
    last: str
    count: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    last_x: float
    last_y: float
    # held-out loss on the same axis, accuracies on 0..1 of the plot's height (API.md v1.1), "" when absent
    test_points: str = ""
    last_test: str = ""
    accuracy_points: str = ""
    test_accuracy_points: str = ""
    last_accuracy: str = ""
    last_test_accuracy: str = ""


def loss_curve_view(history: list[dict]) -> LossCurveView:
    count = len(history)
    plot_right, plot_bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    if count == 0:
        return LossCurveView(WIDTH, HEIGHT, "", "", "", "", "", 0, LEFT, plot_right, TOP, plot_bottom, 0.0, 0.0)
    losses = np.array([entry["loss"] for entry in history], dtype=float)
    iterations = np.array([entry["iteration"] for entry in history], dtype=float)
    last = history[-1]
    extra = {name: np.array([entry[name] for entry in history], dtype=float) for name in METRICS if name in last}
    if count > MAX_POINTS:
        keep = np.unique(np.linspace(0, count - 1, MAX_POINTS).astype(int))
        losses, iterations = losses[keep], iterations[keep]
        extra = {name: values[keep] for name, values in extra.items()}
    y_top = float(max(losses.max(), extra["test_loss"].max() if "test_loss" in extra else 0.0)) or 1.0
    x_lo, x_hi = float(iterations[0]), float(iterations[-1])
    x_span = (x_hi - x_lo) or 1.0
    xs = LEFT + (iterations - x_lo) / x_span * (plot_right - LEFT)
    ys = plot_bottom - losses / y_top * (plot_bottom - TOP)
    if len(xs) == 1:  # one point: draw a short flat segment so it is visible
        xs, ys = np.array([LEFT, plot_right], dtype=float), np.repeat(ys, 2)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    view = LossCurveView(
        WIDTH, HEIGHT, points, fmt(y_top, 3), "0", str(int(x_hi)), fmt(history[-1]["loss"], 5), count,
        LEFT, plot_right, TOP, plot_bottom, round(float(xs[-1]), 1), round(float(ys[-1]), 1),
    )
    for name, values in extra.items():
        top = y_top if name == "test_loss" else 1.0  # accuracies: 0 at the bottom, 1 at the top
        line_ys = plot_bottom - values / top * (plot_bottom - TOP)
        if len(line_ys) == 1:
            line_ys = np.repeat(line_ys, 2)
        setattr(view, METRICS[name][0], " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, line_ys)))
        setattr(view, METRICS[name][1], fmt(last[name], 5 if name == "test_loss" else 3))
    return view


# history field -> (the view's polyline, the view's last value)
METRICS = {
    "test_loss": ("test_points", "last_test"),
    "accuracy": ("accuracy_points", "last_accuracy"),
    "test_accuracy": ("test_accuracy_points", "last_test_accuracy"),
}
