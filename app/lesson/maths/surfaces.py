"""Surfaces z = f(x, y) for the partial-derivative and gradient pages, with exact partials."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from app.lesson.mathml import Node, call, frac, mi, mn, mo, row, sup


@dataclass(frozen=True)
class Surface:
    key: str
    fn: Callable
    dfdx: Callable
    dfdy: Callable
    formula: Node
    dfdx_formula: Node
    dfdy_formula: Node

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
            row(sup(mi("x"), mn("2")), mo("+"), sup(mi("y"), mn("2"))),
            row(mn("2"), mi("x")),
            row(mn("2"), mi("y")),
        ),
        Surface(
            "tilted",
            lambda x, y: x * x + x * y + 2 * y * y,
            lambda x, y: 2 * x + y,
            lambda x, y: x + 4 * y,
            row(sup(mi("x"), mn("2")), mo("+"), mi("x"), mi("y"), mo("+"), mn("2"), sup(mi("y"), mn("2"))),
            row(mn("2"), mi("x"), mo("+"), mi("y")),
            row(mi("x"), mo("+"), mn("4"), mi("y")),
        ),
        Surface(
            "wave",
            lambda x, y: np.sin(x) + y * y / 2,
            lambda x, y: np.cos(x) + 0 * y,
            lambda x, y: y + 0 * x,
            row(call("sin", mi("x")), mo("+"), frac(sup(mi("y"), mn("2")), mn("2"))),
            call("cos", mi("x")),
            mi("y"),
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
