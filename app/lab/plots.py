"""The data plot: for 2-input data, the output over the input plane as a heatmap with the points
(plus a small map per hidden unit for the drawing); for 1-input regression, the fitted curve.

The grid goes through the request's SessionReader.layer_outputs once and every map comes from
that one call; the reader is bound to the state the page shows, so nothing is read twice.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from app.ui import colors
from app.ui.numbers import fmt
from app.ui.png import png_data_uri

GRID = 24
SIZE = 220  # the plot's SVG size
PAD = 0.1  # extra room around the data, as a fraction of its range
MAX_POINTS = 400
CURVE_POINTS = 80
MAX_HIDDEN_MAPS = 64
UNIT_MAP_STRIDE = 2  # a unit's thumbnail is 12x12: a third of the bytes, and it is drawn small anyway


@dataclass
class PointView:
    cx: float
    cy: float
    fill: str
    in_batch: bool = False  # the rows the current iteration trains on are outlined
    held_out: bool = False  # a test row: drawn hollow, never in a batch


@dataclass
class PlanePlot:
    kind: str  # boundary | regression | none
    size: int = SIZE
    image_uri: str = ""
    points: list[PointView] = field(default_factory=list)
    curve: str = ""
    x_range: tuple[str, str] = ("", "")
    y_range: tuple[str, str] = ("", "")
    unit_maps: dict[tuple[int, int], str] = field(default_factory=dict)
    has_held_out: bool = False  # the "show test data" switch is offered


def _extent(values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo or 2.0
    return lo - PAD * span, hi + PAD * span


def _map_rgb(values: np.ndarray, activation: str, stride: int = 1) -> np.ndarray:
    """(GRID*GRID,) activations -> (GRID/stride, GRID/stride, 3), row 0 at the top (largest x2)."""
    rgb = colors.diverging_rgb(colors.activation_t(values, activation))
    return np.ascontiguousarray(rgb.reshape(GRID, GRID, 3)[::-stride, ::stride])


def _class_rgb(probabilities: np.ndarray) -> np.ndarray:
    """k-class outputs: the winning class's colour, paler where the network is unsure."""
    k = probabilities.shape[1]
    palette = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colors.CLASS_COLORS], dtype=float)
    winner = probabilities.argmax(axis=1) % len(palette)
    confidence = np.clip((probabilities.max(axis=1) - 1 / k) / (1 - 1 / k), 0, 1)[:, None] * 0.75
    rgb = 255 + (palette[winner] - 255) * confidence
    return np.rint(rgb).astype(np.uint8).reshape(GRID, GRID, 3)[::-1]


def _point_fill(target: np.ndarray) -> str:
    if target.shape[0] == 1:
        return colors.to_hex(colors.POSITIVE if target[0] >= 0.5 else colors.NEGATIVE)
    return colors.CLASS_COLORS[int(target.argmax()) % len(colors.CLASS_COLORS)]


class _PlotCache:
    """The last plots by (parameters, batch) digest: a forward, loss or backward step leaves both
    unchanged, so the maps are not recomputed on every step. Bounded, and only a cache: a miss
    recomputes the same result."""

    SIZE = 64

    def __init__(self):
        self._plots: OrderedDict[bytes, PlanePlot] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(doc: dict) -> bytes:  # the session id stands for its data, which never changes
        digest = hashlib.blake2b(str(doc["id"]).encode(), digest_size=20)
        for layer in doc["layers"][1:]:
            digest.update(np.ascontiguousarray(layer["W"], dtype=float).tobytes())
            digest.update(np.ascontiguousarray(layer["b"], dtype=float).tobytes())
        for name in ("inputs", "targets"):
            digest.update(np.ascontiguousarray(doc["batch"][name], dtype=float).tobytes())
        return digest.digest()

    def get(self, key: bytes) -> PlanePlot | None:
        with self._lock:
            plot = self._plots.get(key)
            if plot is not None:
                self._plots.move_to_end(key)
            return plot

    def put(self, key: bytes, plot: PlanePlot) -> None:
        with self._lock:
            self._plots[key] = plot
            while len(self._plots) > self.SIZE:
                self._plots.popitem(last=False)


_cache = _PlotCache()


def plane_plot(doc: dict, layer_outputs, dataset, held_out=None) -> PlanePlot:
    """layer_outputs: raw inputs (rows, n columns) -> [a_0, ..., a_L]; dataset: () -> (inputs,
    targets) of every row, its raw columns; held_out: () -> the held-out rows' numbers (all the
    reader's, bound to the session)."""
    batch = doc.get("batch")
    if not batch or batch.get("inputs") is None:
        return PlanePlot("none")
    key = _cache.key(doc)
    plot = _cache.get(key)
    if plot is None:
        plot = _plane_plot(doc, layer_outputs, dataset, held_out)
        _cache.put(key, plot)
    return plot


def _plane_plot(doc: dict, layer_outputs, dataset, held_out=None) -> PlanePlot:
    sizes = [int(layer["size"]) for layer in doc["layers"]]
    # every row, on axes that stay put from batch to batch; the batch's rows come first
    inputs, targets = dataset()
    columns = inputs.shape[1]  # the plane is the data's raw columns, whatever features the network sees
    if not (columns == 2 or (columns == 1 and sizes[-1] == 1)):
        return PlanePlot("none")
    in_batch = np.zeros(len(inputs), dtype=bool)
    in_batch[np.asarray(doc["batch"]["indices"], dtype=int)] = True
    test = np.zeros(len(inputs), dtype=bool)
    if held_out is not None:
        test[held_out()] = True
    order = np.argsort(~in_batch, kind="stable")[:MAX_POINTS]
    if columns == 2:
        plot = _boundary(doc, sizes, inputs, targets, layer_outputs, order, in_batch)
    else:
        plot = _regression(inputs, targets, layer_outputs, order, in_batch)
    for point, row in zip(plot.points, order):
        point.held_out = bool(test[row])
    plot.has_held_out = bool(test.any())
    return plot


def _boundary(doc, sizes, inputs, targets, layer_outputs, order, in_batch) -> PlanePlot:
    (x_lo, x_hi), (y_lo, y_hi) = _extent(inputs[:, 0]), _extent(inputs[:, 1])
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, GRID), np.linspace(y_lo, y_hi, GRID))
    grid = np.column_stack([gx.ravel(), gy.ravel()])  # (GRID*GRID, 2), row-major from the bottom
    outputs = layer_outputs(grid)
    activations = [None] + [layer["activation"] for layer in doc["layers"][1:]]
    out = np.asarray(outputs[-1])
    image = _map_rgb(out[:, 0], activations[-1]) if sizes[-1] == 1 else _class_rgb(out)
    unit_maps = {}
    if sum(sizes[1:-1]) <= MAX_HIDDEN_MAPS:
        for l in range(1, len(sizes) - 1):
            a = np.asarray(outputs[l])
            for j in range(sizes[l]):
                unit_maps[(l, j)] = png_data_uri(_map_rgb(a[:, j], activations[l], UNIT_MAP_STRIDE))
    points = [
        PointView(
            round(float((inputs[i, 0] - x_lo) / (x_hi - x_lo) * SIZE), 1),
            round(float(SIZE - (inputs[i, 1] - y_lo) / (y_hi - y_lo) * SIZE), 1),
            _point_fill(targets[i]),
            bool(in_batch[i]),
        )
        for i in order
    ]
    return PlanePlot("boundary", image_uri=png_data_uri(image), points=points,
                     x_range=(fmt(x_lo, 2), fmt(x_hi, 2)), y_range=(fmt(y_lo, 2), fmt(y_hi, 2)), unit_maps=unit_maps)


def _regression(inputs, targets, layer_outputs, order, in_batch) -> PlanePlot:
    x_lo, x_hi = _extent(inputs[:, 0])
    xs = np.linspace(x_lo, x_hi, CURVE_POINTS)
    fitted = np.asarray(layer_outputs(xs[:, None])[-1])[:, 0]
    both = np.concatenate([targets[:, 0], fitted])
    y_lo, y_hi = _extent(both)

    def px(x):
        return (x - x_lo) / (x_hi - x_lo) * SIZE

    def py(y):
        return SIZE - (y - y_lo) / (y_hi - y_lo) * SIZE

    curve = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, fitted))
    points = [PointView(round(float(px(inputs[i, 0])), 1), round(float(py(targets[i, 0])), 1),
                        colors.to_hex(colors.POSITIVE), bool(in_batch[i]))
              for i in order]
    return PlanePlot("regression", points=points, curve=curve,
                     x_range=(fmt(x_lo, 2), fmt(x_hi, 2)), y_range=(fmt(y_lo, 2), fmt(y_hi, 2)))
