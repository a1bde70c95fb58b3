"""Page 5's view: the descent path on the contours, the loss per step (log scale), and the verdict."""
from __future__ import annotations

import math

import numpy as np

from app.i18n import _, lazy
from app.lesson.maths.contour import contour_lines
from app.lesson.maths.descent import LOSSES, VIEW, axis_factors, run_descent
from app.ui.scale import Tick, clip_segment, decade_label, decade_ticks, make_axes
from app.ui.numbers import plain
from app.lesson.params import ChoiceField, NumberField, parse_query

LOSS = ChoiceField(
    "loss", lazy("Loss surface"), {"bowl": lazy("Bowl: (x² + y²) / 2"), "valley": lazy("Valley: (x² + 10y²) / 2")}, "valley"
)
LR = NumberField("lr", lazy("Learning rate"), 0.01, 2.5, 0.01, 0.15)
START_X = NumberField("sx", lazy("Start x"), -4.5, 4.5, 0.5, -4.0)
START_Y = NumberField("sy", lazy("Start y"), -4.5, 4.5, 0.5, 2.0)
STEPS = NumberField("steps", lazy("Steps taken"), 0, 100, 1, 15, integer=True)
FIELDS = (LOSS, LR, START_X, START_Y, STEPS)
ADVANCE = NumberField("advance", lazy("Steps to add"), -100, 100, 1, 0, integer=True)

LOSS_FLOOR = 1e-16  # the log-scale plot shows smaller losses at this height

VERDICTS = {
    "start": lazy("Not started: press Step, or Run, to take steps downhill."),
    "converges": lazy("Converges: every step lowers the loss, and the path heads straight into the minimum."),
    "oscillates": lazy("Oscillates: along {axes} the step jumps over the valley floor, so the sign flips at every step; the swings shrink, so it still converges, zig-zagging."),
    "stalls": lazy("Bounces forever: along {axes} each step lands exactly opposite, as far from the minimum as before, so that part of the loss never shrinks."),
    "diverges": lazy("Diverges: the steps overshoot more each time and the loss grows without bound. Lower the learning rate below {limit}."),
}


def advanced(query_params) -> dict | None:
    """The values with `advance` steps added (clamped to 0..100), or None without a valid advance."""
    if query_params.get("advance") is None:
        return None
    values, errors = parse_query(query_params, FIELDS)
    extra, extra_errors = parse_query(query_params, (ADVANCE,))
    if errors or extra_errors:
        return None
    values["steps"] = min(STEPS.hi, max(STEPS.lo, values["steps"] + extra["advance"]))
    return values


def path_view(axes, path: np.ndarray) -> dict:
    """Segments clipped to a little beyond the frame, and the points that are inside it."""
    box = (axes.x.lo - 0.5, axes.x.hi + 0.5, axes.y.lo - 0.5, axes.y.hi + 0.5)
    parts = []
    for (x1, y1), (x2, y2) in zip(path[:-1], path[1:]):
        clipped = clip_segment(x1, y1, x2, y2, box)
        if clipped:
            a, b, c, d = clipped
            parts.append(f"M{axes.x(a):.1f},{axes.y(b):.1f}L{axes.x(c):.1f},{axes.y(d):.1f}")
    inside = [
        {"x": round(float(axes.x(x)), 1), "y": round(float(axes.y(y)), 1)}
        for x, y in path[1:]
        if axes.x.lo <= x <= axes.x.hi and axes.y.lo <= y <= axes.y.hi
    ]
    return {"d": " ".join(parts), "points": inside}


def loss_plot(losses: np.ndarray, steps: int) -> dict:
    logs = np.log10(np.maximum(losses, LOSS_FLOOR))
    lo, hi = float(logs.min()), float(logs.max())
    if hi - lo < 1:
        lo, hi = math.floor(lo), math.floor(lo) + 1
    axes = make_axes((0, max(steps, 10)), (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)), width=380, height=260,
                     x_label=_("step"), y_label=_("loss (log scale)"), tick_count=5)
    axes.y_ticks = [
        Tick(decade_label(e), axes.left, float(axes.y(e)), axes.right, float(axes.y(e)), axes.left - 6, float(axes.y(e)) + 4)
        for e in decade_ticks(lo, hi)
    ]
    xs = np.arange(len(losses))
    return {
        "axes": axes,
        "line": axes.path(xs, logs),
        "points": [{"x": round(float(axes.x(i)), 1), "y": round(float(axes.y(v)), 1)} for i, v in zip(xs, logs)],
    }


def build(values: dict) -> dict:
    loss = LOSSES[values["loss"]]
    lr, steps = float(values["lr"]), int(values["steps"])
    start = (float(values["sx"]), float(values["sy"]))
    run = run_descent(loss, start, lr, steps)
    axes = make_axes(VIEW, VIEW, width=380, height=380, x_label="x", y_label="y", equal_aspect=True)
    levels = loss.value(np.array([[r, 0.0] for r in np.arange(0.5, VIEW[1] + 0.01, 0.5)]))
    limit = 2 / loss.curvature
    axes_names = " " + _("and") + " "
    factors = axis_factors(loss, lr)
    return {
        "axes": axes,
        "contours": contour_lines(axes, loss.fn_xy(), levels=levels),
        "path": path_view(axes, run.path),
        "start": {"x": round(float(axes.x(start[0])), 1), "y": round(float(axes.y(start[1])), 1)},
        "minimum": {"x": round(float(axes.x(0)), 1), "y": round(float(axes.y(0)), 1)},
        "loss_plot": loss_plot(run.losses, steps),
        "verdict": run.verdict,
        "verdict_text": _(VERDICTS[run.verdict]).format(axes=axes_names.join(run.oscillating_axes) or "x", limit=plain(limit)),
        "taken": len(run.path) - 1,
        "blew_up": run.blew_up,
        "curvature": plain(loss.curvature),
        "limit": plain(limit),
        "lr": plain(lr),
        "sx": plain(start[0]),
        "sy": plain(start[1]),
        "steps": steps,
        "final_x": plain(run.path[-1][0]),
        "final_y": plain(run.path[-1][1]),
        "final_loss": plain(run.losses[-1]),
        "start_loss": plain(run.losses[0]),
        "factors": [{"axis": name, "factor": plain(f, 4)} for name, f in zip(("x", "y"), factors)],
        "table": [
            {"step": i, "x": plain(p[0]), "y": plain(p[1]), "loss": plain(v)}
            for i, (p, v) in enumerate(zip(run.path, run.losses))
        ][-12:],
    }
