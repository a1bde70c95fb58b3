"""Page 1's view: the curve, the secant for the chosen dx, the tangent, and the secant table."""
from __future__ import annotations

import numpy as np

from app.i18n import lazy
from app.lesson.maths.derivative import secant_line, secant_slope, secant_table, tangent_line
from app.lesson.maths.functions import FUNCTION_LABELS, FUNCTIONS
from app.ui.mathml import call, d, expression, math, equation, mfrac, mi, mn, mo, paren, prime, mrow, munder, x_sub
from app.ui.scale import make_axes, padded_range
from app.ui.numbers import dx_text, plain, sci
from app.lesson.params import ChoiceField, NumberField

FIELDS = (
    ChoiceField("fn", lazy("Function F(x)"), FUNCTION_LABELS, "2x2"),
    NumberField("x0", lazy("Point x0"), -2.5, 2.5, 0.1, 1.5),
    NumberField("dx_exp", lazy("Shrink dx: dx = 10^-k, k"), 0, 8, 0.5, 0),
)
HALF_WIDTH = 2.0  # the plot shows x0 +- this much


def limit_formula():
    """F'(x0) = lim_{dx -> 0} (F(x0 + dx) - F(x0)) / dx"""
    x0 = x_sub("x", "0")
    numerator = mrow(call("F", mrow(x0, mo("+"), d("x"))), mo("−"), call("F", x0))
    limit = munder(mi("lim", normal=True), mrow(d("x"), mo("→"), mn("0")))
    return math(equation(mrow(prime("F"), paren(x0)), mrow(limit, mfrac(numerator, d("x")))))


def function_formula(function):
    """F(x) = ..., F'(x) = ..."""
    return math(
        equation(call("F", mi("x")), expression(function.formula, mi)),
        mo(","),
        equation(mrow(prime("F"), paren(mi("x"))), expression(function.derivative, mi)),
        display="inline",
    )


def build(values: dict) -> dict:
    function = FUNCTIONS[values["fn"]]
    x0, dx_exp = float(values["x0"]), float(values["dx_exp"])
    dx = 10.0 ** -dx_exp
    xs = np.linspace(x0 - HALF_WIDTH, x0 + HALF_WIDTH, 161)
    ys = function.fn(xs)
    axes = make_axes((xs[0], xs[-1]), padded_range(ys), width=460, height=320, x_label="x", y_label="F(x)")

    f0 = float(function.fn(np.float64(x0)))
    f1 = float(function.fn(np.float64(x0 + dx)))
    secant_ys = secant_line(function, x0, dx, xs)
    tangent_ys = tangent_line(function, x0, xs)
    rows = secant_table(function, x0, dx_exp)
    current = next(row for exp, row in rows if exp == dx_exp)
    dy, slope = secant_slope(function, x0, dx)
    return {
        "function_formula": function_formula(function),
        "limit_formula": limit_formula(),
        "axes": axes,
        "curve": axes.path(xs, ys),
        "secant": axes.path(xs, secant_ys),
        "tangent": axes.path(xs, tangent_ys),
        "p0": {"x": round(float(axes.x(x0)), 1), "y": round(float(axes.y(f0)), 1)},
        "p1": {"x": round(float(axes.x(x0 + dx)), 1), "y": round(float(axes.y(f1)), 1)},
        # the dx and dy legs of the secant triangle
        "run": axes.path([x0, x0 + dx], [f0, f0]),
        "rise": axes.path([x0 + dx, x0 + dx], [f0, f1]),
        "x0": plain(x0),
        "dx": dx_text(dx_exp),
        "dy": plain(dy, 12),
        "slope": plain(slope, 15),
        "exact": plain(current.exact, 12),
        "error": sci(current.error),
        "round_off": current.round_off,
        "rows": [
            {
                "dx": dx_text(exp),
                "dy": plain(row.dy, 12),
                "slope": plain(row.slope, 15),
                "exact": plain(row.exact, 12),
                "error": sci(row.error),
                "round_off": row.round_off,
                "current": exp == dx_exp,
            }
            for exp, row in rows
        ],
    }
