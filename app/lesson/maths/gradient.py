"""Page 3: the gradient field and the directional derivative D_u f = grad f . u in every direction."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.lesson.maths.surfaces import Surface


def directional_derivatives(surface: Surface, x: float, y: float, angles: np.ndarray) -> np.ndarray:
    """D_u f at (x, y) for unit vectors u = (cos a, sin a), a in radians."""
    grad = surface.gradient(x, y)
    return grad[0] * np.cos(angles) + grad[1] * np.sin(angles)


@dataclass(frozen=True)
class DirectionSummary:
    grad: tuple[float, float]
    norm: float
    grad_angle_deg: float  # direction of the gradient, degrees counter-clockwise from +x
    best_angle_deg: float  # where the sampled D_u f is largest
    best_value: float
    worst_angle_deg: float
    worst_value: float


def summarise_directions(surface: Surface, x: float, y: float, samples: int = 360) -> DirectionSummary:
    """Sample every direction (1 degree apart) and report the largest and smallest D_u f."""
    angles_deg = np.arange(samples) * 360 / samples
    values = directional_derivatives(surface, x, y, np.radians(angles_deg))
    grad = surface.gradient(x, y)
    best, worst = int(np.argmax(values)), int(np.argmin(values))
    return DirectionSummary(
        grad=(float(grad[0]), float(grad[1])),
        norm=float(np.hypot(*grad)),
        grad_angle_deg=float(np.degrees(np.arctan2(grad[1], grad[0])) % 360),
        best_angle_deg=float(angles_deg[best]),
        best_value=float(values[best]),
        worst_angle_deg=float(angles_deg[worst]),
        worst_value=float(values[worst]),
    )


def arrow(x1: float, y1: float, x2: float, y2: float, head: float = 6.0) -> dict | None:
    """A drawable arrow in pixels: the shaft ends and the head triangle; None when too short."""
    dx, dy = x2 - x1, y2 - y1
    length = float(np.hypot(dx, dy))
    if length < 1.0:
        return None
    ux, uy = dx / length, dy / length
    head = min(head, length * 0.6)
    base_x, base_y = x2 - ux * head, y2 - uy * head
    left = (base_x - uy * head * 0.5, base_y + ux * head * 0.5)
    right = (base_x + uy * head * 0.5, base_y - ux * head * 0.5)
    return {
        "x1": round(x1, 1), "y1": round(y1, 1), "x2": round(base_x, 1), "y2": round(base_y, 1),
        "head": f"{x2:.1f},{y2:.1f} {left[0]:.1f},{left[1]:.1f} {right[0]:.1f},{right[1]:.1f}",
    }


def gradient_field(surface: Surface, axes, per_side: int = 9, max_px: float = 22.0) -> list[dict]:
    """Arrows of the gradient on a grid, lengths scaled so the longest is max_px (direction exact)."""
    margin = (axes.x.hi - axes.x.lo) / (2 * per_side)
    xs = np.linspace(axes.x.lo + margin, axes.x.hi - margin, per_side)
    ys = np.linspace(axes.y.lo + margin, axes.y.hi - margin, per_side)
    gx, gy = np.meshgrid(xs, ys)
    u, v = surface.dfdx(gx, gy), surface.dfdy(gx, gy)
    longest = float(np.max(np.hypot(u, v))) or 1.0
    scale = max_px / longest
    arrows = []
    for x, y, a, b in zip(gx.ravel(), gy.ravel(), u.ravel(), v.ravel()):
        px, py = float(axes.x(x)), float(axes.y(y))
        drawn = arrow(px, py, px + a * scale, py - b * scale, head=5.0)
        if drawn:
            arrows.append(drawn)
    return arrows
