"""Backprop against central differences: every activation x every valid loss x random shapes."""
from __future__ import annotations

import numpy as np
import pytest

from app.engine.gradients import backprop_gradients, numeric_gradients
from app.engine.losses import get_loss
from app.engine.network import init_network
from tests.engine import reference

HIDDEN = ["linear", "sigmoid", "tanh", "relu", "leaky_relu"]
# (output activation, loss) pairs the config accepts
OUTPUTS = [
    ("linear", "mse"),
    ("sigmoid", "mse"),
    ("tanh", "mse"),
    ("relu", "mse"),
    ("leaky_relu", "mse"),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("softmax", "mse"),  # allowed by API.md: softmax is output-only, mse takes any output
]


def random_case(seed: int, hidden: str, output: str, loss: str):
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 5))  # weight layers
    sizes = [int(n) for n in rng.integers(1, 8, size=depth + 1)]
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    batch = int(rng.integers(1, 6))
    acts = [hidden] * (depth - 1) + [output]
    net = init_network(sizes, acts, "normal", seed)
    for l in range(1, depth + 1):  # biases away from 0, so relu units are not all on a kink
        net.b[l][:] = rng.normal(0, 0.5, size=sizes[l])  # in place: b[l] is a view of net.flat
    x = rng.normal(0, 1, size=(batch, sizes[0]))
    if loss == "mse":
        y = rng.normal(0, 1, size=(batch, sizes[-1]))
    elif loss == "bce":
        y = rng.uniform(0, 1, size=(batch, sizes[-1]))  # probabilities, not only labels
        y[0] = np.round(y[0])
    else:
        y = rng.dirichlet(np.ones(sizes[-1]), size=batch)  # probability rows, not one-hot
    return net, acts, x, y


CASES = [(h, o, loss, seed) for h in HIDDEN for o, loss in OUTPUTS for seed in (1, 2, 3)]


@pytest.mark.parametrize("hidden,output,loss,seed", CASES)
def test_backprop_matches_numeric_gradients(hidden, output, loss, seed):
    net, acts, x, y = random_case(seed * 100 + HIDDEN.index(hidden) * 10 + OUTPUTS.index((output, loss)), hidden, output, loss)
    loss_fn = get_loss(loss)
    _value, dW, db = backprop_gradients(net, loss_fn, x, y)
    nW, nb = numeric_gradients(net, loss_fn, x, y, eps=1e-6)
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(dW[l], nW[l], rtol=1e-4, atol=1e-8, err_msg=f"dW[{l}] sizes {net.sizes}")
        np.testing.assert_allclose(db[l], nb[l], rtol=1e-4, atol=1e-8, err_msg=f"db[{l}] sizes {net.sizes}")


@pytest.mark.parametrize("hidden,output,loss,seed", CASES[::3])
def test_backprop_matches_an_independent_finite_difference(hidden, output, loss, seed):
    """Our own forward pass and loss formulas, perturbed one parameter at a time."""
    net, acts, x, y = random_case(seed * 100 + HIDDEN.index(hidden) * 10 + OUTPUTS.index((output, loss)), hidden, output, loss)
    value, dW, db = backprop_gradients(net, get_loss(loss), x, y)
    W = [None] + [w.copy() for w in net.W[1:]]
    b = [None] + [v.copy() for v in net.b[1:]]
    ref_acts = [None] + acts
    assert value == pytest.approx(reference.loss_value(loss, reference.forward(W, b, ref_acts, x)[1][-1], y), rel=1e-12)
    fW, fb = reference.finite_difference(W, b, ref_acts, loss, x, y)
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(dW[l], fW[l], rtol=1e-4, atol=1e-8)
        np.testing.assert_allclose(db[l], fb[l], rtol=1e-4, atol=1e-8)


def test_softmax_cross_entropy_with_probability_targets_by_hand():
    """One row, logits z, target p (not one-hot): dL/dz = softmax(z) * sum(p) - p."""
    net = init_network([1, 3], ["softmax"], weights=[[[1.0], [2.0], [0.5]]], biases=[[0.0, -1.0, 0.5]])
    x = np.array([[1.0]])
    y = np.array([[0.2, 0.5, 0.3]])
    z = np.array([1.0, 1.0, 1.0])  # 1*1+0, 2*1-1, 0.5*1+0.5
    a = np.exp(z) / np.exp(z).sum()  # all 1/3
    value, dW, db = backprop_gradients(net, get_loss("cross_entropy"), x, y)
    assert value == pytest.approx(-(y * np.log(a)).sum(), rel=1e-12)  # = log 3
    assert value == pytest.approx(np.log(3.0), rel=1e-12)
    np.testing.assert_allclose(db[1], [1 / 3 - 0.2, 1 / 3 - 0.5, 1 / 3 - 0.3], rtol=1e-12)
    np.testing.assert_allclose(dW[1][:, 0], db[1], rtol=1e-12)


def test_softmax_cross_entropy_targets_not_summing_to_one_follow_torch():
    """torch.nn.CrossEntropyLoss with probability targets: grad wrt logits = softmax * sum(y) - y."""
    net = init_network([2, 3], ["softmax"], weights=[[[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]]], biases=[[0.1, 0.0, -0.1]])
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    y = np.array([[0.6, 0.6, 0.0], [0.1, 0.2, 0.3]])
    _v, dW, db = backprop_gradients(net, get_loss("cross_entropy"), x, y)
    nW, nb = numeric_gradients(net, get_loss("cross_entropy"), x, y)
    np.testing.assert_allclose(dW[1], nW[1], rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(db[1], nb[1], rtol=1e-6, atol=1e-10)
