"""gradcheck: every parameter of a small network, a seeded sample of 2000 distinct ones of a big one."""
from __future__ import annotations

import numpy as np

from app.engine.gradients import backprop_gradients, gradcheck, rel_error
from app.engine.losses import get_loss
from app.engine.network import init_network


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
    _v, dW, db = backprop_gradients(net, get_loss("mse"), x, y)
    for e in result["entries"]:
        expected = db[e["layer"]][e["to"]] if e["from"] is None else dW[e["layer"]][e["to"], e["from"]]
        assert e["analytic"] == expected
        assert e["rel_error"] == rel_error(e["analytic"], e["numeric"])
        assert e["rel_error"] < 1e-6
    assert result["max_rel_error"] == max(e["rel_error"] for e in result["entries"])


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
    _v, dW, db = backprop_gradients(net, get_loss("bce"), x, y)
    for e in first["entries"]:
        expected = db[e["layer"]][e["to"]] if e["from"] is None else dW[e["layer"]][e["to"], e["from"]]
        assert e["analytic"] == expected
        assert abs(e["analytic"] - e["numeric"]) < 1e-7 + 1e-4 * abs(e["analytic"])
