"""The network drawing's view model, on hand-made Session documents (Mazur's worked example)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from app.ui import colors
from app.ui.numbers import fmt
from app.lab.layout import EDGE_WIDTH, build_network_view, drawn_units
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
    outputs = [u.output for u in net.units if u.layer == 2]
    assert outputs[0].y_hat == "\u0177 0.7514" and outputs[0].target == "y 0.01"
    assert outputs[1].y_hat == "\u0177 0.7729" and outputs[1].target == "y 0.99"


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
    assert net.summarized
    assert len([u for u in net.units if u.layer == 0]) == 15
    assert len(net.edges) == 15 * 15 + 10 * 15
    assert net.columns[0].note == "15 of 784 units shown"
    assert net.columns[0].ellipses  # the cut is visible
    units = {(u.layer, u.unit) for u in net.units}
    assert (0, 783) in units and (0, 500) not in units
    # units this small cannot hold a readable number: none is drawn (the inspector has them)
    assert not net.show_numbers
    assert all(u.label == "" and (u.bias is None or u.bias.label == "") for u in net.units)


def test_a_small_network_labels_each_unit_with_its_own_value():
    doc = random_doc([2, 3, 2])
    net = build_network_view(doc, focus=1)
    assert net.show_numbers
    for unit in net.units:
        assert unit.label == fmt(doc["layers"][unit.layer]["a"][1, unit.unit], 3), unit


def test_eight_layers_of_sixteen_are_drawn_in_full():
    sizes = [16] * 9
    net = build_network_view(random_doc(sizes))
    assert not net.summarized
    assert len(net.units) == 16 * 9 and len(net.edges) == 8 * 256


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
