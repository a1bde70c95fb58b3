"""gradcheck: every parameter of a small network, a seeded sample of 2000 distinct ones of a big one.

Each entry is compared with tests/engine/reference.py, a plain-NumPy network that imports
nothing from app.engine: its backward pass for "analytic", its full-forward central
differences for "numeric", and the relative error written out here.
"""
from __future__ import annotations

import numpy as np

from app.engine.gradients import gradcheck, rel_error
from app.engine.losses import get_loss
from app.engine.network import init_network
from tests.engine import reference


def reference_of(net, activations, loss, x, y, eps):
    """(backprop dW, db) and (central-difference dW, db) by the reference network."""
    W = [None] + [net.W[l].copy() for l in range(1, net.L + 1)]
    b = [None] + [net.b[l].copy() for l in range(1, net.L + 1)]
    acts = [None, *activations]
    out = reference.backward(W, b, acts, loss, x, y)
    numeric_W, numeric_b = reference.finite_difference(W, b, acts, loss, x, y, eps)
    return (out["dW"], out["db"]), (numeric_W, numeric_b)


def pick(grads, entry):
    dW, db = grads
    return db[entry["layer"]][entry["to"]] if entry["from"] is None else dW[entry["layer"]][entry["to"], entry["from"]]


def assert_matches_the_reference(result, analytic, numeric):
    for e in result["entries"]:
        assert abs(e["analytic"] - pick(analytic, e)) <= 1e-12 + 1e-9 * abs(e["analytic"]), e
        # the same central difference, computed another way (full forward passes): equal to rounding
        assert abs(e["numeric"] - pick(numeric, e)) <= 1e-9, e
        expected_error = abs(e["analytic"] - e["numeric"]) / max(abs(e["analytic"]) + abs(e["numeric"]), 1e-8)
        assert e["rel_error"] == expected_error
    assert result["max_rel_error"] == max(e["rel_error"] for e in result["entries"])


def small():
    net = init_network([3, 4, 2], ["tanh", "sigmoid"], "normal", seed=1)
    rng = np.random.default_rng(0)
    return net, rng.normal(size=(4, 3)), rng.uniform(size=(4, 2))


def test_every_parameter_of_a_small_network():
    net, x, y = small()
    result = gradcheck(net, get_loss("mse"), x, y, eps=1e-5, seed=0)
    keys = [(e["layer"], e["to"], e["from"]) for e in result["entries"]]
    assert len(keys) == len(set(keys)) == 4 * 4 + 2 * 5
    assert (1, 3, None) in keys and (2, 1, 3) in keys
    analytic, numeric = reference_of(net, ["tanh", "sigmoid"], "mse", x, y, 1e-5)
    assert_matches_the_reference(result, analytic, numeric)
    assert result["max_rel_error"] < 1e-6


def test_rel_error_formula():
    assert rel_error(1.0, 3.0) == 0.5
    assert rel_error(0.0, 0.0) == 0.0
    assert rel_error(1e-9, 0.0) == 1e-9 / 1e-8


def big():
    net = init_network([2, 50, 50, 1], ["tanh", "tanh", "sigmoid"], "xavier", seed=3)  # 2751 parameters
    rng = np.random.default_rng(5)
    return net, rng.normal(size=(6, 2)), rng.integers(0, 2, size=(6, 1)).astype(float)


def test_a_big_network_gets_2000_distinct_seeded_entries():
    net, x, y = big()
    assert net.parameter_count() == 2751
    first = gradcheck(net, get_loss("bce"), x, y, eps=1e-5, seed=42)
    again = gradcheck(net, get_loss("bce"), x, y, eps=1e-5, seed=42)
    other = gradcheck(net, get_loss("bce"), x, y, eps=1e-5, seed=43)
    keys = [(e["layer"], e["to"], e["from"]) for e in first["entries"]]
    assert len(keys) == 2000 == len(set(keys))
    assert keys == [(e["layer"], e["to"], e["from"]) for e in again["entries"]]
    assert keys != [(e["layer"], e["to"], e["from"]) for e in other["entries"]]
    for layer, to, source in keys:
        assert 1 <= layer <= 3 and 0 <= to < net.sizes[layer]
        assert source is None or 0 <= source < net.sizes[layer - 1]
    # drawn over all layers, biases included
    assert {k[0] for k in keys} == {1, 2, 3}
    assert any(k[2] is None for k in keys)
    analytic = reference.backward([None, *net.W[1:]], [None, *net.b[1:]], [None, "tanh", "tanh", "sigmoid"], "bce", x, y)
    for e in first["entries"]:
        assert abs(e["analytic"] - pick((analytic["dW"], analytic["db"]), e)) <= 1e-12 + 1e-9 * abs(e["analytic"]), e
        assert abs(e["analytic"] - e["numeric"]) < 1e-7 + 1e-4 * abs(e["analytic"])


def test_softmax_cross_entropy_and_leaky_relu_against_the_reference():
    net = init_network([2, 5, 3], ["leaky_relu", "softmax"], "normal", seed=4)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 2))
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    result = gradcheck(net, get_loss("cross_entropy"), x, y, eps=1e-5, seed=0)
    assert len(result["entries"]) == 5 * 3 + 3 * 6
    analytic, numeric = reference_of(net, ["leaky_relu", "softmax"], "cross_entropy", x, y, 1e-5)
    assert_matches_the_reference(result, analytic, numeric)
