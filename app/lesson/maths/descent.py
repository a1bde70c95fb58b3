"""Page 5: gradient descent on a two-parameter quadratic loss, and what its path does."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

# beyond this the numbers only say "diverges"; stop before float64 overflows
BLOW_UP = 1e12


@dataclass(frozen=True)
class Loss2D:
    key: str
    hessian: np.ndarray  # f = p^T H p / 2, so grad = H p

    def value(self, p: np.ndarray) -> np.ndarray:
        """p has shape (..., 2)."""
        return 0.5 * np.einsum("...i,ij,...j->...", p, self.hessian, p)

    def grad(self, p: np.ndarray) -> np.ndarray:
        return p @ self.hessian.T

    def fn_xy(self) -> Callable:
        return lambda x, y: self.value(np.stack([x, y], axis=-1))

    @property
    def curvature(self) -> float:
        """The largest eigenvalue of the Hessian: rates above 2 / curvature diverge."""
        return float(np.max(np.linalg.eigvalsh(self.hessian)))


LOSSES: dict[str, Loss2D] = {
    loss.key: loss
    for loss in (
        Loss2D("bowl", np.array([[1.0, 0.0], [0.0, 1.0]])),
        Loss2D("valley", np.array([[1.0, 0.0], [0.0, 10.0]])),
    )
}

VIEW = (-5.0, 5.0)


@dataclass(frozen=True)
class DescentRun:
    path: np.ndarray  # (steps + 1, 2): the start and each step's parameters
    losses: np.ndarray  # (steps + 1,)
    verdict: str  # "start", "converges", "oscillates", "stalls", "diverges"
    oscillating_axes: tuple[str, ...]  # "x" / "y": where the sign flips from step to step
    blew_up: bool  # stopped early because the numbers grew past BLOW_UP


def run_descent(loss: Loss2D, start: tuple[float, float], lr: float, steps: int) -> DescentRun:
    p = np.array(start, dtype=float)
    path = [p.copy()]
    blew_up = False
    for _ in range(steps):
        p = p - lr * loss.grad(p)
        path.append(p.copy())
        if not np.all(np.isfinite(p)) or np.max(np.abs(p)) > BLOW_UP:
            blew_up = True
            break
    path_array = np.array(path)
    losses = loss.value(path_array)
    verdict, axes = classify(path_array, losses, blew_up)
    return DescentRun(path_array, losses, verdict, axes, blew_up)


def classify(path: np.ndarray, losses: np.ndarray, blew_up: bool = False) -> tuple[str, tuple[str, ...]]:
    """Read the path like a person would, from its last few steps.

    A coordinate whose sign flips at every step oscillates; its size then says the rest:
    shrinking (still converges, zig-zagging), the same (bounces forever, "stalls") or growing
    (diverges, even while another coordinate still lowers the loss). A loss above the start
    also diverges.
    """
    if len(path) < 2:
        return "start", ()
    window = path[-min(len(path), 4):]
    flipping, trends = [], []
    for index, name in enumerate(("x", "y")):
        coord = window[:, index]
        if np.all(coord[1:] * coord[:-1] < 0):
            flipping.append(name)
            size = np.abs(coord)
            if np.all(size[1:] > size[:-1] * (1 + 1e-9)):
                trends.append("grows")
            elif np.allclose(size[1:], size[:-1], rtol=1e-9, atol=0):
                trends.append("same")
            else:
                trends.append("shrinks")
    first, last = float(losses[0]), float(losses[-1])
    if blew_up or "grows" in trends or (last > first * (1 + 1e-9) and last > 1e-12):
        return "diverges", tuple(flipping)
    if "same" in trends:
        return "stalls", tuple(name for name, trend in zip(flipping, trends) if trend == "same")
    if flipping:
        return "oscillates", tuple(flipping)
    return "converges", ()


def axis_factors(loss: Loss2D, lr: float) -> np.ndarray:
    """Along each eigen-direction one step multiplies the distance to the minimum by 1 - lr * lambda."""
    return 1 - lr * np.linalg.eigvalsh(loss.hessian)
