"""Activations at their edges and losses against numbers worked out by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from app.engine.activations import ACTIVATIONS, get_activation
from app.engine.losses import get_loss


def test_the_registry_has_exactly_the_six_activations():
    assert set(ACTIVATIONS) == {"linear", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"}


def test_relu_and_leaky_relu_derivatives_at_exactly_zero_follow_pytorch():
    z = np.array([[-2.0, -0.0, 0.0, 3.0]])
    assert get_activation("relu").grad(z).tolist() == [[0.0, 0.0, 0.0, 1.0]]
    assert get_activation("leaky_relu").grad(z).tolist() == [[0.01, 0.01, 0.01, 1.0]]
    # the backward pass uses the same derivative
    dA = np.ones_like(z)
    assert get_activation("relu").backward(z, get_activation("relu").fn(z), dA).tolist() == [[0.0, 0.0, 0.0, 1.0]]
    assert get_activation("leaky_relu").backward(z, get_activation("leaky_relu").fn(z), dA).tolist() == [[0.01, 0.01, 0.01, 1.0]]


def test_activation_values_by_hand():
    z = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_allclose(get_activation("sigmoid").fn(z), [[1 / (1 + math.e), 0.5, 1 / (1 + math.exp(-2))]], rtol=1e-15)
    np.testing.assert_allclose(get_activation("tanh").fn(z), [[math.tanh(-1), 0.0, math.tanh(2)]], rtol=1e-15)
    np.testing.assert_allclose(get_activation("leaky_relu").fn(z), [[-0.01, 0.0, 2.0]], rtol=1e-15)
    np.testing.assert_allclose(get_activation("relu").fn(z), [[0.0, 0.0, 2.0]], rtol=1e-15)
    np.testing.assert_allclose(get_activation("linear").fn(z), z)
    e = np.exp([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(get_activation("softmax").fn(z), [e / e.sum()], rtol=1e-15)


def test_sigmoid_and_softmax_do_not_overflow_at_large_inputs():
    z = np.array([[-800.0, 800.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert get_activation("sigmoid").fn(z).tolist() == [[0.0, 1.0]]
        assert get_activation("softmax").fn(z).tolist() == [[0.0, 1.0]]


@pytest.mark.parametrize("name", ["linear", "sigmoid", "tanh", "relu", "leaky_relu"])
def test_elementwise_grad_is_the_derivative(name):
    act = get_activation(name)
    z = np.linspace(-3, 3, 13).reshape(1, -1) + 0.05  # off the kink at 0
    h = 1e-6
    np.testing.assert_allclose(act.grad(z), (act.fn(z + h) - act.fn(z - h)) / (2 * h), rtol=1e-6, atol=1e-9)


def test_mse_is_the_mean_over_every_element():
    y_hat = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]])
    y = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    # squares 1, 4, 4, 9, 0, 4 = 22 over 6 elements
    assert get_loss("mse").value(y_hat, y) == pytest.approx(22 / 6, rel=1e-15)
    np.testing.assert_allclose(get_loss("mse").grad(y_hat, y), 2 * (y_hat - y) / 6, rtol=1e-15)


def test_bce_by_hand():
    y_hat = np.array([[0.8], [0.1]])
    y = np.array([[1.0], [0.0]])
    # -(log 0.8 + log 0.9) / 2
    assert get_loss("bce").value(y_hat, y) == pytest.approx(-(math.log(0.8) + math.log(0.9)) / 2, rel=1e-14)
    # with a probability target: -(0.3 log 0.6 + 0.7 log 0.4)
    assert get_loss("bce").value(np.array([[0.6]]), np.array([[0.3]])) == pytest.approx(-(0.3 * math.log(0.6) + 0.7 * math.log(0.4)), rel=1e-14)


def test_bce_clamps_log_at_minus_100_like_pytorch():
    # log(0) would be -inf: torch.nn.BCELoss clamps it to -100
    assert get_loss("bce").value(np.array([[0.0]]), np.array([[1.0]])) == 100.0
    assert get_loss("bce").value(np.array([[1.0]]), np.array([[0.0]])) == 100.0
    # a mean over 2 elements: one clamped (100), one exact (-log 0.5)
    value = get_loss("bce").value(np.array([[0.0, 0.5]]), np.array([[1.0, 1.0]]))
    assert value == pytest.approx((100 + math.log(2)) / 2, rel=1e-14)
    # y log a with y = 0 and a = 0: 0 * (-100), not NaN
    assert get_loss("bce").value(np.array([[0.0]]), np.array([[0.0]])) == 0.0


def test_bce_grad_is_finite_where_the_output_saturates():
    g = get_loss("bce").grad(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert np.isfinite(g).all()
    # torch: (a - y) / max(a (1 - a), 1e-12) / n
    np.testing.assert_allclose(g, [[-1 / 1e-12 / 2, 1 / 1e-12 / 2]], rtol=1e-12)


def test_cross_entropy_is_the_mean_over_the_batch_not_the_elements():
    y_hat = np.array([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    expected = (-math.log(0.7) + -(0.5 * math.log(0.25) + 0.5 * math.log(0.5))) / 2
    assert get_loss("cross_entropy").value(y_hat, y) == pytest.approx(expected, rel=1e-14)


def test_cross_entropy_with_a_zero_probability_on_a_zero_target_is_finite():
    assert get_loss("cross_entropy").value(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])) == 0.0
