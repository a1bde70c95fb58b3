"""What the engine tells the pages, checked against the engine's own arithmetic: each formula
it hands out (app/engine/expressions) evaluates to what its object computes, each output range
bounds its function, derivative_at is the slope, and Optimizer.explain reports exactly what
update() does, to the bit."""
from __future__ import annotations

import math

import numpy as np
import pytest

from app.engine.activations import ACTIVATIONS, get_activation
from app.engine.losses import LOSSES, get_loss
from app.engine.network import flat_index, init_network, split_flat
from app.engine.optimizers import make_optimizer


def evaluate(tree, values: dict, sums: dict | None = None) -> float:
    """A plain evaluator of the expression data, written here (not the renderer's code)."""
    op = tree[0]
    if op == "num":
        return float(tree[1])
    if op == "sym":
        return float(values[tree[1]])
    if op == "sum":
        return float(sum(evaluate(tree[2], row) for row in sums[tree[1]]))
    if op == "call":
        raise AssertionError("a call names a function; compare it with fn() instead")
    args = [evaluate(t, values, sums) for t in tree[1:]]
    return {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "neg": lambda a: -a, "pow": lambda a, b: a**b,
        "sqrt": math.sqrt, "log": math.log, "exp": math.exp,
    }[op](*args)


Z = np.linspace(-6.0, 6.0, 25)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_formula_evaluates_to_fn(name):
    activation = get_activation(name)
    row = Z[None, :7] / 2  # one sample of seven units
    a = activation.fn(row)[0]
    formula = activation.formula
    for j, z in enumerate(row[0]):
        if formula[0] == "call":  # f(z): the function the symbol names is fn itself
            assert formula[1] == activation.symbol and formula[2] == ("sym", "z")
            assert activation.elementwise
            continue
        others = {"k": [{"z_k": z_k} for z_k in row[0]]}
        assert evaluate(formula, {"z": z}, others) == pytest.approx(a[j], rel=1e-12)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_output_range_bounds_the_function_and_is_reached(name):
    activation = get_activation(name)
    a = activation.fn(np.array([np.concatenate([Z, [-40.0, 40.0]])]))[0] if activation.elementwise else \
        activation.fn(np.array([[-40.0, 0.0, 40.0]]))[0]
    if activation.output_range is None:
        assert np.abs(activation.fn(np.array([[1e6, 2e6]]))).max() >= 1e6  # unbounded indeed
        return
    low, high = activation.output_range
    assert low <= a.min() and a.max() <= high
    assert a.min() == pytest.approx(low, abs=1e-12) and a.max() == pytest.approx(high, abs=1e-12)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_at_is_the_slope(name):
    activation = get_activation(name)
    row = np.array([-2.3, -0.4, 0.7, 1.9])
    h = 1e-6
    slopes = []
    for j in range(row.size):
        up, down = row.copy(), row.copy()
        up[j] += h
        down[j] -= h
        slopes.append((activation.fn(up[None, :])[0, j] - activation.fn(down[None, :])[0, j]) / (2 * h))
    np.testing.assert_allclose(activation.derivative_at(row), slopes, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_term_and_mean_give_the_value(name):
    loss = get_loss(name)
    rng = np.random.default_rng(3)
    y_hat = rng.dirichlet(np.ones(3), size=4)  # rows of probabilities (every loss accepts them)
    y = np.eye(3)[[0, 2, 1, 2]]
    terms = np.array([[evaluate(loss.term, {"y_hat": p, "y": t}) for p, t in zip(ps, ts)] for ps, ts in zip(y_hat, y)])
    total = terms.sum() / (y.shape[0] if loss.averages_rows else y.size)
    assert total == pytest.approx(loss.value(y_hat, y), rel=1e-12)


@pytest.mark.parametrize("targets", [np.eye(3)[[1, 0]], np.array([[0.2, 0.3, 0.1], [0.5, 0.5, 0.5]])], ids=["one-hot", "any"])
def test_fused_delta_formula_is_the_fused_delta(targets):
    loss, softmax = get_loss("cross_entropy"), get_activation("softmax")
    loss.prepare(targets)
    z = np.array([[0.3, -1.2, 2.0], [1.0, 0.0, -1.0]])
    y_hat = softmax.fn(z)
    delta = loss.output_delta(softmax, z, y_hat, targets, loss.grad(y_hat, targets))
    for row in range(2):
        formula = loss.fused_delta_formula(targets[row])
        for j in range(3):
            values = {"y_hat": y_hat[row, j], "y": targets[row, j], "B": 2, "sum_y": targets[row].sum()}
            assert evaluate(formula, values) == pytest.approx(delta[row, j], rel=1e-12, abs=1e-15)
    assert get_loss("mse").fused_delta_formula(targets[0]) is None


STATE_SYMBOL = {"velocity": "v", "m": "m", "v": "v"}  # how a report names each state vector
OPTIMIZERS = [
    {"name": "sgd", "learning_rate": 0.5},
    {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
    {"name": "adam", "learning_rate": 0.01},
    {"name": "adam", "learning_rate": 0.3, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3},
]


@pytest.mark.parametrize("config", OPTIMIZERS, ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_explain_reports_what_update_does_to_the_bit(config):
    optimizer = make_optimizer(config)
    rng = np.random.default_rng(7)
    params = rng.normal(size=9)
    for _step in range(4):  # the state grows: velocity and moments from earlier steps matter
        grads = rng.normal(size=9)
        reports = [optimizer.explain(i, params[i], grads[i]) for i in range(9)]
        old = params.copy()
        optimizer.update(params, grads)
        for i, lines in enumerate(reports):
            final = lines[-1]
            assert final.target == "w" and final.values["w"] == old[i]
            assert final.result == params[i]  # exactly what update() wrote
            by_target = {line.target: line.result for line in lines}
            for name in optimizer.state_vectors:  # velocity (v), or the moments, after the update
                if getattr(optimizer, name) is not None:
                    assert by_target[STATE_SYMBOL[name]] == getattr(optimizer, name)[i]
            for line in lines:  # each line's formula, with its numbers, gives its result
                assert evaluate(line.expression, line.values) == pytest.approx(line.result, rel=1e-12, abs=1e-300)


def test_flat_index_names_the_parameter_the_views_hold():
    sizes = (3, 4, 2)
    flat = np.arange(4 * 3 + 4 + 2 * 4 + 2, dtype=float)
    W1, b1, W2, b2 = split_flat(flat, sizes)
    assert flat[flat_index(sizes, 1, 2, 1)] == W1[2, 1]
    assert flat[flat_index(sizes, 1, 3, None)] == b1[3]
    assert flat[flat_index(sizes, 2, 1, 3)] == W2[1, 3]
    assert flat[flat_index(sizes, 2, 1, None)] == b2[1]
    assert init_network(list(sizes), ["tanh", "linear"], "xavier", 0).flat.size == flat.size
