"""Surfaces z = f(x, y) for the partial-derivative and gradient pages, with exact partials."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from app.engine.expressions import Expression, add, call, const, div, mul, power, sym

x, y = sym("x"), sym("y")


@dataclass(frozen=True)
class Surface:
    key: str
    fn: Callable
    dfdx: Callable
    dfdy: Callable
    formula: Expression
    dfdx_formula: Expression
    dfdy_formula: Expression

    def gradient(self, x, y) -> np.ndarray:
        return np.array([self.dfdx(x, y), self.dfdy(x, y)], dtype=float)


SURFACES: dict[str, Surface] = {
    s.key: s
    for s in (
        Surface(
            "bowl",
            lambda x, y: x * x + y * y,
            lambda x, y: 2 * x + 0 * y,
            lambda x, y: 2 * y + 0 * x,
            add(power(x, const(2)), power(y, const(2))),
            mul(const(2), x),
            mul(const(2), y),
        ),
        Surface(
            "tilted",
            lambda x, y: x * x + x * y + 2 * y * y,
            lambda x, y: 2 * x + y,
            lambda x, y: x + 4 * y,
            add(add(power(x, const(2)), mul(x, y)), mul(const(2), power(y, const(2)))),
            add(mul(const(2), x), y),
            add(x, mul(const(4), y)),
        ),
        Surface(
            "wave",
            lambda x, y: np.sin(x) + y * y / 2,
            lambda x, y: np.cos(x) + 0 * y,
            lambda x, y: y + 0 * x,
            add(call("sin", x), div(power(y, const(2)), const(2))),
            call("cos", x),
            y,
        ),
    )
}

VIEW = (-2.0, 2.0)  # both axes of the contour plots


def central_difference(fn: Callable, x: float, y: float, h: float = 1e-5) -> tuple[float, float]:
    """Numerical partials, for the table to show they match the closed forms."""
    return (
        float((fn(x + h, y) - fn(x - h, y)) / (2 * h)),
        float((fn(x, y + h) - fn(x, y - h)) / (2 * h)),
    )
