"""Contour lines by marching squares, vectorised over the grid cells."""
from __future__ import annotations

import numpy as np


def contour_segments(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, level: float) -> np.ndarray:
    """Line segments (k, 4) = (x1, y1, x2, y2) where z crosses `level`.

    z has shape (len(ys), len(xs)): row i is y = ys[i]. Each cell's corners are bl, br, tr, tl;
    a crossing point lies on an edge whose two corners are on different sides of the level,
    placed by linear interpolation. Saddle cells (4 crossings) are split by the cell's mean.
    """
    bl, br = z[:-1, :-1], z[:-1, 1:]
    tl, tr = z[1:, :-1], z[1:, 1:]
    x0, x1 = np.meshgrid(xs[:-1], ys[:-1])[0], np.meshgrid(xs[1:], ys[:-1])[0]
    y0, y1 = np.meshgrid(xs[:-1], ys[:-1])[1], np.meshgrid(xs[:-1], ys[1:])[1]

    def crossing(za, zb, xa, ya, xb, yb):
        crosses = (za > level) != (zb > level)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(crosses, (level - za) / (zb - za), 0.0)
        return crosses, xa + t * (xb - xa), ya + t * (yb - ya)

    # edges in the order bottom, right, top, left
    edges = [
        crossing(bl, br, x0, y0, x1, y0),
        crossing(br, tr, x1, y0, x1, y1),
        crossing(tl, tr, x0, y1, x1, y1),
        crossing(bl, tl, x0, y0, x0, y1),
    ]
    mask = np.stack([e[0] for e in edges])  # (4, ny-1, nx-1)
    ex = np.stack([e[1] for e in edges])
    ey = np.stack([e[2] for e in edges])
    count = mask.sum(axis=0)
    segments = []

    two = count == 2
    if two.any():
        first = np.argmax(mask, axis=0)
        last = 3 - np.argmax(mask[::-1], axis=0)
        rows, cols = np.nonzero(two)
        a, b = first[rows, cols], last[rows, cols]
        segments.append(np.column_stack([ex[a, rows, cols], ey[a, rows, cols], ex[b, rows, cols], ey[b, rows, cols]]))

    four = count == 4
    if four.any():
        rows, cols = np.nonzero(four)
        centre_above = (bl + br + tl + tr)[rows, cols] / 4 > level
        same_as_bl = centre_above == (bl[rows, cols] > level)
        # the corners on the other side than the centre are cut off
        pairs = np.where(same_as_bl[:, None], [[0, 1, 2, 3]], [[0, 3, 1, 2]])
        for p, q in ((0, 1), (2, 3)):
            a, b = pairs[:, p], pairs[:, q]
            segments.append(np.column_stack([ex[a, rows, cols], ey[a, rows, cols], ex[b, rows, cols], ey[b, rows, cols]]))

    return np.concatenate(segments) if segments else np.empty((0, 4))


def quantile_levels(z: np.ndarray, count: int = 9) -> np.ndarray:
    """Levels at evenly spaced quantiles of the values: even spacing of the lines on the picture."""
    levels = np.quantile(z, np.linspace(0.04, 0.96, count))
    return np.unique(np.round(levels, 10))


def ramp_colour(t: float) -> str:
    """Light teal (t=0, low) to deep blue (t=1, high) as #rrggbb."""
    low, high = np.array([167, 219, 208]), np.array([37, 62, 140])
    r, g, b = np.round(low + (high - low) * float(np.clip(t, 0, 1))).astype(int)
    return f"#{r:02x}{g:02x}{b:02x}"


def contour_lines(axes, fn, count: int = 9, resolution: int = 48, levels=None) -> list[dict]:
    """Drawable contour lines of fn(x, y) over the axes' data range: [{"level", "d", "colour"}]."""
    xs = np.linspace(axes.x.lo, axes.x.hi, resolution)
    ys = np.linspace(axes.y.lo, axes.y.hi, resolution)
    gx, gy = np.meshgrid(xs, ys)
    z = fn(gx, gy)
    if levels is None:
        levels = quantile_levels(z, count)
    lines = []
    for index, level in enumerate(levels):
        seg = contour_segments(xs, ys, z, float(level))
        px1, py1, px2, py2 = axes.x(seg[:, 0]), axes.y(seg[:, 1]), axes.x(seg[:, 2]), axes.y(seg[:, 3])
        d = " ".join(f"M{a:.1f},{b:.1f}L{c:.1f},{e:.1f}" for a, b, c, e in zip(px1, py1, px2, py2))
        lines.append({"level": float(level), "d": d, "colour": ramp_colour(index / max(len(levels) - 1, 1))})
    return lines
