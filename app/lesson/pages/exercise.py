"""Page 6's view: the timing table and the ratio against the parameter count on log-log axes.

The measurement runs once per server process (a few tenths of a second) and is then reused.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import numpy as np

from app.i18n import _
from app.lesson.maths.exercise import growth_fit, measure
from app.ui.scale import Tick, decade_label, decade_ticks, make_axes
from app.ui.numbers import plain, sci

FIELDS = ()

_lock = threading.Lock()
_measured: dict = {}


def measurement() -> dict:
    """{"timings": [...], "at": datetime}: measured on the first call, then cached."""
    with _lock:
        if not _measured:
            _measured["timings"] = measure()
            _measured["at"] = datetime.now(timezone.utc)
        return _measured


def ratio_text(ratio: float) -> str:
    return f"{ratio:.0f}" if ratio >= 10 else plain(ratio, 2)


def log_log_plot(params: np.ndarray, ratios: np.ndarray) -> dict:
    lx, ly = np.log10(params), np.log10(ratios)
    x_range = (float(np.floor(lx.min())), float(np.ceil(lx.max())))
    y_range = (float(np.floor(ly.min())), float(np.ceil(ly.max())))
    axes = make_axes(x_range, y_range, width=460, height=300, x_label=_("parameters"), y_label=_("time ratio: differences / backprop"))
    axes.x_ticks = [
        Tick(decade_label(e), float(axes.x(e)), axes.top, float(axes.x(e)), axes.bottom, float(axes.x(e)), axes.bottom + 16)
        for e in decade_ticks(*x_range, 6)
    ]
    axes.y_ticks = [
        Tick(decade_label(e), axes.left, float(axes.y(e)), axes.right, float(axes.y(e)), axes.left - 6, float(axes.y(e)) + 4)
        for e in decade_ticks(*y_range, 6)
    ]
    # a line of slope 1 through the geometric middle: what "ratio proportional to parameters" looks like
    mid_x, mid_y = float(lx.mean()), float(ly.mean())
    ref_x = np.array(x_range)
    return {
        "axes": axes,
        "line": axes.path(lx, ly),
        "points": [{"x": round(float(axes.x(a)), 1), "y": round(float(axes.y(b)), 1)} for a, b in zip(lx, ly)],
        "reference": axes.path(ref_x, mid_y + (ref_x - mid_x)),
    }


def build(values: dict) -> dict:
    measured = measurement()
    timings = measured["timings"]
    params = np.array([t.parameters for t in timings], dtype=float)
    ratios = np.array([t.ratio for t in timings])
    worst = max(t.max_rel_error for t in timings)
    return {
        "rows": [
            {
                "sizes": "-".join(str(n) for n in t.sizes),
                "parameters": t.parameters,
                "backprop_ms": plain(t.backprop_seconds * 1000, 3),
                "numeric_ms": plain(t.numeric_seconds * 1000, 3),
                "ratio": ratio_text(t.ratio),
                "per_parameter": plain(t.ratio_per_parameter, 2),
                "error": sci(t.max_rel_error),
            }
            for t in timings
        ],
        "plot": log_log_plot(params, ratios),
        "slope": plain(growth_fit(timings), 2),
        "worst_error": sci(worst),
        "agree": worst < 1e-4,
        "largest": int(params.max()),
        "largest_ratio": ratio_text(ratios[-1]),
        "measured_at": measured["at"].strftime("%Y-%m-%d %H:%M UTC"),
    }
