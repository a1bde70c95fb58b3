"""The functions of one variable on the derivative page, with their exact derivatives."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from app.lesson.mathml import Node, call, mi, mn, row, sup


@dataclass(frozen=True)
class Function1D:
    key: str
    fn: Callable
    grad: Callable
    grad2: Callable  # F'' and F''' estimate how far a secant is from the tangent (truncation)
    grad3: Callable
    formula: Node  # F(x) = ...
    derivative: Node  # F'(x) = ...


def _const(value: float) -> Callable:
    return lambda x: np.zeros_like(np.asarray(x, dtype=float)) + value


FUNCTIONS: dict[str, Function1D] = {
    f.key: f
    for f in (
        Function1D(
            "2x2",
            lambda x: 2 * x * x,
            lambda x: 4 * x,
            _const(4.0),
            _const(0.0),
            row(mn("2"), sup(mi("x"), mn("2"))),
            row(mn("4"), mi("x")),
        ),
        Function1D(
            "3x",
            lambda x: 3 * x,
            _const(3.0),
            _const(0.0),
            _const(0.0),
            row(mn("3"), mi("x")),
            mn("3"),
        ),
        Function1D(
            "x3",
            lambda x: x * x * x,
            lambda x: 3 * x * x,
            lambda x: 6 * x,
            _const(6.0),
            sup(mi("x"), mn("3")),
            row(mn("3"), sup(mi("x"), mn("2"))),
        ),
        Function1D(
            "sin",
            np.sin,
            np.cos,
            lambda x: -np.sin(x),
            lambda x: -np.cos(x),
            call("sin", mi("x")),
            call("cos", mi("x")),
        ),
        Function1D(
            "exp",
            np.exp,
            np.exp,
            np.exp,
            np.exp,
            sup(mi("e"), mi("x")),
            sup(mi("e"), mi("x")),
        ),
    )
}

# what the select shows: the formula written in plain text (the same in every language)
FUNCTION_LABELS = {"2x2": "2x²", "3x": "3x", "x3": "x³", "sin": "sin x", "exp": "eˣ"}
