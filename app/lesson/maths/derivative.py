"""Page 1: the derivative as the limit of the secant slope (F(x0+dx) - F(x0)) / dx."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.lesson.maths.functions import Function1D

# below this size an error is invisible at the precision the table prints
VISIBLE_ERROR = 1e-13


@dataclass(frozen=True)
class SecantRow:
    dx: float
    dy: float
    slope: float  # dy / dx, computed in float64 exactly as written
    exact: float  # F'(x0)
    error: float  # slope - exact
    truncation: float  # what the error would be with exact arithmetic (the curve bending away)
    round_off: bool  # the measured error is mostly round-off, not the curve


def secant_slope(function: Function1D, x0: float, dx: float) -> tuple[float, float]:
    """(dy, dy/dx) in float64, as written: no reformulation that would hide the round-off."""
    x0, dx = np.float64(x0), np.float64(dx)
    dy = function.fn(x0 + dx) - function.fn(x0)
    return float(dy), float(dy / dx)


def secant_row(function: Function1D, x0: float, dx: float) -> SecantRow:
    dy, slope = secant_slope(function, x0, dx)
    exact = float(function.grad(np.float64(x0)))
    error = slope - exact
    # Taylor: (F(x0+dx) - F(x0))/dx = F' + F''/2 dx + F'''/6 dx^2 + ...
    truncation = float(function.grad2(np.float64(x0)) / 2 * dx + function.grad3(np.float64(x0)) / 6 * dx * dx)
    # round-off dominates when the measured error is far from what exact arithmetic would give;
    # only for small dx, where two Taylor terms predict the exact-arithmetic error well
    round_off = dx <= 1e-3 and abs(error) > VISIBLE_ERROR and abs(error - truncation) > 0.3 * abs(error)
    return SecantRow(dx, dy, slope, exact, error, truncation, round_off)


def secant_table(function: Function1D, x0: float, dx_exp: float) -> list[tuple[float, SecantRow]]:
    """(k, row) pairs for dx = 1, 0.1, ..., 1e-8, and for the chosen dx = 10^-dx_exp if it is not among them."""
    exps = sorted(set(range(0, 9)) | {dx_exp})
    return [(e, secant_row(function, x0, 10.0 ** -e)) for e in exps]


def secant_line(function: Function1D, x0: float, dx: float, xs: np.ndarray) -> np.ndarray:
    _dy, slope = secant_slope(function, x0, dx)
    return function.fn(np.float64(x0)) + slope * (xs - x0)


def tangent_line(function: Function1D, x0: float, xs: np.ndarray) -> np.ndarray:
    return function.fn(np.float64(x0)) + function.grad(np.float64(x0)) * (xs - x0)
