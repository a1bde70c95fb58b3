"""The data plot, TensorFlow Playground's way and larger: for 2-input data the output over the input
plane as light tints with the points on top (white rims, the batch outlined), ticks on both axes,
square pixels, a "discretize" image and one map per hidden unit (the drawing's thumbnails, and the
big plot while a unit is hovered or focused); for 1-input, 1-output regression the fitted curve.
A dataset of one sample gets no plot: a plane with one point says nothing.

The plot itself (images, points, curve) lives in a square of PLANE x PLANE units, the same for
every screen; plot_frame() puts it into the pixels of a laptop or a projector with its ticks. The
grid goes through the request's SessionReader.layer_outputs once and every map comes from that
one call; the reader is bound to the state the page shows, so nothing is read twice.

Two caches hold one entry per session (SessionCache): the maps of its newest parameters, which
only an update changes, and the circles of its newest batch, which a new batch changes; a step's
answer that sends no data plot draws no points at all.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain

import numpy as np
from markupsafe import Markup

from app.engine.activations import get_activation
from app.ui import colors
from app.lab.layout import text_width
from app.ui.numbers import MINUS
from app.ui.png import png_data_uri
from app.ui.scale import nice_step, nice_ticks, tick_label

GRID = 48  # the output's map: 48 x 48 pixels, smoothed by the browser as it is scaled up
UNIT_MAP_STRIDE = 2  # a unit's map is 24 x 24: a quarter of the bytes, and it is drawn small or blurred anyway
PLANE = 1000  # the plot's own coordinates, 0 .. PLANE on both axes
PAD = 0.1  # extra room around the data, as a fraction of its range
MAX_POINTS = 400
CURVE_POINTS = 120
MAX_HIDDEN_MAPS = 64
TICKS = 5


@dataclass(slots=True)
class PlanePoints:
    """Rows drawn as points: one list per attribute."""
    cx: list[float]  # on the plane, 0 .. PLANE; not rounded (the SVG writes one decimal)
    cy: list[float]
    fills: list[str]
    held_out: list[bool]  # test rows: shown with "show test data"

    def __len__(self) -> int:
        return len(self.cx)

    @classmethod
    def none(cls) -> PlanePoints:
        return cls([], [], [], [])


@dataclass
class AxisTick:
    at: float  # 0 .. PLANE along its axis (y from the top)
    label: str


@dataclass
class PlanePlot:
    """The data plot. Everything but the points comes from the parameters and the session's
    data alone (what _maps holds); the points from the rows and the plane, the outlined batch
    from the batch: both are drawn the first time something reads them, so an answer without
    them draws none."""
    kind: str  # boundary | regression | none | single (one sample: nothing to plot)
    image_uri: str = ""
    discrete_uri: str = ""
    curve: str = ""
    x_ticks: list[AxisTick] = field(default_factory=list)
    y_ticks: list[AxisTick] = field(default_factory=list)
    unit_maps: dict[tuple[int, int], str] = field(default_factory=dict)
    held_out: int = 0  # how many held-out rows the plot has
    x_range: tuple[float, float] = (0.0, 1.0)  # the data's values at the plane's left and right edges
    y_range: tuple[float, float] = (0.0, 1.0)  # ... at its bottom and top
    # what the points are drawn from: the session's rows (inputs, targets, held-out mask), the batch's row numbers
    session_id: str = ""
    rows: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    batch_rows: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def points(self) -> PlanePoints:
        """The session's rows, at most MAX_POINTS, whatever the batch (they change only with the plane)."""
        if self.rows is None:
            return PlanePoints.none()
        return _points(self, np.arange(min(len(self.rows[0]), MAX_POINTS)))

    @cached_property
    def batch_points(self) -> PlanePoints:
        """The batch's rows, drawn again on top of the points and outlined: a new batch sends only
        these. None of them when the batch is every training row (outlining them all says nothing)."""
        if self.rows is None or self.batch_rows is None:
            return PlanePoints.none()
        held_out = self.rows[2]
        in_batch = np.zeros(len(held_out), dtype=bool)
        in_batch[self.batch_rows] = True
        if in_batch[~held_out].all():
            return PlanePoints.none()
        return _points(self, np.flatnonzero(in_batch)[:MAX_POINTS])

    @property
    def picture_bytes(self) -> int:
        """About what the parameters' part holds: its images and its curve."""
        return len(self.image_uri) + len(self.discrete_uri) + len(self.curve) + sum(len(uri) for uri in self.unit_maps.values())


def _extent(values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo or 2.0
    return lo - PAD * span, hi + PAD * span


def _square(x_range: tuple[float, float], y_range: tuple[float, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Both ranges widened to the longer one, about their middles: one unit is as long on both axes."""
    span = max(x_range[1] - x_range[0], y_range[1] - y_range[0])
    def centred(r):
        middle = (r[0] + r[1]) / 2
        return middle - span / 2, middle + span / 2
    return centred(x_range), centred(y_range)


def _ticks(lo: float, hi: float, flip: bool) -> list[AxisTick]:
    step = nice_step(hi - lo, TICKS)
    out = []
    for value in nice_ticks(lo, hi, TICKS):
        at = (value - lo) / (hi - lo) * PLANE
        out.append(AxisTick(round(float(PLANE - at if flip else at), 1), tick_label(float(value), step).replace("-", MINUS)))
    return out


def _map_rgb(values: np.ndarray, value_range, stride: int = 1, discrete: bool = False) -> np.ndarray:
    """(GRID*GRID,) activations -> (GRID/stride, GRID/stride, 3) tinted RGB, row 0 at the top (largest x2).
    The scale comes from every value (an unbounded layer's largest); only the pixels kept are coloured."""
    t = colors.activation_t(values, value_range).reshape(GRID, GRID)[::-stride, ::stride]
    if discrete:  # two colours: the scale's ends
        return np.where((t >= 0)[..., None], _DISCRETE_RGB[1], _DISCRETE_RGB[0])
    return colors.tinted_diverging_rgb(t)


_DISCRETE_RGB = colors.tinted(colors.diverging_rgb(np.array([-1.0, 1.0])))  # below 0, from 0 up


def _class_rgb(probabilities: np.ndarray, discrete: bool = False) -> np.ndarray:
    """k-class outputs: the winning class's colour, paler where the network is unsure."""
    k = probabilities.shape[1]
    palette = np.array([colors.from_hex(c) for c in colors.CLASS_COLORS], dtype=float)
    winner = probabilities.argmax(axis=1) % len(palette)
    confidence = np.clip((probabilities.max(axis=1) - 1 / k) / (1 - 1 / k), 0, 1)[:, None]
    if discrete:
        confidence = np.ones_like(confidence)
    rgb = 255 + (palette[winner] - 255) * confidence
    return colors.tinted(rgb).reshape(GRID, GRID, 3)[::-1]


POSITIVE_HEX, NEGATIVE_HEX = colors.to_hex(colors.POSITIVE), colors.to_hex(colors.NEGATIVE)


def _point_fills(targets: np.ndarray) -> list[str]:
    """A point's colour: its class's, or for one output blue from 0.5 up, orange below."""
    if targets.shape[1] == 1:
        return [POSITIVE_HEX if positive else NEGATIVE_HEX for positive in (targets[:, 0] >= 0.5).tolist()]
    classes = len(colors.CLASS_COLORS)
    return [colors.CLASS_COLORS[k % classes] for k in targets.argmax(axis=1).tolist()]


class SessionCache:
    """What was drawn last for each session, under the key it was drawn for. One entry per
    session, which the session's next key replaces: sessions stepped in turn never push each
    other's entries out with stale ones. Past max_sessions entries or max_bytes the least
    recently used session's goes. Only a cache: a miss draws the same thing again."""

    def __init__(self, max_sessions: int, max_bytes: int):
        self.max_sessions, self.max_bytes = max_sessions, max_bytes
        self._entries: OrderedDict[str, tuple[object, object, int]] = OrderedDict()  # session -> (key, value, bytes)
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, session_id: str, key):
        """The session's value if it was drawn for `key`, else None."""
        with self._lock:
            entry = self._entries.get(session_id)
            if entry is None or entry[0] != key:
                return None
            self._entries.move_to_end(session_id)
            return entry[1]

    def put(self, session_id: str, key, value, size: int) -> None:
        with self._lock:
            self._drop(session_id)
            self._entries[session_id] = (key, value, size)
            self._bytes += size
            while len(self._entries) > self.max_sessions or (self._bytes > self.max_bytes and len(self._entries) > 1):
                self._drop(next(iter(self._entries)))

    def _drop(self, session_id: str) -> None:
        entry = self._entries.pop(session_id, None)
        if entry is not None:
            self._bytes -= entry[2]

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def held_bytes(self) -> int:
        return self._bytes


def parameters_key(doc: dict) -> bytes:
    """The session and every weight and bias: the session id stands for its data and its
    network's shape, which never change; the parameters for everything else the maps show."""
    digest = hashlib.blake2b(str(doc["id"]).encode(), digest_size=20)
    for layer in doc["layers"][1:]:
        digest.update(np.ascontiguousarray(layer["W"], dtype=float).tobytes())
        digest.update(np.ascontiguousarray(layer["b"], dtype=float).tobytes())
    return digest.digest()


CACHED_SESSIONS = 256
# the maps of each session's newest parameters (a forward, loss or backward step leaves them as
# they were, and so does a new batch, which only outlines other points)
_maps = SessionCache(CACHED_SESSIONS, 32 * 2**20)
# the circles of each session's rows on its plane: the same for every batch, and for every update
# of a boundary (its plane stays put; a fitted curve's moves its y axis, which is a new key)
_circles = SessionCache(CACHED_SESSIONS, 16 * 2**20)


def plane_plot(doc: dict, layer_outputs, dataset) -> PlanePlot:
    """layer_outputs: inputs (rows, n_in) -> [a_0, ..., a_L]; dataset: () -> (inputs, targets) of
    every row, or (inputs, targets, held_out) with a boolean mask of the held-out rows (both the
    service's, bound to the session)."""
    batch = doc.get("batch")
    if not batch or batch.get("inputs") is None:
        return PlanePlot("none")
    rows = _rows(dataset)
    session_id, key = str(doc["id"]), parameters_key(doc)
    plot = _maps.get(session_id, key)
    if plot is None:
        plot = _plane_plot(doc, layer_outputs, rows)
        _maps.put(session_id, key, plot, plot.picture_bytes)
    if plot.kind not in ("boundary", "regression"):
        return plot
    return replace(plot, session_id=session_id, rows=rows, batch_rows=np.asarray(batch["indices"], dtype=int))


def _rows(dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every row (inputs, targets, held-out mask), on axes that stay put from batch to batch."""
    inputs, targets, *rest = dataset()
    held_out = np.asarray(rest[0], dtype=bool) if rest else np.zeros(len(inputs), dtype=bool)
    return inputs, targets, held_out


def _plane_plot(doc: dict, layer_outputs, rows) -> PlanePlot:
    sizes = [int(layer["size"]) for layer in doc["layers"]]
    inputs, targets, held_out = rows
    columns = inputs.shape[1]  # the plane is the data's raw columns, whatever features the network sees
    if not (columns == 2 or (columns == 1 and sizes[-1] == 1)):
        return PlanePlot("none")
    if len(inputs) < 2:
        return PlanePlot("single")
    if columns == 2:
        plot = _boundary(doc, sizes, inputs, layer_outputs)
    else:
        plot = _regression(inputs, targets, layer_outputs)
    plot.held_out = int(held_out.sum())
    return plot


def _boundary(doc, sizes, inputs, layer_outputs) -> PlanePlot:
    (x_lo, x_hi), (y_lo, y_hi) = _square(_extent(inputs[:, 0]), _extent(inputs[:, 1]))
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, GRID), np.linspace(y_lo, y_hi, GRID))
    grid = np.column_stack([gx.ravel(), gy.ravel()])  # (GRID*GRID, 2), row-major from the bottom
    outputs = layer_outputs(grid)
    ranges = [None] + [get_activation(layer["activation"]).output_range for layer in doc["layers"][1:]]
    out = np.asarray(outputs[-1])
    if sizes[-1] == 1:
        image, discrete = _map_rgb(out[:, 0], ranges[-1]), _map_rgb(out[:, 0], ranges[-1], discrete=True)
    else:
        image, discrete = _class_rgb(out), _class_rgb(out, discrete=True)
    unit_maps = {}
    if sum(sizes[1:-1]) <= MAX_HIDDEN_MAPS:
        for l in range(1, len(sizes) - 1):
            a = np.asarray(outputs[l])
            for j in range(sizes[l]):
                unit_maps[(l, j)] = png_data_uri(_map_rgb(a[:, j], ranges[l], UNIT_MAP_STRIDE))
    return PlanePlot("boundary", image_uri=png_data_uri(image), discrete_uri=png_data_uri(discrete),
                     x_ticks=_ticks(x_lo, x_hi, False), y_ticks=_ticks(y_lo, y_hi, True), unit_maps=unit_maps,
                     x_range=(x_lo, x_hi), y_range=(y_lo, y_hi))


def _regression(inputs, targets, layer_outputs) -> PlanePlot:
    x_lo, x_hi = _extent(inputs[:, 0])
    xs = np.linspace(x_lo, x_hi, CURVE_POINTS)
    fitted = np.asarray(layer_outputs(xs[:, None])[-1])[:, 0]
    both = np.concatenate([targets[:, 0], np.clip(fitted, targets.min() - 10, targets.max() + 10)])
    y_lo, y_hi = _extent(both)
    px = (xs - x_lo) / (x_hi - x_lo) * PLANE
    py = PLANE - (np.clip(fitted, y_lo, y_hi) - y_lo) / (y_hi - y_lo) * PLANE
    curve = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(px.tolist(), py.tolist()))
    return PlanePlot("regression", curve=curve, x_ticks=_ticks(x_lo, x_hi, False), y_ticks=_ticks(y_lo, y_hi, True),
                     x_range=(x_lo, x_hi), y_range=(y_lo, y_hi))


def _points(plot: PlanePlot, order: np.ndarray) -> PlanePoints:
    """The rows `order` names, on the plane."""
    inputs, targets, held_out = plot.rows
    (x_lo, x_hi), (y_lo, y_hi) = plot.x_range, plot.y_range
    if plot.kind == "boundary":
        ys, fills = inputs[order, 1], _point_fills(targets[order])
    else:
        ys, fills = targets[order, 0], [POSITIVE_HEX] * len(order)
    cx = ((inputs[order, 0] - x_lo) / (x_hi - x_lo) * PLANE).tolist()
    cy = (PLANE - (ys - y_lo) / (y_hi - y_lo) * PLANE).tolist()
    return PlanePoints(cx, cy, fills, held_out[order].tolist())


# %.1f writes round(x, 1) as str() would (both round the exact binary value), for a fraction of the time
CIRCLE = '<circle class="%s" cx="%.1f" cy="%.1f" r="%s" fill="%s"/>'
POINT_CLASSES = {False: "point", True: "point held-out"}


def points_svg(plot: PlanePlot, frame: PlotFrame) -> Markup:
    """The points' circles, written here rather than in the template: 400 circles through a Jinja
    loop cost more than the rest of a step's answer. Only numbers and colours, nothing to escape.
    Cached per session: the plane and the radius are all they depend on besides the session's
    rows, so an answer sends them only with the whole plot."""
    key = (plot.kind, plot.x_range, plot.y_range, frame.point_r)
    circles = _circles.get(plot.session_id, key) if plot.session_id else None
    if circles is None:
        circles = _circles_svg(plot.points, [POINT_CLASSES[held] for held in plot.points.held_out], frame.point_r)
        if plot.session_id:
            _circles.put(plot.session_id, key, circles, len(circles))
    return circles


def batch_svg(plot: PlanePlot, frame: PlotFrame) -> Markup:
    """The batch's points, outlined, over the others (a step that takes a new batch sends only these)."""
    points = plot.batch_points
    return _circles_svg(points, ["point in-batch"] * len(points), frame.batch_r)


def _circles_svg(points: PlanePoints, classes: list[str], r: float) -> Markup:
    """One % for all the circles (a string per circle was most of their time)."""
    radius = str(r)
    values = tuple(chain.from_iterable(zip(classes, points.cx, points.cy, [radius] * len(points), points.fills)))
    return Markup("\n      ".join([CIRCLE] * len(points)) % values)  # indented as the template's line


# --- the plot on a screen ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlotSize:
    """The plot's square in CSS pixels and its tick type (app.css sizes .plane to match)."""
    side: float
    tick: float
    point: float  # a point's radius in px (the batch's are larger)


LAPTOP_PLOT = PlotSize(side=300, tick=13, point=4.0)
PROJECTOR_PLOT = PlotSize(side=450, tick=24, point=6.5)


@dataclass
class FrameTick:
    x: float
    y: float
    x2: float
    y2: float
    label_x: float
    label_y: float
    label: str


@dataclass
class PlotFrame:
    """Pixel geometry of the plot: the square at (left, top), ticks below and left of it."""
    width: float
    height: float
    left: float
    top: float
    side: float
    tick_size: float
    scale: float  # plot units -> px
    point_r: float  # in plot units, so that it is PlotSize.point px on the screen
    batch_r: float
    x_ticks: list[FrameTick]
    y_ticks: list[FrameTick]


def plot_frame(plot: PlanePlot, size: PlotSize = LAPTOP_PLOT) -> PlotFrame:
    tick_len = size.tick * 0.4
    widest = max((text_width(t.label, size.tick) for t in plot.y_ticks), default=0.0)
    left = widest + size.tick * 0.3 + tick_len + 2  # the y labels fit left of the square
    top = size.tick * 0.7  # half a label above the top tick
    scale = size.side / PLANE
    bottom = top + size.side
    x_ticks = [FrameTick(round(left + t.at * scale, 1), bottom, round(left + t.at * scale, 1), bottom + tick_len,
                         round(left + t.at * scale, 1), round(bottom + tick_len + size.tick * 0.65, 1), t.label)
               for t in plot.x_ticks]
    y_ticks = [FrameTick(left - tick_len, round(top + t.at * scale, 1), left, round(top + t.at * scale, 1),
                         round(left - tick_len - size.tick * 0.3, 1), round(top + t.at * scale, 1), t.label)
               for t in plot.y_ticks]
    return PlotFrame(
        width=round(left + size.side + max((text_width(t.label, size.tick) for t in plot.x_ticks), default=0.0) / 2 + 2, 1), height=round(bottom + tick_len + size.tick * 1.4, 1),
        left=round(left, 1), top=round(top, 1), side=size.side, tick_size=size.tick, scale=scale,
        point_r=round(size.point / scale, 2), batch_r=round(size.point * 1.35 / scale, 2),
        x_ticks=x_ticks, y_ticks=y_ticks,
    )
