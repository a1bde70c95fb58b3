"""Page 2's view: the contour plot with the two slices through the point, and each slice's slope."""
from __future__ import annotations

import numpy as np

from app.lesson.maths.contour import contour_lines
from app.ui.mathml import equation, expression, math, mi, ratio
from app.ui.scale import make_axes, padded_range
from app.lesson.maths.surfaces import SURFACES, VIEW, central_difference
from app.ui.numbers import plain
from app.lesson.pages.surface_fields import POINT_X, POINT_Y, SURFACE

FIELDS = (SURFACE, POINT_X, POINT_Y)

def slice_plot(values, slope: float, at: float, value_at: float, var: str, css: str) -> dict:
    """A 1-D slice z(t) over the view, with its tangent at t = at."""
    ts = np.linspace(VIEW[0], VIEW[1], 121)
    axes = make_axes(VIEW, padded_range(values), width=320, height=230, x_label=var, y_label="z", tick_count=5)
    return {
        "axes": axes,
        "curve": axes.path(ts, values),
        "tangent": axes.path(ts, value_at + slope * (ts - at)),
        "point": {"x": round(float(axes.x(at)), 1), "y": round(float(axes.y(value_at)), 1)},
        "css": css,
    }

def build(values: dict) -> dict:
    surface = SURFACES[values["surface"]]
    x, y = float(values["x"]), float(values["y"])
    axes = make_axes(VIEW, VIEW, width=380, height=380, x_label="x", y_label="y", equal_aspect=True)
    z = float(surface.fn(x, y))
    dzdx, dzdy = float(surface.dfdx(x, y)), float(surface.dfdy(x, y))
    numeric_x, numeric_y = central_difference(surface.fn, x, y)
    ts = np.linspace(VIEW[0], VIEW[1], 121)
    return {
        "formula": math(equation(mi("z"), expression(surface.formula, mi)), display="inline"),
        "dfdx_formula": math(equation(ratio("z", "x", "partial"), expression(surface.dfdx_formula, mi)), display="inline"),
        "dfdy_formula": math(equation(ratio("z", "y", "partial"), expression(surface.dfdy_formula, mi)), display="inline"),
        "axes": axes,
        "contours": contour_lines(axes, surface.fn),
        "point": {"x": round(float(axes.x(x)), 1), "y": round(float(axes.y(y)), 1)},
        # the slice with y held still is horizontal on the map, the one with x held still vertical
        "slice_x_line": axes.path(list(VIEW), [y, y]),
        "slice_y_line": axes.path([x, x], list(VIEW)),
        "slice_x": slice_plot(surface.fn(ts, np.full_like(ts, y)), dzdx, x, z, "x", "slice-x"),
        "slice_y": slice_plot(surface.fn(np.full_like(ts, x), ts), dzdy, y, z, "y", "slice-y"),
        "x": plain(x),
        "y": plain(y),
        "z": plain(z),
        "dzdx": plain(dzdx),
        "dzdy": plain(dzdy),
        "numeric_x": plain(numeric_x, 10),
        "numeric_y": plain(numeric_y, 10),
    }
