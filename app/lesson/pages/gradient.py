"""Page 3's view: the gradient field on the contours, and the directional derivative as a polar plot."""
from __future__ import annotations

import numpy as np

from app.i18n import lazy
from app.lesson.maths.contour import contour_lines
from app.lesson.maths.gradient import arrow, directional_derivatives, gradient_field, summarise_directions
from app.ui.mathml import equation, expression, math, mi, mo, paren, ratio, mrow, msub
from app.ui.scale import make_axes, path_d
from app.lesson.maths.surfaces import SURFACES, VIEW
from app.ui.numbers import fixed, plain
from app.lesson.params import NumberField
from app.lesson.pages.surface_fields import POINT_X, POINT_Y, SURFACE

ANGLE = NumberField("angle", lazy("Direction u, angle in degrees"), 0, 355, 5, 45, integer=True)
FIELDS = (SURFACE, POINT_X, POINT_Y, ANGLE)
POLAR_SIZE = 300
POLAR_RADIUS = 110  # pixels for |grad f|


def polar_plot(surface, x: float, y: float, angle_deg: float, norm: float) -> dict:
    """Two lobes: r = max(D_u f, 0) (growing) and r = max(-D_u f, 0) (shrinking), drawn in the
    direction of u; each is a circle through the centre, touching it opposite the other."""
    centre = POLAR_SIZE / 2
    angles = np.radians(np.arange(0, 361, 2))
    values = directional_derivatives(surface, x, y, angles)
    per_unit = POLAR_RADIUS / norm if norm > 1e-12 else 0.0

    def lobe(radius):
        return path_d(centre + radius * per_unit * np.cos(angles), centre - radius * per_unit * np.sin(angles)) + " Z"

    chosen = float(directional_derivatives(surface, x, y, np.radians([angle_deg]))[0])
    u = np.radians(angle_deg)
    tip_r = abs(chosen) * per_unit
    sign = 1.0 if chosen >= 0 else -1.0
    direction_end = (centre + POLAR_RADIUS * 1.15 * np.cos(u), centre - POLAR_RADIUS * 1.15 * np.sin(u))
    return {
        "size": POLAR_SIZE,
        "centre": centre,
        "ring": POLAR_RADIUS,
        "half_ring": POLAR_RADIUS / 2,
        "ring_label_x": centre + 4,
        "ring_label_y": centre - POLAR_RADIUS - 4,
        "up": lobe(np.maximum(values, 0)),
        "down": lobe(np.maximum(-values, 0)),
        "direction": arrow(centre, centre, *direction_end),
        "marker": {
            "x": round(float(centre + sign * tip_r * np.cos(u)), 1),
            "y": round(float(centre - sign * tip_r * np.sin(u)), 1),
        },
        "axis_h": path_d([10, POLAR_SIZE - 10], [centre, centre]),
        "axis_v": path_d([centre, centre], [10, POLAR_SIZE - 10]),
        "value": chosen,
    }


def build(values: dict) -> dict:
    surface = SURFACES[values["surface"]]
    x, y, angle = float(values["x"]), float(values["y"]), float(values["angle"])
    axes = make_axes(VIEW, VIEW, width=380, height=380, x_label="x", y_label="y", equal_aspect=True)
    summary = summarise_directions(surface, x, y)
    px, py = float(axes.x(x)), float(axes.y(y))
    # the gradient at the point, drawn 0.35 data units per unit of |grad f|, at most 1.5 units long
    length = min(summary.norm * 0.35, 1.5)
    gx, gy = (summary.grad[0] / summary.norm * length, summary.grad[1] / summary.norm * length) if summary.norm > 1e-12 else (0, 0)
    u = np.radians(angle)
    polar = polar_plot(surface, x, y, angle, summary.norm)
    unit = axes.x.px_per_unit()  # pixels per data unit (equal on both axes)
    return {
        "formula": math(equation(mrow(mo("∇"), mi("f")), paren(ratio("f", "x", "partial"), mo(","), ratio("f", "y", "partial"))),
                        display="inline"),
        "directional_formula": math(equation(msub(mi("D"), mi("u")), mrow(mo("∇"), mi("f"), mo("·"), mi("u"))), display="inline"),
        "surface_formula": math(equation(mi("f"), expression(surface.formula, mi)), display="inline"),
        "axes": axes,
        "contours": contour_lines(axes, surface.fn),
        "field": gradient_field(surface, axes),
        "point": {"x": round(px, 1), "y": round(py, 1)},
        "grad_arrow": arrow(px, py, float(axes.x(x + gx)), float(axes.y(y + gy)), head=9),
        "dir_arrow": arrow(px, py, px + 0.9 * unit * np.cos(u), py - 0.9 * unit * np.sin(u), head=8),
        "polar": polar,
        "x": plain(x),
        "y": plain(y),
        "angle": fixed(angle, 0),
        "grad_x": plain(summary.grad[0]),
        "grad_y": plain(summary.grad[1]),
        "norm": plain(summary.norm),
        "grad_angle": fixed(summary.grad_angle_deg, 1),
        "chosen": plain(polar["value"]),
        "best_value": plain(summary.best_value),
        "best_angle": fixed(summary.best_angle_deg, 0),
        "worst_value": plain(summary.worst_value),
        "worst_angle": fixed(summary.worst_angle_deg, 0),
        "flat": summary.norm < 1e-12,
    }
