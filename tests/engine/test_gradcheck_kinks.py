"""gradcheck tells a kink from a bug: per entry, whether p - eps and p + eps put a relu or
leaky_relu pre-activation on its path on two sides of 0, and the absolute error (issue 13, 8)."""
from __future__ import annotations

import numpy as np
import pytest

from app.engine.gradients import gradcheck
from app.engine.losses import get_loss
from app.engine.network import init_network


def _entry(result, layer, to, from_):
    return next(e for e in result["entries"] if (e["layer"], e["to"], e["from"]) == (layer, to, from_))


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_a_bias_at_a_kink_crosses_it_and_explains_its_error(activation):
    # z1 = w*x + b = 0 exactly for the one sample: moving b by +-eps crosses the kink; moving w
    # does not (x = 0), nor does layer 2 (linear).
    net = init_network([1, 1, 1], [activation, "linear"], weights=[[[1.0]], [[2.0]]], biases=[[0.0], [0.0]])
    x, y = np.array([[0.0]]), np.array([[1.0]])
    result = gradcheck(net, get_loss("mse"), x, y, eps=1e-5, seed=0)
    bias = _entry(result, 1, 0, None)
    assert bias["crosses_kink"] is True and bias["rel_error"] > 0.1  # a kink, not a bug
    assert bias["abs_error"] == abs(bias["analytic"] - bias["numeric"])
    assert [e["crosses_kink"] for e in result["entries"] if e is not bias] == [False, False, False]


def test_a_kink_downstream_of_the_parameter_counts():
    # layer 2's relu sits at z = 0; the weight of layer 1 moves it through layer 1's (linear) output
    net = init_network([1, 1, 1, 1], ["linear", "relu", "linear"], weights=[[[1.0]], [[1.0]], [[1.0]]], biases=[[0.0], [-1.0], [0.0]])
    result = gradcheck(net, get_loss("mse"), np.array([[1.0]]), np.array([[3.0]]), eps=1e-4, seed=0)
    assert _entry(result, 1, 0, 0)["crosses_kink"] and _entry(result, 2, 0, None)["crosses_kink"]
    assert not _entry(result, 3, 0, None)["crosses_kink"]  # after the kink: nothing to cross


def test_smooth_networks_never_cross_a_kink():
    net = init_network([3, 5, 2], ["tanh", "sigmoid"], "normal", seed=2)
    rng = np.random.default_rng(1)
    result = gradcheck(net, get_loss("mse"), rng.normal(size=(8, 3)), rng.uniform(size=(8, 2)), eps=1e-5, seed=0)
    assert not any(e["crosses_kink"] for e in result["entries"])


def test_on_a_relu_network_every_entry_off_a_kink_agrees():
    """The flag is what makes gradcheck usable on relu networks: wide eps, many kinks crossed,
    and every entry that crosses none agrees with backprop."""
    net = init_network([4, 64, 64, 3], ["relu", "leaky_relu", "linear"], "he", seed=4)
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(64, 4)), rng.normal(size=(64, 3))
    result = gradcheck(net, get_loss("mse"), x, y, eps=1e-2, seed=0)
    crossing = [e for e in result["entries"] if e["crosses_kink"]]
    smooth = [e for e in result["entries"] if not e["crosses_kink"]]
    assert len(crossing) > 100 and len(smooth) > 100
    assert max(e["rel_error"] for e in crossing) > 1e-3
    assert all(e["rel_error"] < 1e-6 or e["abs_error"] < 1e-12 for e in smooth)
