"""The step cycle: stepping layer by layer equals one whole iteration computed independently."""
from __future__ import annotations

import numpy as np
import pytest

from app.engine.losses import get_loss
from app.engine.network import init_network
from app.engine.optimizers import make_optimizer
from app.engine.steps import step_cycle
from app.engine.stepper import NonFiniteError, Stepper
from tests.engine import reference


def test_step_cycle_order():
    assert [str(s) for s in step_cycle(3)] == [
        "forward 1", "forward 2", "forward 3", "loss", "backward 3", "backward 2", "backward 1", "update",
    ]
    assert [s.as_dict() for s in step_cycle(1)] == [
        {"phase": "forward", "layer": 1}, {"phase": "loss"}, {"phase": "backward", "layer": 1}, {"phase": "update"},
    ]


@pytest.mark.parametrize(
    "sizes,acts,loss",
    [
        ([3, 5, 4, 2], ["tanh", "relu", "sigmoid"], "mse"),
        ([2, 4, 1], ["leaky_relu", "sigmoid"], "bce"),
        ([4, 6, 3], ["sigmoid", "softmax"], "cross_entropy"),
        ([1, 1], ["linear"], "mse"),
    ],
)
def test_stepping_layer_by_layer_equals_one_whole_iteration(sizes, acts, loss):
    rng = np.random.default_rng(11)
    net = init_network(sizes, acts, "normal", seed=3)
    for l in range(1, len(sizes)):
        net.b[l][:] = rng.normal(size=sizes[l])  # in place: b[l] is a view of net.flat
    x = rng.normal(size=(5, sizes[0]))
    y = rng.dirichlet(np.ones(sizes[-1]), size=5) if loss == "cross_entropy" else rng.uniform(size=(5, sizes[-1]))
    W = [None] + [w.copy() for w in net.W[1:]]
    b = [None] + [v.copy() for v in net.b[1:]]
    expected = reference.backward(W, b, [None] + acts, loss, x, y)

    stepper = Stepper(net, get_loss(loss), make_optimizer({"name": "sgd", "learning_rate": 0.3}), x, y)
    L = len(sizes) - 1
    for l in range(1, L + 1):  # after forward l, exactly layers 1..l are computed
        assert stepper.step().as_dict() == {"phase": "forward", "layer": l}
        assert sorted(stepper.trace.z) == list(range(1, l + 1))
        assert stepper.trace.loss is None
    assert stepper.step().phase == "loss"
    assert stepper.trace.loss == pytest.approx(expected["loss"], rel=1e-12)
    for l in range(L, 0, -1):
        assert stepper.step().as_dict() == {"phase": "backward", "layer": l}
        assert sorted(stepper.trace.dW) == list(range(l, L + 1))
    trace = stepper.trace
    for l in range(1, L + 1):
        for name, got in (("z", trace.z), ("a", trace.a), ("dA", trace.dA), ("delta", trace.delta), ("dW", trace.dW), ("db", trace.db)):
            np.testing.assert_allclose(got[l], expected[name][l], rtol=1e-10, atol=1e-14, err_msg=f"{name}[{l}]")
    assert stepper.step().phase == "update"
    assert stepper.next_step is None
    for l in range(1, L + 1):
        np.testing.assert_allclose(net.W[l], W[l] - 0.3 * expected["dW"][l], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(net.b[l], b[l] - 0.3 * expected["db"][l], rtol=1e-12, atol=1e-15)


def test_forward_overflow_raises_non_finite_error_and_records_nothing():
    net = init_network([1, 1], ["linear"], weights=[[[1e200]]], biases=[[0.0]])
    stepper = Stepper(net, get_loss("mse"), make_optimizer({"name": "sgd"}), np.array([[1e200]]), np.array([[0.0]]))
    with pytest.raises(NonFiniteError) as error:
        stepper.step()
    assert error.value.step.as_dict() == {"phase": "forward", "layer": 1}
    assert 1 not in stepper.trace.z and stepper.done == 0


def test_loss_overflow_raises_non_finite_error():
    net = init_network([1, 1], ["linear"], weights=[[[1e200]]], biases=[[0.0]])
    stepper = Stepper(net, get_loss("mse"), make_optimizer({"name": "sgd"}), np.array([[1.0]]), np.array([[0.0]]))
    stepper.step()
    with pytest.raises(NonFiniteError) as error:
        stepper.step()
    assert error.value.step.phase == "loss"
    assert stepper.trace.loss is None


def test_update_overflow_raises_non_finite_error():
    # dW = 2 * 1e150 * 1e155 = 2e305, times lr 1000 overflows
    net = init_network([1, 1], ["linear"], weights=[[[1e-5]]], biases=[[0.0]])
    stepper = Stepper(net, get_loss("mse"), make_optimizer({"name": "sgd", "learning_rate": 1000.0}), np.array([[1e155]]), np.array([[0.0]]))
    stepper.run(3)
    with pytest.raises(NonFiniteError) as error:
        stepper.step()
    assert error.value.step.phase == "update"


@pytest.mark.parametrize("optimizer", [{"name": "sgd", "learning_rate": 0.2, "momentum": 0.9}, {"name": "adam", "learning_rate": 0.01}])
def test_run_iteration_equals_stepping_bit_for_bit(optimizer):
    """train's fast inner iterations do step()'s arithmetic: the same parameters, loss and state."""
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(6, 3)), rng.dirichlet(np.ones(3), size=6)
    stepped = init_network([3, 5, 4, 3], ["tanh", "relu", "softmax"], "he", seed=1)
    fast = stepped.copy()
    a = Stepper(stepped, get_loss("cross_entropy"), make_optimizer(optimizer), x, y)
    b = Stepper(fast, get_loss("cross_entropy"), make_optimizer(optimizer), x, y)
    for _ in range(4):
        a.run(len(a.cycle))
        b.run_iteration()
        assert a.trace.loss == b.trace.loss
        assert np.array_equal(stepped.flat, fast.flat)
        for name in a.optimizer.state_vectors:
            assert np.array_equal(getattr(a.optimizer, name), getattr(b.optimizer, name))
        a.begin(x, y)
        b.begin(x, y)
    # and from the middle of an iteration
    a.run(3)
    b.run(3)
    a.run(len(a.cycle) - 3)
    b.run_iteration()
    assert np.array_equal(stepped.flat, fast.flat) and b.next_step is None


def test_network_parameters_are_views_of_one_vector():
    net = init_network([2, 3, 1], ["tanh", "sigmoid"], "xavier", seed=0)
    assert net.flat.shape == (13,) and net.parameter_count() == 13
    net.W[2][0, 1] = 7.0
    net.b[1][2] = -3.0
    assert net.flat[9 + 1] == 7.0 and net.flat[6 + 2] == -3.0
    copy = net.copy()
    copy.W[1][0, 0] = 99.0
    assert net.W[1][0, 0] != 99.0
