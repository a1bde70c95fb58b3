"""Page 4's view: u = x^2 - 1, f = cos(u), and f(x) = cos(x^2 - 1), each with its tangent at the point."""
from __future__ import annotations

from functools import cache

import numpy as np

from app.i18n import lazy
from app.lesson.maths.chain_rule import chain_rule_at, composite, inner, outer, worked_example_edge
from app.ui.mathml import call, equation, math, mi, mn, mo, mrow, msup, ratio
from app.ui.scale import make_axes, padded_range
from app.ui.numbers import plain, sci
from app.lesson.params import NumberField

X = NumberField("x", lazy("Point x"), -2.0, 2.0, 0.05, 1.3)
FIELDS = (X,)
X_VIEW = (-2.0, 2.0)
U_VIEW = (-1.0, 3.0)  # x^2 - 1 for x in X_VIEW


def tangent_plot(ts, values, at: float, value_at: float, slope: float, x_label: str, y_label: str, view) -> dict:
    axes = make_axes(view, padded_range(values), width=300, height=220, x_label=x_label, y_label=y_label, tick_count=5)
    return {
        "axes": axes,
        "curve": axes.path(ts, values),
        "tangent": axes.path(ts, value_at + slope * (ts - at)),
        "point": {"x": round(float(axes.x(at)), 1), "y": round(float(axes.y(value_at)), 1)},
    }


@cache
def network_edge():
    """The worked-example edge never changes: compute it once per process."""
    return worked_example_edge()


def formulas() -> dict:
    x, u = mi("x"), mi("u")
    return {
        "split": math(
            equation(u, mrow(msup(x, mn("2")), mo("−"), mn("1"))), mo(","),
            equation(mi("f"), call("cos", u)), display="inline",
        ),
        "rule": math(equation(ratio("f", "x"), mrow(ratio("f", "u"), mo("·"), ratio("u", "x")))),
        "local": math(
            equation(ratio("u", "x"), mrow(mn("2"), x)), mo(","),
            equation(ratio("f", "u"), mrow(mo("−"), call("sin", u))), display="inline",
        ),
        "edge": math(equation(
            ratio("L", "w", "partial"),
            mrow(ratio("L", "a", "partial"), mo("·"), ratio("a", "z", "partial"), mo("·"), ratio("z", "w", "partial")),
        )),
    }


def build(values: dict) -> dict:
    x = float(values["x"])
    numbers = chain_rule_at(x)
    xs = np.linspace(*X_VIEW, 161)
    us = np.linspace(*U_VIEW, 161)
    edge = network_edge()
    return {
        "formulas": formulas(),
        "inner_plot": tangent_plot(xs, inner(xs), x, numbers.u, numbers.du_dx, "x", "u", X_VIEW),
        "outer_plot": tangent_plot(us, outer(us), numbers.u, numbers.f, numbers.df_du, "u", "f", U_VIEW),
        "composite_plot": tangent_plot(xs, composite(xs), x, numbers.f, numbers.product, "x", "f", X_VIEW),
        "x": plain(x),
        "u": plain(numbers.u),
        "f": plain(numbers.f),
        "du_dx": plain(numbers.du_dx),
        "df_du": plain(numbers.df_du),
        "product": plain(numbers.product, 10),
        "closed": plain(float(-np.sin(x * x - 1) * 2 * x), 10),
        "central": plain(numbers.central, 10),
        "difference": sci(numbers.difference),
        "edge": {
            "layer": edge.layer,
            "prev_layer": edge.layer - 1,
            "to": edge.to,
            "from": edge.from_,
            "weight": plain(edge.weight),
            "dL_da": plain(edge.dL_da, 9),
            "da_dz": plain(edge.da_dz, 9),
            "dz_dw": plain(edge.dz_dw, 9),
            "product": plain(edge.product, 9),
            "backprop": plain(edge.backprop, 9),
        },
    }
