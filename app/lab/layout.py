"""A Session document -> the view of the network drawing: units, edges, colours, coordinates, text.

All geometry, colours and number formatting happen here so that templates/lab/partials/network*.html
only print attributes. Layers are numbered 0..L as everywhere; the edge i -> j into layer l is
W[l][j, i] with SVG id edge-{l}-{j}-{i}.

The drawing is laid out for a Canvas: the box app.css gives #network in CSS pixels (laptop or
projector), so one unit of the viewBox is one pixel on the screen and a font size here is the
size a class reads. Every text is placed where its estimated box (text_width) fits; where a layer
is too dense for its numbers at the smallest legible size, the numbers are left out (they stay in
the tooltips, the readout and the inspector) instead of being shrunk.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from app.engine.activations import get_activation
from app.i18n import _, current_locale, ngettext
from app.ui import colors
from app.ui.choices import short_label
from app.ui.numbers import attr, fmt


@dataclass(frozen=True)
class Canvas:
    """The drawing's box in CSS pixels and its type sizes (px); app.css sizes #network to match."""
    name: str
    width: float
    height: float
    text: float  # the smallest type: subtitles, bias labels, targets, notes, edge numbers
    title: float  # column titles
    value: float  # the number inside a unit (bold)
    flow: float  # the label of the arrow that says which way the last step went
    pad: float  # the gap between two texts, and around the drawing
    max_radius: float  # few units: they stop growing here
    min_radius: float  # a unit smaller than this is a dot: the layer is cut to fewer units instead


LAPTOP = Canvas("laptop", width=840, height=372, text=13, title=15, value=14, flow=14, pad=6,
                max_radius=46, min_radius=11)
PROJECTOR = Canvas("projector", width=1220, height=500, text=24, title=26, value=24, flow=24, pad=10,
                   max_radius=84, min_radius=17)

# Beyond 8 weight layers the columns are too narrow for anything but dots: such networks are cut
# to SUMMARY_UNITS per layer (the first ones, an ellipsis, the last TAIL_UNITS).
READABLE_LAYERS = 8
READABLE_UNITS = 16
SUMMARY_UNITS = 8
TAIL_UNITS = 2

RADIUS_OF_GAP = 0.45  # a unit's radius as a share of its slot when no bias label sits below it
RADIUS_OF_COLUMN = 0.2  # ... and of the gap between two columns (room for the edges to fan out)
MAP_OF_RADIUS = 0.72  # a hidden unit's map (thumbnail) spans this share of the radius each way
MIN_RADIUS_FOR_MAPS = 10.0
BIAS_OF_RADIUS = 0.42  # the bias square's side as a share of the radius (MIN_BIAS px at least)
MIN_BIAS = 8.0
ON_THE_RIM = 0.71  # cos 45°: the bias square sits on the unit's rim, top left
OUTPUT_ROWS = 2.2  # y_hat and y need this many lines of the slot
OUTPUT_SPACING = 0.55  # ... and sit this many lines above and below the unit's centre
EDGE_WIDTH = (0.6, 5.0)  # clamped: the thinnest stays visible, the widest does not swamp
GRAD_WIDTH = (2.0, 5.0)
CASING = 2.0  # the white line under a gradient is this much wider: visible on any weight colour
LABELLED_EDGES = 6  # a layer with at most this many drawn edges gets its numbers on the edges
EDGE_LABEL_AT = (0.28, 0.72)  # where along an edge its number may sit (from the source)
# Up to this many edges each gets a tooltip, a tab stop and a wide invisible click target; beyond,
# the markup (and the time to send and swap it) would grow by half for little use.
MAX_DETAILED_EDGES = 400

LINE = 1.25  # a line of text is this many times its font size high
BOLD = 1.08  # bold type is about this much wider


@lru_cache(maxsize=4096)
def _char_width(char: str) -> float:
    """The advance of one character in em, from DejaVu Sans (Debian's system-ui) and Noto CJK."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char.isdigit():
        return 0.636
    if char in " .,:;·'|ilj":
        return 0.32
    if char in "()[]-":
        return 0.39
    if char in "\u2212+=\u2190\u2192\u00d7":
        return 0.84
    if char.isupper():
        return 0.72
    return 0.61


@lru_cache(maxsize=8192)  # a step measures ~50 texts, most of them the same as the last step's
def text_width(text: str, size: float, bold: bool = False) -> float:
    """The estimated width in px of a text at a font size: a little wide rather than narrow."""
    return sum(_char_width(c) for c in text) * size * (BOLD if bold else 1.0)


@dataclass(slots=True)
class TextView:
    """One text of the drawing, centred on (x, y) (dominant-baseline central, text-anchor middle)."""
    x: float
    y: float
    text: str
    size: float
    kind: str  # a CSS class: column-title, column-subtitle, column-note, bias-label, y-hat, target, edge-label
    fill: str = ""  # empty: the CSS colour of its kind
    bold: bool = False

    @property
    def box(self) -> tuple[float, float, float, float]:
        width = text_width(self.text, self.size, self.bold)
        return self.x - width / 2, self.y - self.size * LINE / 2, self.x + width / 2, self.y + self.size * LINE / 2


def overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@dataclass(slots=True)
class BiasView:
    x: float
    y: float
    size: float
    fill: str
    data_b: str
    title: str = ""  # the tooltip and the accessible name


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
    grad_sign: str = ""  # positive | negative: the dash pattern of the gradient line


@dataclass(slots=True)
class ColumnView:
    layer: int
    x: float
    ellipses: list[tuple[float, float]]
    highlight: tuple[float, float, float, float] | None  # x, y, width, height


@dataclass(slots=True)
class FlowView:
    kind: str  # forward | backward | loss | update
    segments: list[tuple[float, float]]  # (from x, to x): the tail, then the one with the arrowhead
    y: float
    label: TextView

    @property
    def x1(self) -> float:
        return self.segments[0][0] if self.segments else self.label.x

    @property
    def x2(self) -> float:
        return self.segments[-1][1] if self.segments else self.label.x


@dataclass(slots=True)
class NetworkView:
    width: float
    height: float
    canvas: str  # laptop | projector
    columns: list[ColumnView]
    units: list[UnitView]
    edges: list[EdgeView]
    texts: list[TextView]  # titles, subtitles, notes, bias labels, y_hat and y, edge numbers
    flow: FlowView | None
    phase: str  # the last step's phase, '' before the first step: a CSS hook
    active_layer: int | None
    show_numbers: bool  # the units carry their values (else: hover, the readout, the inspector)
    value_font: float
    hit_areas: bool
    summarized: bool
    focus: int
    batch_rows: int
    weight_scale: str
    grad_scale: str
    probabilities: bool = False  # some layer's output range is 0 .. 1: its colour scale is 0 .. 0.5 .. 1
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


def output_range(activation: str | None) -> tuple[float, float] | None:
    return None if activation is None else get_activation(activation).output_range


def grad_scale_of(doc: dict) -> float:
    """The largest |dL/dw| computed so far: the widest gradient stroke (1.0 before any)."""
    grads = [np.asarray(layer["grad"]["W"]) for layer in doc["layers"][1:] if layer["grad"]["W"] is not None]
    return max((float(np.max(np.abs(g))) for g in grads), default=0.0) or 1.0


# --- geometry --------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)  # one object per sizes and canvas (cached): hashed by identity
class Geometry:
    """Where things go: one column per layer, one slot per drawn unit (or ellipsis)."""
    canvas: Canvas
    slots: list[list[int | None]]
    slot_gap: float
    top: float  # the first slot starts here, under the titles
    r: float
    xs: list[float]
    col_gap: float
    bias_labels: bool  # the slots leave a line below each unit for its bias
    _column_ys: dict[int, list[float]] = field(default_factory=dict)

    def gap(self, layer: int) -> float:
        """A layer with fewer units spreads them a little (up to twice the gap): room for y_hat and y."""
        most = max(len(s) for s in self.slots)
        return min(self.slot_gap * most / len(self.slots[layer]), 2 * self.slot_gap)

    def y(self, layer: int, slot: int) -> float:
        gap = self.gap(layer)
        offset = (max(len(s) for s in self.slots) * self.slot_gap - len(self.slots[layer]) * gap) / 2
        return round(self.top + offset + (slot + 0.5) * gap, 1)

    def column_ys(self, layer: int) -> list[float]:
        """y of every slot of a layer (as y() gives them), computed once per geometry."""
        ys = self._column_ys.get(layer)
        if ys is None:
            ys = self._column_ys[layer] = [self.y(layer, slot) for slot in range(len(self.slots[layer]))]
        return ys


def _header_rows(canvas: Canvas) -> tuple[float, float, float, float]:
    """The y of the flow label, the column titles and the subtitles, and where the units start."""
    flow_y = canvas.pad + canvas.flow * LINE / 2
    title_y = flow_y + canvas.flow * LINE / 2 + canvas.pad / 2 + canvas.title * LINE / 2
    subtitle_y = title_y + canvas.title * LINE / 2 + canvas.text * LINE / 2
    return round(flow_y, 1), round(title_y, 1), round(subtitle_y, 1), round(subtitle_y + canvas.text * LINE / 2 + canvas.pad, 1)


def _output_margin(canvas: Canvas) -> float:
    """Room right of the output column for y_hat and y (a sign and 4 significant digits)."""
    return text_width("\u0177 \u22120.0000", canvas.text, bold=True) + canvas.pad * 2


def geometry(sizes: list[int], canvas: Canvas = LAPTOP) -> Geometry:
    """Where things go for these layer sizes (the same for every step of a session: cached; the
    column titles' language is part of the key, as the margins fit the widest)."""
    return _geometry(tuple(sizes), canvas, current_locale.get())


@lru_cache(maxsize=256)
def _geometry(sizes: tuple[int, ...], canvas: Canvas, _locale: str) -> Geometry:
    last = len(sizes) - 1
    top = _header_rows(canvas)[3]
    cap = READABLE_UNITS if last <= READABLE_LAYERS else SUMMARY_UNITS
    bottom = canvas.text * LINE + canvas.pad  # the "k of n units shown" notes
    usable = canvas.height - top - bottom
    # a layer is cut (first units, an ellipsis, the last ones) where its units would be dots
    cap = max(TAIL_UNITS + 2, min(cap, int(usable // (canvas.min_radius / RADIUS_OF_GAP))))
    slots = [drawn_units(size, cap) for size in sizes]
    max_slots = max(len(s) for s in slots)
    slot_gap = usable / max_slots
    title_half = text_width(_("Input"), canvas.title, True) / 2 + canvas.pad
    bias_row = canvas.text * LINE + canvas.pad / 2
    r = canvas.max_radius
    for _pass in range(2):  # the radius sets the margins, the margins the gap between columns
        left = max(title_half, r) + canvas.pad
        col_gap = (canvas.width - left - r - _output_margin(canvas) - canvas.pad) / last
        with_labels = min((slot_gap - bias_row) / 2, col_gap * RADIUS_OF_COLUMN, canvas.max_radius)
        without = min(slot_gap * RADIUS_OF_GAP, col_gap * RADIUS_OF_COLUMN, canvas.max_radius)
        # bias labels when the units keep room for their numbers with them, else bigger units without
        bias_labels = _value_fits(with_labels, canvas) or not _value_fits(without, canvas)
        r = with_labels if bias_labels and with_labels >= canvas.min_radius else without
    bias_labels = bias_labels and r == with_labels
    if bias_labels:
        top -= bias_row / 2  # the unit sits above its label: centre the pair in the slot
    return Geometry(
        canvas=canvas, slots=slots, slot_gap=slot_gap, top=top, r=round(r, 1),
        xs=[round(left + l * col_gap, 1) for l in range(last + 1)], col_gap=col_gap, bias_labels=bias_labels,
    )


def _value_fits(r: float, canvas: Canvas) -> bool:
    """Whether a unit of radius r holds a 3-digit value ("−0.856") at the canvas's value size."""
    return text_width("\u22120.000", canvas.value, bold=True) <= 2 * r - canvas.pad


# --- the parts -------------------------------------------------------------------------------


def _unit(doc: dict, l: int, j: int, x: float, y: float, geo: Geometry, a_row, fills,
          biases, map_uri: str | None, texts: list[TextView]) -> UnitView:
    """biases: the layer's (value, fill) per unit, None for the input layer."""
    canvas, r = geo.canvas, geo.r
    a_value = None if a_row is None else a_row[j]
    # every unit of the drawing shows its value, or none does (a short "0.5" would fit where
    # "−0.493" does not): too dense, the values are in the tooltip, the readout and the inspector
    label = fmt(a_value, 3) if a_value is not None and _value_fits(r, canvas) else ""
    if text_width(label, canvas.value, bold=True) > 2 * r - canvas.pad:  # a rare "2.29e−5": shorter
        label = fmt(a_value, 1) if text_width(fmt(a_value, 1), canvas.value, bold=True) <= 2 * r - canvas.pad else ""
    fill = fills[j] if fills else "#ffffff"
    unit = UnitView(
        layer=l, unit=j, x=x, y=y, r=r, fill=fill,
        text_fill=colors.TEXT_DARK if map_uri else colors.text_color_on(fill),
        label=label, data_a=attr(a_value),
        title=_("Layer %(layer)d, unit %(unit)d: a = %(a)s") % {"layer": l, "unit": j, "a": fmt(a_value)},
    )
    features = (doc["config"].get("data") or {}).get("features") if l == 0 else None
    if features:
        unit.feature, unit.feature_x, unit.feature_y = features[j], round(x - r - 6, 1), y
        unit.title = _("Input %(unit)d is the feature %(feature)s: a = %(a)s") % {"unit": j, "feature": features[j], "a": fmt(a_value)}
    if biases is not None:
        b, b_fill = biases[j]
        size = round(max(MIN_BIAS, r * BIAS_OF_RADIUS), 1)
        unit.bias = BiasView(
            x=round(x - r * ON_THE_RIM - size / 2, 1), y=round(y - r * ON_THE_RIM - size / 2, 1), size=size,
            fill=b_fill, data_b=attr(b),
            title=_("Bias of unit %(unit)d of layer %(layer)d: b = %(b)s") % {"unit": j, "layer": l, "b": fmt(b, 6)},
        )
        if geo.bias_labels:
            text = TextView(x, round(y + r + canvas.pad / 2 + canvas.text * LINE / 2, 1), "b " + fmt(b, 3), canvas.text, "bias-label")
            if text_width(text.text, canvas.text) <= geo.col_gap - 2 * geo.r - canvas.pad:
                texts.append(text)
    if map_uri:
        unit.map_uri = map_uri
        unit.map_size = round(r * 2 * MAP_OF_RADIUS, 1)
        unit.map_x = round(x - r * MAP_OF_RADIUS, 1)
        unit.map_y = round(y - r * MAP_OF_RADIUS, 1)
    return unit


def _short(value: float) -> str:
    """At most 4 decimals ("0.7514"), values below 0.001 in 2 digits ("0.00032", "2.3e−5"): as wide as the
    margin _output_margin keeps for them; the inspector has every digit."""
    if value == 0 or abs(value) >= 1e-3:
        return fmt(round(value, 4), 4)
    return fmt(value, 2)


def _output_texts(x: float, y: float, geo: Geometry, y_hat: float | None, target: float | None) -> list[TextView]:
    """y_hat and y right of an output unit, when its slot has room for two lines."""
    canvas = geo.canvas
    last = len(geo.slots) - 1
    if y_hat is None or (len(geo.slots[last]) > 1 and geo.gap(last) < OUTPUT_ROWS * canvas.text * LINE + canvas.pad):
        return []
    left = x + geo.r + canvas.pad
    lines = [("\u0177 " + _short(y_hat), "y-hat", True)]
    if target is not None:
        lines.append(("y " + _short(target), "target", False))
    offsets = [-OUTPUT_SPACING, OUTPUT_SPACING] if len(lines) == 2 else [0.0]
    out = []
    for (text, kind, bold), offset in zip(lines, offsets):
        width = text_width(text, canvas.text, bold)
        out.append(TextView(round(left + width / 2, 1), round(y + offset * canvas.text * LINE, 1), text, canvas.text, kind, bold=bold))
    return out


def _layer_units(doc: dict, l: int, geo: Geometry, focus: int, weight_scale: float, targets,
                 unit_maps: dict, texts: list[TextView]) -> tuple[list[UnitView], dict[int, float], list[tuple[float, float]]]:
    """The drawn units of layer l, their y by unit index, and where the ellipsis goes."""
    layer = doc["layers"][l]
    a_array = _row(layer.get("a"), focus)
    a_row = None if a_array is None else a_array.tolist()
    fills = None if a_array is None else colors.diverging_hex_many(colors.activation_t(a_array, output_range(layer.get("activation"))))
    biases = None
    if l >= 1:  # on the weights' scale, a layer at once (one NumPy call per unit cost more than the unit)
        b = np.asarray(layer["b"], dtype=float)
        biases = list(zip(b.tolist(), colors.diverging_hex_many(b / weight_scale)))
    units, y_by_unit, ellipses = [], {}, []
    x = geo.xs[l]
    last = len(doc["layers"]) - 1
    for j, y in zip(geo.slots[l], geo.column_ys(l)):
        if j is None:
            ellipses.append((x, y))
            continue
        y_by_unit[j] = y
        map_uri = unit_maps.get((l, j)) if geo.r >= MIN_RADIUS_FOR_MAPS else None
        units.append(_unit(doc, l, j, x, y, geo, a_row, fills, biases, map_uri, texts))
        if l == last:
            texts += _output_texts(x, y, geo, None if a_row is None else a_row[j],
                                   None if targets is None else float(targets[j]))
    return units, y_by_unit, ellipses


def _fitted(options: list[str], size: float, room: float, bold: bool = False) -> str:
    """The first (longest) wording that fits in `room` px, else the last."""
    return next((text for text in options if text_width(text, size, bold) <= room), options[-1])


def _column_texts(doc: dict, l: int, geo: Geometry, shown: int) -> list[TextView]:
    """A column's title, subtitle and note: the same at every step of a session (cached; never
    changed by their users)."""
    layers = doc["layers"]
    return list(_column_texts_of(l, len(layers) - 1, int(layers[l]["size"]), layers[l].get("activation"), geo, shown,
                                 current_locale.get()))


@lru_cache(maxsize=1024)
def _column_texts_of(l: int, last: int, size: int, activation: str | None, geo: Geometry, shown: int,
                     _locale: str) -> tuple[TextView, ...]:
    canvas = geo.canvas
    x = geo.xs[l]
    # the room of a column's texts: the gap between columns, and the margin at either end
    room = min(geo.col_gap, 2 * (x - canvas.pad) if l == 0 else geo.col_gap) - canvas.pad
    _flow_y, title_y, subtitle_y, _top = _header_rows(canvas)
    if l == 0:
        titles = [_("Input")]
    elif l == last:
        titles = [_("Output (layer %(layer)d)") % {"layer": l}, _("Output")]
    else:
        titles = [_("Layer %(layer)d") % {"layer": l}, str(l)]
    units = ngettext("%(size)d unit", "%(size)d units", size) % {"size": size}
    name = None if activation is None else short_label(activation)
    subtitles = [units] if name is None else [f"{units} \u00b7 {name}", f"{size} \u00b7 {name}", units, str(size)]
    texts = [
        TextView(x, title_y, _fitted(titles, canvas.title, room, True), canvas.title, "column-title", bold=True),
        TextView(x, subtitle_y, _fitted(subtitles, canvas.text, room), canvas.text, "column-subtitle"),
    ]
    if shown < size:
        note = _fitted([_("%(shown)d of %(size)d units shown") % {"shown": shown, "size": size},
                        f"{shown}/{size}"], canvas.text, room)
        texts.append(TextView(x, round(canvas.height - canvas.pad - canvas.text * LINE / 2, 1), note, canvas.text, "column-note"))
    return tuple(texts)


def _column(l: int, geo: Geometry, ellipses, phase: str, active_layer: int | None) -> ColumnView:
    highlight = None
    if active_layer == l and phase in ("forward", "backward", "loss"):
        canvas = geo.canvas
        below = canvas.text * LINE + canvas.pad if geo.bias_labels else canvas.pad
        top_y = max(geo.y(l, 0) - geo.r - canvas.pad, _header_rows(canvas)[3] - canvas.pad / 2)
        bottom_y = geo.y(l, len(geo.slots[l]) - 1) + geo.r + below
        highlight = (round(geo.xs[l] - geo.r - canvas.pad, 1), round(top_y, 1), round(2 * (geo.r + canvas.pad), 1),
                     round(bottom_y - top_y, 1))
    return ColumnView(layer=l, x=geo.xs[l], ellipses=ellipses, highlight=highlight)


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
                "" if g is None else ("positive" if g >= 0 else "negative"),
            ))
    return edges


def _edge_label_layers(phase: str, active_layer: int | None, last: int) -> tuple[list[int], str]:
    """Which layers' edges carry numbers after this step, and which numbers: the weights a forward
    step just used, the gradients a backward step just computed, the new weights of an update."""
    if phase == "forward":
        return [active_layer], "weight"
    if phase == "backward":
        return [active_layer], "gradient"
    if phase == "update":
        return list(range(1, last + 1)), "weight"
    return [], ""


def _edge_labels(edges: list[EdgeView], geo: Geometry, taken: list[tuple[float, float, float, float]],
                 kind: str) -> list[TextView]:
    """Numbers on the edges of one small layer, at the first position along the edges where none
    overlaps another text or a unit; none at all when no position works."""
    canvas = geo.canvas
    for at in EDGE_LABEL_AT:
        labels = []
        for e in edges:
            value = float(e.data_grad) if kind == "gradient" else float(e.data_w)
            fill = (e.grad_stroke or colors.TEXT_DARK) if kind == "gradient" else colors.TEXT_DARK
            x, y = e.x1 + at * (e.x2 - e.x1), e.y1 + at * (e.y2 - e.y1)
            labels.append(TextView(round(x, 1), round(y, 1), fmt(value, 3), canvas.text, "edge-label " + kind, fill, bold=True))
        boxes = [t.box for t in labels]
        clear = all(not overlaps(a, b) for n, a in enumerate(boxes) for b in boxes[n + 1:])
        if clear and all(not overlaps(a, b) for a in boxes for b in taken):
            return labels
    return []


# Which text gives way when two would overlap: the first kinds are kept.
PRIORITY = ("column-title", "column-subtitle", "y-hat", "target", "column-note", "edge-label", "bias-label")


def declutter(texts: list[TextView], units: list[UnitView], canvas: Canvas,
              kept: list[tuple[float, float, float, float]]) -> list[TextView]:
    """The texts that fit: inside the drawing, over no unit, and clear of every text kept before
    them in PRIORITY order. What gives way is still in the tooltips and the inspector."""
    rank = {kind: n for n, kind in enumerate(PRIORITY)}
    taken = [_unit_box(u) for u in units] + list(kept)  # and each text kept
    out = []
    for text in sorted(texts, key=lambda t: rank.get(t.kind.split()[0], len(PRIORITY))):
        box = text.box
        inside = box[0] >= 0 and box[1] >= 0 and box[2] <= canvas.width and box[3] <= canvas.height
        if inside and _clear_of(box, taken):
            taken.append(box)
            out.append(text)
    # a layer shows all its bias labels or none: a few scattered ones read as noise
    shown = {}
    for t in texts:
        if t.kind == "bias-label":
            shown.setdefault(t.x, [0, 0])[0] += 1
    for t in out:
        if t.kind == "bias-label":
            shown[t.x][1] += 1
    partial = {x for x, (wanted, kept_count) in shown.items() if kept_count < wanted}
    return [t for t in out if not (t.kind == "bias-label" and t.x in partial)]


def _clear_of(box: tuple[float, float, float, float], others: list[tuple[float, float, float, float]]) -> bool:
    """No overlap with any of `others` (overlaps() inlined: a step checks a few hundred pairs)."""
    x0, y0, x1, y1 = box
    for a0, b0, a1, b1 in others:
        if x0 < a1 and a0 < x1 and y0 < b1 and b0 < y1:
            return False
    return True


def _unit_box(u: UnitView) -> tuple[float, float, float, float]:
    return u.x - u.r, u.y - u.r, u.x + u.r, u.y + u.r


def build_network_view(doc: dict, focus: int = 0, unit_maps: dict[tuple[int, int], str] | None = None,
                       edge_layers=None, canvas: Canvas = LAPTOP) -> NetworkView:
    """edge_layers: the layers whose edges to build (None: all); a step that changes no weight
    needs only the edges of the layer whose gradients it computed."""
    layers = doc["layers"]
    sizes = [int(layer["size"]) for layer in layers]
    last = len(sizes) - 1
    focus = clamp_focus(doc, focus)
    geo = geometry(sizes, canvas)
    last_step = doc.get("last_step") or {}
    phase = last_step.get("phase", "")
    active_layer = last_step.get("layer", last if phase == "loss" else None)
    weight_scale = max(float(np.max(np.abs(np.asarray(layer["W"])))) for layer in layers[1:]) or 1.0
    grad_scale = grad_scale_of(doc)
    targets = _row(doc["batch"].get("targets") if doc.get("batch") else None, focus)

    columns: list[ColumnView] = []
    units: list[UnitView] = []
    texts: list[TextView] = []
    positions: list[dict[int, float]] = []
    for l in range(last + 1):
        layer_units, y_by_unit, ellipses = _layer_units(doc, l, geo, focus, weight_scale, targets, unit_maps or {}, texts)
        units += layer_units
        positions.append(y_by_unit)
        columns.append(_column(l, geo, ellipses, phase, active_layer))
        texts += _column_texts(doc, l, geo, len(y_by_unit))

    drawn_edges = [len(positions[l]) * len(positions[l - 1]) for l in range(1, last + 1)]
    detailed = sum(drawn_edges) <= MAX_DETAILED_EDGES
    label_layers, label_kind = _edge_label_layers(phase, active_layer, last)
    edges: list[EdgeView] = []
    needed = set(range(1, last + 1) if edge_layers is None else edge_layers)
    for l in range(1, last + 1):
        if l not in needed and l not in label_layers:
            continue
        layer_edges = _layer_edges(doc, l, geo, positions, weight_scale, grad_scale, detailed)
        if l in label_layers and drawn_edges[l - 1] <= LABELLED_EDGES:
            taken = [t.box for t in texts] + [_unit_box(u) for u in units]
            texts += _edge_labels(layer_edges, geo, taken, label_kind)
        if l in needed:
            edges += layer_edges

    flow = _flow(phase, active_layer, geo, last)
    texts = declutter(texts, units, canvas, [flow.label.box] if flow else [])
    return NetworkView(
        width=canvas.width,
        height=canvas.height,
        canvas=canvas.name,
        columns=columns,
        units=units,
        edges=edges,
        texts=texts,
        flow=flow,
        phase=phase,
        active_layer=active_layer,
        show_numbers=any(u.label for u in units),
        value_font=canvas.value,
        hit_areas=detailed,
        summarized=any(len(s) < size for s, size in zip(geo.slots, sizes)),
        focus=focus,
        batch_rows=batch_rows(doc),
        weight_scale=fmt(weight_scale, 3),
        grad_scale=fmt(grad_scale, 3) if any(layer["grad"]["W"] is not None for layer in layers[1:]) else "",
        with_maps=any(u.map_uri for u in units),
        probabilities=any(output_range(layer.get("activation")) == (0.0, 1.0) for layer in layers[1:]),
    )


def _flow(phase: str, layer: int | None, geo: Geometry, last: int) -> FlowView | None:
    """The arrow above the titles that says which way the last step went; its label is centred
    on the arrow and kept inside the drawing."""
    xs, canvas = geo.xs, geo.canvas
    y = _header_rows(canvas)[0]
    if phase == "forward":
        kind, x1, x2, text = "forward", xs[layer - 1], xs[layer], _("forward \u2192 layer %(layer)d") % {"layer": layer}
    elif phase == "backward":
        kind, x1, x2, text = "backward", xs[layer], xs[layer - 1], _("\u2190 backward through layer %(layer)d") % {"layer": layer}
    elif phase == "loss":
        kind, x1, x2, text = "loss", xs[last] - geo.col_gap / 3, xs[last] + geo.col_gap / 3, _("loss")
    elif phase == "update":
        kind, x1, x2, text = "update", xs[0], xs[last], _("update: every weight and bias")
    else:
        return None
    x1, x2 = (min(max(x, canvas.pad), canvas.width - canvas.pad) for x in (x1, x2))
    half = text_width(text, canvas.flow, True) / 2
    middle = min(max((x1 + x2) / 2, half + canvas.pad), canvas.width - half - canvas.pad)
    label = TextView(round(middle, 1), y, text, canvas.flow, "flow-label", bold=True)
    # the arrow runs on either side of its label, never through it; too short a piece reads as a
    # dash, not an arrow, and is left out (the label's own ← or → says the direction then)
    lo, hi = min(x1, x2), max(x1, x2)
    pieces = [(lo, min(hi, middle - half - canvas.pad)), (max(lo, middle + half + canvas.pad), hi)]
    pieces = [(a, b) for a, b in pieces if b - a >= 4 * canvas.pad]
    if x2 < x1:  # right to left: each piece drawn towards the left, the arrowhead's piece last
        pieces = [(b, a) for a, b in reversed(pieces)]
    segments = [(round(a, 1), round(b, 1)) for a, b in pieces]
    return FlowView(kind, segments, y, label)
