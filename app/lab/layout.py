"""A Session document -> the view of the network drawing: units, edges, colours, coordinates.

All geometry, colours and number formatting happen here so that templates/lab/partials/network.html
only prints attributes. Layers are numbered 0..L as everywhere; the edge i -> j into layer l is
W[l][j, i] with SVG id edge-{l}-{j}-{i}.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.engine.activations import ACTIVATIONS
from app.i18n import _, ngettext
from app.ui import colors
from app.ui.numbers import attr, fmt

WIDTH = 1000
MARGIN_LEFT = 62
MARGIN_RIGHT = 150  # room for y_hat / y beside the output units
TOP = 64  # column titles and the flow arrow
BOTTOM = 16
USABLE_HEIGHT = 500
MAX_SLOT_GAP = 120

# Readable up to 8 weight layers of 16 units; beyond, layers are cut to their first and last units.
READABLE_LAYERS = 8
READABLE_UNITS = 16
SUMMARY_UNITS = 8
TAIL_UNITS = 2

MIN_RADIUS_FOR_NUMBERS = 14.0
MIN_RADIUS_FOR_MAPS = 14.0
EDGE_WIDTH = (0.6, 5.0)  # clamped: the thinnest stays visible, the widest does not swamp
GRAD_WIDTH = (0.8, 4.0)
# Up to this many edges each gets a tooltip, a tab stop and a wide invisible click target; beyond,
# the markup (and the time to send and swap it) would grow by half for little use.
MAX_DETAILED_EDGES = 400


@dataclass(slots=True)
class BiasView:
    x: float
    y: float
    size: float
    fill: str
    data_b: str
    label: str
    label_x: float
    label_y: float
    title: str = ""  # the tooltip and the accessible name


@dataclass(slots=True)
class OutputView:
    x: float
    y_hat_y: float
    target_y: float
    y_hat: str
    target: str


@dataclass(slots=True)
class UnitView:
    layer: int
    unit: int
    x: float
    y: float
    r: float
    fill: str
    text_fill: str
    label: str
    data_a: str
    title: str
    bias: BiasView | None = None
    output: OutputView | None = None
    map_uri: str | None = None
    map_x: float = 0.0
    map_y: float = 0.0
    map_size: float = 0.0
    feature: str = ""  # an input unit computed from the data's columns: its feature (x1^2, ...)
    feature_x: float = 0.0
    feature_y: float = 0.0


@dataclass(slots=True)
class EdgeView:
    layer: int
    to: int
    from_: int
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float
    data_w: str
    data_grad: str
    title: str
    grad_stroke: str | None
    grad_width: float


@dataclass(slots=True)
class ColumnView:
    layer: int
    x: float
    title: str
    subtitle: str
    note: str
    ellipses: list[tuple[float, float]]
    note_y: float
    highlight: tuple[float, float, float, float] | None  # x, y, width, height


@dataclass(slots=True)
class FlowView:
    kind: str  # forward | backward | loss | update
    x1: float
    x2: float
    y: float
    label: str
    label_x: float = 0.0
    label_y: float = 0.0
    anchor: str = "start"

    def __post_init__(self):
        """The label sits above the middle of the arrow: it never runs off the drawing."""
        self.anchor, self.label_x, self.label_y = "middle", round((self.x1 + self.x2) / 2, 1), round(self.y - 8, 1)


@dataclass(slots=True)
class NetworkView:
    width: int
    height: float
    columns: list[ColumnView]
    units: list[UnitView]
    edges: list[EdgeView]
    flow: FlowView | None
    phase: str  # the last step's phase, '' before the first step: a CSS hook
    active_layer: int | None
    show_numbers: bool
    value_font: float  # the number inside a unit grows with the unit
    hit_areas: bool
    summarized: bool
    focus: int
    batch_rows: int
    weight_scale: str
    grad_scale: str
    probabilities: bool = False  # some layer is sigmoid or softmax: its colour scale is 0 .. 0.5 .. 1
    text_scale: str = "100"  # a tall drawing is shrunk to fit the panel: its labels grow to stay readable
    with_maps: bool = False
    notes: list[str] = field(default_factory=list)


def drawn_units(size: int, cap: int) -> list[int | None]:
    """The unit indices drawn for a layer, None where an ellipsis stands for the units left out."""
    if size <= cap:
        return list(range(size))
    head = cap - TAIL_UNITS - 1
    return list(range(head)) + [None] + list(range(size - TAIL_UNITS, size))


def clamp_focus(doc: dict, focus: int) -> int:
    rows = batch_rows(doc)
    return min(max(int(focus), 0), max(rows - 1, 0))


def batch_rows(doc: dict) -> int:
    a0 = doc["layers"][0].get("a")
    return 0 if a0 is None else int(np.asarray(a0).shape[0])


def _row(array, focus: int) -> np.ndarray | None:
    """The focus row of a (B, n) array, or None when it is not computed (or the view is compact)."""
    if array is None:
        return None
    array = np.asarray(array, dtype=float)
    return array[focus] if array.shape[0] > focus else None


def _scaled(values: np.ndarray, scale: float, low: float, high: float) -> np.ndarray:
    return np.clip(low + (high - low) * np.abs(values) / scale, low, high)


def _layer_title(layer: int, last: int) -> str:
    if layer == 0:
        return _("Input")
    if layer == last:  # many columns leave no room for the long title
        return _("Output (layer %(layer)d)") % {"layer": layer} if last <= 5 else _("Output")
    return _("Layer %(layer)d") % {"layer": layer}


def _column_subtitle(size: int, activation: str | None) -> str:
    units = ngettext("%(size)d unit", "%(size)d units", size) % {"size": size}
    return units if activation is None else f"{units} \u00b7 {activation}"


def grad_scale_of(doc: dict) -> float:
    """The largest |dL/dw| computed so far: the widest gradient stroke (1.0 before any)."""
    grads = [np.asarray(layer["grad"]["W"]) for layer in doc["layers"][1:] if layer["grad"]["W"] is not None]
    return max((float(np.max(np.abs(g))) for g in grads), default=0.0) or 1.0


@dataclass(slots=True)
class Geometry:
    """Where things go: one column per layer, one slot per drawn unit (or ellipsis)."""
    slots: list[list[int | None]]
    slot_gap: float
    height: float
    r: float
    xs: list[float]

    def y(self, layer: int, slot: int) -> float:
        offset = (max(len(s) for s in self.slots) - len(self.slots[layer])) * self.slot_gap / 2
        return round(TOP + offset + (slot + 0.5) * self.slot_gap, 1)


# The panel shows the drawing about PANEL_ASPECT times as wide as high (1366x768 and projectors
# alike); a drawing taller than that is shrunk to the panel's height, and its text with it.
PANEL_ASPECT = 2.65
TEXT_SCALES = (100, 125)  # CSS classes text-scale-N multiply the label sizes; more would collide


def text_scale(height: float) -> str:
    """The label size multiplier (in %) that undoes the shrinking of a tall drawing."""
    shrink = height * PANEL_ASPECT / WIDTH  # how much more the height limits than the width
    wanted = 100 * max(1.0, shrink)
    return str(min(TEXT_SCALES, key=lambda scale: abs(scale - wanted)))


def geometry(sizes: list[int]) -> Geometry:
    last = len(sizes) - 1
    cap = READABLE_UNITS if last <= READABLE_LAYERS else SUMMARY_UNITS
    slots = [drawn_units(size, cap) for size in sizes]
    max_slots = max(len(s) for s in slots)
    slot_gap = min(USABLE_HEIGHT / max_slots, MAX_SLOT_GAP)  # few units: a wide, low drawing
    col_gap = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / last
    return Geometry(
        slots=slots,
        slot_gap=slot_gap,
        height=round(TOP + BOTTOM + slot_gap * max_slots, 1),
        r=round(min(slot_gap * 0.36, col_gap * 0.16, 34.0), 1),
        xs=[round(MARGIN_LEFT + l * col_gap, 1) for l in range(last + 1)],
    )


def _unit(doc: dict, l: int, j: int, x: float, y: float, geo: Geometry, a_row, t_row, fills,
          weight_scale: float, targets, map_uri: str | None) -> UnitView:
    layer = doc["layers"][l]
    r = geo.r
    show_numbers = r >= MIN_RADIUS_FOR_NUMBERS
    a_value = None if a_row is None else float(a_row[j])
    unit = UnitView(
        layer=l, unit=j, x=x, y=y, r=r,
        fill=fills[j] if fills else "#ffffff",
        text_fill=colors.text_color_on(float(t_row[j])) if (t_row is not None and not map_uri) else "#111111",
        label=fmt(a_value, 3) if (show_numbers and a_value is not None) else "",
        data_a=attr(a_value),
        title=_("Layer %(layer)d, unit %(unit)d: a = %(a)s") % {"layer": l, "unit": j, "a": fmt(a_value)},
    )
    features = (doc["config"].get("data") or {}).get("features") if l == 0 else None
    if features:
        unit.feature, unit.feature_x, unit.feature_y = features[j], round(x - r - 6, 1), y
        unit.title = _("Input %(unit)d is the feature %(feature)s: a = %(a)s") % {"unit": j, "feature": features[j], "a": fmt(a_value)}
    if l >= 1:
        b = float(np.asarray(layer["b"], dtype=float)[j])
        size = round(max(6.0, r * 0.5), 1)
        unit.bias = BiasView(
            x=round(x - r - size * 0.3, 1), y=round(y - r - size * 0.3, 1), size=size,
            fill=colors.diverging_hex(b / weight_scale), data_b=attr(b),
            label=("b " + fmt(b, 3)) if show_numbers else "", label_x=x, label_y=round(y + r + 11, 1),
            title=_("Bias of unit %(unit)d of layer %(layer)d: b = %(b)s") % {"unit": j, "layer": l, "b": fmt(b, 6)},
        )
    if l == len(doc["layers"]) - 1 and targets is not None:
        unit.output = OutputView(
            x=round(x + r + 8, 1), y_hat_y=round(y - 2, 1), target_y=round(y + 13, 1),
            y_hat="\u0177 " + fmt(a_value, 4), target="y " + fmt(float(targets[j]), 4),
        )
    if map_uri:
        unit.map_uri = map_uri
        unit.map_size = round(r * 1.44, 1)
        unit.map_x = round(x - r * 0.72, 1)
        unit.map_y = round(y - r * 0.72, 1)
    return unit


def _layer_units(doc: dict, l: int, geo: Geometry, focus: int, weight_scale: float, targets,
                 unit_maps: dict) -> tuple[list[UnitView], dict[int, float], list[tuple[float, float]]]:
    """The drawn units of layer l, their y by unit index, and where the ellipsis goes."""
    activation = doc["layers"][l].get("activation")
    a_row = _row(doc["layers"][l].get("a"), focus)
    t_row = colors.activation_t(a_row, activation) if a_row is not None else None
    fills = colors.diverging_hex_many(t_row) if t_row is not None else None
    units, y_by_unit, ellipses = [], {}, []
    x = geo.xs[l]
    for slot, j in enumerate(geo.slots[l]):
        y = geo.y(l, slot)
        if j is None:
            ellipses.append((x, y))
            continue
        y_by_unit[j] = y
        map_uri = unit_maps.get((l, j)) if geo.r >= MIN_RADIUS_FOR_MAPS else None
        units.append(_unit(doc, l, j, x, y, geo, a_row, t_row, fills, weight_scale, targets, map_uri))
    return units, y_by_unit, ellipses


def _column(doc: dict, l: int, geo: Geometry, shown: int, ellipses, phase: str, active_layer: int | None) -> ColumnView:
    size = int(doc["layers"][l]["size"])
    last = len(doc["layers"]) - 1
    highlight = None
    if active_layer == l and phase in ("forward", "backward", "loss"):
        top_y = geo.y(l, 0) - geo.slot_gap / 2
        highlight = (round(geo.xs[l] - geo.r - 8, 1), round(top_y, 1), round(2 * geo.r + 16, 1),
                     round(geo.slot_gap * len(geo.slots[l]), 1))
    return ColumnView(
        layer=l, x=geo.xs[l], title=_layer_title(l, last),
        subtitle=_column_subtitle(size, doc["layers"][l].get("activation")),
        note=_("%(shown)d of %(size)d units shown") % {"shown": shown, "size": size} if shown < size else "",
        ellipses=ellipses, note_y=round(geo.height - 2, 1), highlight=highlight,
    )


def _layer_edges(doc: dict, l: int, geo: Geometry, positions: list[dict[int, float]], weight_scale: float,
                 grad_scale: float, detailed: bool) -> list[EdgeView]:
    """The drawn edges into layer l, vectorised per layer: colours and widths from the clamped scales."""
    to_units, from_units = list(positions[l]), list(positions[l - 1])
    W = np.asarray(doc["layers"][l]["W"], dtype=float)[np.ix_(to_units, from_units)]
    strokes = colors.diverging_hex_many(W / weight_scale)
    widths = np.round(_scaled(W, weight_scale, *EDGE_WIDTH), 2).tolist()
    w_rows = W.tolist()
    grad = doc["layers"][l]["grad"]["W"]
    G = None if grad is None else np.asarray(grad, dtype=float)[np.ix_(to_units, from_units)]
    g_rows = None if G is None else G.tolist()
    grad_widths = None if G is None else np.round(_scaled(G, grad_scale, *GRAD_WIDTH), 2).tolist()
    x1, x2 = round(geo.xs[l - 1] + geo.r, 1), round(geo.xs[l] - geo.r, 1)
    y_from = [positions[l - 1][i] for i in from_units]
    edges = []
    for row, j in enumerate(to_units):
        y2 = positions[l][j]
        for col, i in enumerate(from_units):
            w = w_rows[row][col]
            g = None if g_rows is None else g_rows[row][col]
            title = ""
            if detailed:  # 2 numbers formatted per edge cost more than the rest: small nets only
                title = f"w = {fmt(w)}" if g is None else f"w = {fmt(w)}, \u2202L/\u2202w = {fmt(g)}"
            edges.append(EdgeView(
                l, j, i, x1, y_from[col], x2, y2, strokes[row * len(from_units) + col], widths[row][col],
                repr(w), "" if g is None else repr(g), title,
                None if g is None else (colors.GRAD_POSITIVE if g >= 0 else colors.GRAD_NEGATIVE),
                0.0 if g is None else grad_widths[row][col],
            ))
    return edges


def build_network_view(doc: dict, focus: int = 0, unit_maps: dict[tuple[int, int], str] | None = None,
                       edge_layers=None) -> NetworkView:
    """edge_layers: the layers whose edges to build (None: all); a step that changes no weight
    needs only the edges of the layer whose gradients it computed."""
    layers = doc["layers"]
    sizes = [int(layer["size"]) for layer in layers]
    last = len(sizes) - 1
    focus = clamp_focus(doc, focus)
    geo = geometry(sizes)
    last_step = doc.get("last_step") or {}
    phase = last_step.get("phase", "")
    active_layer = last_step.get("layer", last if phase == "loss" else None)
    weight_scale = max(float(np.max(np.abs(np.asarray(layer["W"])))) for layer in layers[1:]) or 1.0
    grad_scale = grad_scale_of(doc)
    targets = _row(doc["batch"].get("targets") if doc.get("batch") else None, focus)

    columns: list[ColumnView] = []
    units: list[UnitView] = []
    positions: list[dict[int, float]] = []
    for l in range(last + 1):
        layer_units, y_by_unit, ellipses = _layer_units(doc, l, geo, focus, weight_scale, targets, unit_maps or {})
        units += layer_units
        positions.append(y_by_unit)
        columns.append(_column(doc, l, geo, len(y_by_unit), ellipses, phase, active_layer))

    detailed = sum(len(positions[l]) * len(positions[l - 1]) for l in range(1, last + 1)) <= MAX_DETAILED_EDGES
    edges: list[EdgeView] = []
    for l in range(1, last + 1) if edge_layers is None else sorted(edge_layers):
        edges += _layer_edges(doc, l, geo, positions, weight_scale, grad_scale, detailed)

    return NetworkView(
        width=WIDTH,
        height=geo.height,
        columns=columns,
        units=units,
        edges=edges,
        flow=_flow(phase, active_layer, geo.xs, last),
        phase=phase,
        active_layer=active_layer,
        show_numbers=geo.r >= MIN_RADIUS_FOR_NUMBERS,
        value_font=round(min(max(geo.r * 0.48, 9.0), 16.0), 1),
        hit_areas=detailed,
        summarized=not (last <= READABLE_LAYERS and max(sizes) <= READABLE_UNITS),
        focus=focus,
        batch_rows=batch_rows(doc),
        weight_scale=fmt(weight_scale, 3),
        grad_scale=fmt(grad_scale, 3) if any(layer["grad"]["W"] is not None for layer in layers[1:]) else "",
        with_maps=any(u.map_uri for u in units),
        probabilities=any(ACTIVATIONS[layer["activation"]].output_range == (0.0, 1.0) for layer in layers[1:]),
        text_scale=text_scale(geo.height),
    )


def _flow(phase: str, layer: int | None, xs: list[float], last: int) -> FlowView | None:
    """The arrow above the drawing that says which way the last step went."""
    y = 26.0
    if phase == "forward":
        return FlowView("forward", xs[layer - 1], xs[layer], y, _("forward \u2192 layer %(layer)d") % {"layer": layer})
    if phase == "backward":
        return FlowView("backward", xs[layer], xs[layer - 1], y, _("\u2190 backward through layer %(layer)d") % {"layer": layer})
    if phase == "loss":
        return FlowView("loss", round(xs[last] - 60, 1), round(xs[last] + 60, 1), y, _("loss"))
    if phase == "update":
        return FlowView("update", xs[0], xs[last], y, _("update: every weight and bias"))
    return None
