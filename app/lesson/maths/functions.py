"""The functions of one variable on the derivative page, with their exact derivatives."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from app.engine.expressions import Expression, call, const, exp, mul, power, sym

x = sym("x")


@dataclass(frozen=True)
class Function1D:
    key: str
    fn: Callable
    grad: Callable
    grad2: Callable  # F'' and F''' estimate how far a secant is from the tangent (truncation)
    grad3: Callable
    formula: Expression  # F(x) = ..., as data (app/ui/mathml.py draws it)
    derivative: Expression  # F'(x) = ...


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
            mul(const(2), power(x, const(2))),
            mul(const(4), x),
        ),
        Function1D(
            "3x",
            lambda x: 3 * x,
            _const(3.0),
            _const(0.0),
            _const(0.0),
            mul(const(3), x),
            const(3),
        ),
        Function1D(
            "x3",
            lambda x: x * x * x,
            lambda x: 3 * x * x,
            lambda x: 6 * x,
            _const(6.0),
            power(x, const(3)),
            mul(const(3), power(x, const(2))),
        ),
        Function1D(
            "sin",
            np.sin,
            np.cos,
            lambda x: -np.sin(x),
            lambda x: -np.cos(x),
            call("sin", x),
            call("cos", x),
        ),
        Function1D(
            "exp",
            np.exp,
            np.exp,
            np.exp,
            np.exp,
            exp(x),
            exp(x),
        ),
    )
}

# what the select shows: the formula written in plain text (the same in every language)
FUNCTION_LABELS = {"2x2": "2x²", "3x": "3x", "x3": "x³", "sin": "sin x", "exp": "eˣ"}
