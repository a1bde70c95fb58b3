"""The network drawing's view model, on hand-made Session documents (Mazur's worked example)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from app.ui import colors
from app.ui.numbers import fmt
from app.lab.layout import EDGE_WIDTH, LAPTOP, PROJECTOR, build_network_view, drawn_units, geometry, overlaps, text_width
from tests.lab.worked_example import doc_after, initial_doc


def test_initial_view_has_one_hook_per_unit_and_edge():
    net = build_network_view(initial_doc())
    assert [(u.layer, u.unit) for u in net.units] == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    assert [(e.layer, e.to, e.from_) for e in net.edges] == [
        (1, 0, 0), (1, 0, 1), (1, 1, 0), (1, 1, 1), (2, 0, 0), (2, 0, 1), (2, 1, 0), (2, 1, 1)]
    inputs = {u.unit: u.data_a for u in net.units if u.layer == 0}
    assert inputs == {0: "0.05", 1: "0.1"}
    assert all(u.data_a == "" for u in net.units if u.layer > 0)  # not computed yet
    assert all(e.data_grad == "" and e.grad_stroke is None for e in net.edges)
    w = {(e.layer, e.to, e.from_): float(e.data_w) for e in net.edges}
    assert w[(2, 0, 0)] == 0.40 and w[(1, 1, 0)] == 0.25  # W[l][j, i]: row j is the unit the edge enters
    assert net.phase == "" and net.flow is None


def test_after_forward_1_hidden_units_show_their_activation():
    net = build_network_view(doc_after(1))
    hidden = {u.unit: u for u in net.units if u.layer == 1}
    assert float(hidden[0].data_a) == pytest.approx(0.593269992, abs=1e-9)
    assert float(hidden[1].data_a) == pytest.approx(0.596884378, abs=1e-9)
    assert hidden[0].label == "0.593"
    assert net.phase == "forward" and net.active_layer == 1
    assert net.flow.kind == "forward" and net.flow.x2 > net.flow.x1  # left to right
    assert [c.highlight is not None for c in net.columns] == [False, True, False]


def test_output_units_show_y_hat_against_the_target():
    net = build_network_view(doc_after(2))
    y_hats = [t.text for t in net.texts if t.kind == "y-hat"]
    targets = [t.text for t in net.texts if t.kind == "target"]
    assert y_hats == ["\u0177 0.7514", "\u0177 0.7729"] and targets == ["y 0.01", "y 0.99"]
    output_x = max(u.x + u.r for u in net.units)
    assert all(t.box[0] > output_x and t.box[2] <= net.width for t in net.texts if t.kind in ("y-hat", "target"))


def test_backward_adds_the_gradient_channel_and_flows_right_to_left():
    net = build_network_view(doc_after(4))  # backward 2
    grads = {(e.layer, e.to, e.from_): e for e in net.edges}
    assert float(grads[(2, 0, 0)].data_grad) == pytest.approx(0.082167041, abs=1e-9)
    assert grads[(2, 0, 0)].grad_stroke == colors.GRAD_POSITIVE
    assert grads[(1, 0, 0)].data_grad == ""  # layer 1's backward has not run yet
    assert net.flow.kind == "backward" and net.flow.x2 < net.flow.x1
    assert "\u2202L/\u2202w = 0.08217" in grads[(2, 0, 0)].title


def test_update_shows_the_new_weight_and_keeps_the_old_gradient():
    net = build_network_view(doc_after(6))
    edge = next(e for e in net.edges if (e.layer, e.to, e.from_) == (2, 0, 0))
    assert float(edge.data_w) == pytest.approx(0.35891648, abs=1e-8)
    assert float(edge.data_grad) == pytest.approx(0.082167041, abs=1e-9)
    assert net.phase == "update"


def test_colours_diverge_and_widths_are_clamped():
    doc = initial_doc(weights=(np.array([[-3.0, 0.0], [1e-9, 3.0]]), np.array([[1.0, -1.0], [0.5, 0.5]])))
    net = build_network_view(doc)
    by_key = {(e.layer, e.to, e.from_): e for e in net.edges}
    assert by_key[(1, 0, 0)].stroke == colors.to_hex(colors.NEGATIVE)
    assert by_key[(1, 1, 1)].stroke == colors.to_hex(colors.POSITIVE)
    assert by_key[(1, 0, 1)].stroke == colors.to_hex(colors.MIDDLE)
    widths = [e.width for e in net.edges]
    assert min(widths) == EDGE_WIDTH[0] and max(widths) == EDGE_WIDTH[1]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", e.stroke) for e in net.edges)


def test_diverging_scale_is_symmetric_around_the_middle():
    rgb = colors.diverging_rgb(np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 7.0]))
    assert rgb[2].tolist() == colors.MIDDLE.tolist()
    assert rgb[4].tolist() == rgb[5].tolist() == colors.POSITIVE.tolist()  # clipped
    assert rgb[0].tolist() == colors.NEGATIVE.tolist()


def test_focus_selects_the_batch_row_and_is_clamped():
    inputs = np.array([[0.05, 0.10], [1.0, -1.0]])
    targets = np.array([[0.01, 0.99], [0.5, 0.5]])
    doc = doc_after(1, initial_doc(inputs=inputs, targets=targets))
    row1 = {(u.layer, u.unit): u.data_a for u in build_network_view(doc, focus=1).units}
    assert row1[(0, 0)] == "1.0" and row1[(0, 1)] == "-1.0"
    assert build_network_view(doc, focus=99).focus == 1
    assert build_network_view(doc, focus=-3).focus == 0


def test_drawn_units_keep_first_and_last_with_an_ellipsis():
    assert drawn_units(4, 16) == [0, 1, 2, 3]
    assert drawn_units(784, 16) == list(range(13)) + [None, 782, 783]


def random_doc(sizes, seed=0, computed=True):
    rng = np.random.default_rng(seed)
    rows = 3
    layers = [{"index": 0, "size": sizes[0], "a": rng.normal(size=(rows, sizes[0]))}]
    for l in range(1, len(sizes)):
        grad = {"a": None, "z": None, "W": None, "b": None}
        if computed:
            grad = {"a": rng.normal(size=(rows, sizes[l])), "z": rng.normal(size=(rows, sizes[l])),
                    "W": rng.normal(size=(sizes[l], sizes[l - 1])), "b": rng.normal(size=sizes[l])}
        layers.append({"index": l, "size": sizes[l], "activation": "relu",
                       "W": rng.normal(size=(sizes[l], sizes[l - 1])), "b": rng.normal(size=sizes[l]),
                       "z": rng.normal(size=(rows, sizes[l])) if computed else None,
                       "a": rng.random(size=(rows, sizes[l])) if computed else None, "grad": grad})
    return {"id": "random", "config": {"layers": sizes}, "iteration": 0, "epoch": 0,
            "last_step": {"phase": "backward", "layer": 1} if computed else None,
            "next_step": {"phase": "forward", "layer": 1},
            "batch": {"indices": [0, 1, 2], "inputs": layers[0]["a"], "targets": rng.random(size=(rows, sizes[-1]))},
            "layers": layers, "loss": {"name": "mse", "value": None}, "history": []}


def test_a_784_256_10_network_is_summarized_not_broken():
    net = build_network_view(random_doc([784, 256, 10]))
    shown = len(geometry([784, 256, 10]).slots[0]) - 1  # as many slots as units of the smallest legible size fit
    assert net.summarized and 8 <= shown < 16
    assert len([u for u in net.units if u.layer == 0]) == shown
    assert len(net.edges) == shown * shown + 10 * shown
    notes = [t.text for t in net.texts if t.kind == "column-note"]
    assert f"{shown}/784" in notes and f"{shown} of 256 units shown" in notes  # the narrow first column: the short form
    assert net.columns[0].ellipses  # the cut is visible
    units = {(u.layer, u.unit) for u in net.units}
    assert (0, 783) in units and (0, 500) not in units
    assert min(u.r for u in net.units) >= LAPTOP.min_radius
    # units this small cannot hold a readable number: none is drawn (the inspector has them)
    assert not net.show_numbers and all(u.label == "" for u in net.units)


def test_a_small_network_labels_each_unit_with_its_own_value():
    doc = random_doc([2, 3, 2])
    net = build_network_view(doc, focus=1)
    assert net.show_numbers
    for unit in net.units:
        assert unit.label == fmt(doc["layers"][unit.layer]["a"][1, unit.unit], 3), unit


@pytest.mark.parametrize("canvas", [LAPTOP, PROJECTOR])
def test_small_layers_are_drawn_in_full_and_dense_ones_cut_to_what_is_legible(canvas):
    net = build_network_view(random_doc([2, 8, 8, 1]), canvas=canvas)
    assert not net.summarized and len(net.units) == 19
    net = build_network_view(random_doc([16] * 9), canvas=canvas)
    assert net.summarized and min(u.r for u in net.units) >= canvas.min_radius


@pytest.mark.parametrize("canvas", [LAPTOP, PROJECTOR])
@pytest.mark.parametrize("sizes", [[2, 2, 2], [2, 8, 8, 1], [1, 16, 1], [2, 16, 16, 3], [2, 6, 6, 6, 6, 1], [784, 256, 10]])
def test_texts_never_overlap_are_legible_and_numbers_are_left_out_not_shrunk(canvas, sizes):
    doc = random_doc(sizes)
    doc["last_step"] = {"phase": "backward", "layer": len(sizes) - 1}
    net = build_network_view(doc, canvas=canvas)
    boxes = [t.box for t in net.texts] + ([net.flow.label.box] if net.flow else [])
    assert all(not overlaps(a, b) for n, a in enumerate(boxes) for b in boxes[n + 1:])
    assert all(t.size >= (12 if canvas is LAPTOP else 24) for t in net.texts)
    assert all(0 <= t.box[0] and t.box[2] <= net.width for t in net.texts)
    for u in net.units:  # a value is drawn whole inside its unit, or not at all
        assert u.label == "" or text_width(u.label, net.value_font, bold=True) <= 2 * u.r
        assert all(not overlaps(t.box, (u.x - u.r, u.y - u.r, u.x + u.r, u.y + u.r)) for t in net.texts)


def test_more_than_eight_weight_layers_are_cut_to_fewer_units():
    net = build_network_view(random_doc([16] * 12))
    assert net.summarized
    assert max(len([u for u in net.units if u.layer == l]) for l in range(12)) == 7


def test_activation_colours_span_each_bounded_output_range_whole():
    """A bounded activation's range (the engine's output_range) maps onto the whole diverging
    scale; an unbounded one is scaled by its largest magnitude."""
    from app.engine.activations import ACTIVATIONS

    for name, cls in ACTIVATIONS.items():
        if cls.output_range is None:
            np.testing.assert_allclose(colors.activation_t(np.array([-4.0, 2.0, 0.5]), name), [-1.0, 0.5, 0.125])
            continue
        low, high = cls.output_range
        middle = (low + high) / 2
        np.testing.assert_allclose(colors.activation_t(np.array([low, middle, high]), name), [-1.0, 0.0, 1.0], err_msg=name)
    np.testing.assert_allclose(colors.activation_t(np.array([0.25, 0.75]), "sigmoid"), [-0.5, 0.5])


@pytest.mark.parametrize("canvas", [LAPTOP, PROJECTOR])
def test_every_output_unit_of_a_small_output_layer_shows_y_hat_and_y_even_for_tiny_values(canvas):
    doc = random_doc([2, 6, 3])
    doc["layers"][2]["a"][0] = [0.0003156, 2.294e-5, 0.99968]
    net = build_network_view(doc, canvas=canvas)
    assert [t.text for t in net.texts if t.kind == "y-hat"] == ["\u0177 0.00032", "\u0177 2.3e\u22125", "\u0177 0.9997"]
    assert len([t for t in net.texts if t.kind == "target"]) == 3
