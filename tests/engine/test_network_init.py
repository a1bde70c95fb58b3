"""Weight initialisation: seeded, with the distributions' documented scale."""
from __future__ import annotations

import numpy as np
import pytest

from app.engine.network import init_network


@pytest.mark.parametrize("init", ["xavier", "he", "normal", "uniform", "zeros"])
def test_same_seed_same_network_other_seed_other_network(init):
    a = init_network([3, 5, 2], ["tanh", "sigmoid"], init, seed=7)
    b = init_network([3, 5, 2], ["tanh", "sigmoid"], init, seed=7)
    c = init_network([3, 5, 2], ["tanh", "sigmoid"], init, seed=8)
    for l in (1, 2):
        assert a.W[l].shape == ((5, 3) if l == 1 else (2, 5))
        assert np.array_equal(a.W[l], b.W[l])
        assert np.array_equal(a.b[l], np.zeros(a.sizes[l]))
        if init != "zeros":
            assert not np.array_equal(a.W[l], c.W[l])


def test_xavier_uniform_limit():
    net = init_network([400, 200], ["tanh"], "xavier", seed=1)
    limit = np.sqrt(6 / (400 + 200))
    W = net.W[1]
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.99 * limit  # fills the range
    assert W.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)  # uniform's std
    assert abs(W.mean()) < 0.01 * limit


def test_he_normal_std():
    net = init_network([300, 400], ["relu"], "he", seed=2)
    assert net.W[1].std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)
    assert abs(net.W[1].mean()) < 0.02 * np.sqrt(2 / 300)


def test_normal_and_uniform_scales():
    normal = init_network([300, 300], ["tanh"], "normal", seed=3).W[1]
    assert normal.std() == pytest.approx(1.0, rel=0.02)
    uniform = init_network([300, 300], ["tanh"], "uniform", seed=3).W[1]
    assert uniform.min() >= -1 and uniform.max() <= 1 and uniform.max() > 0.99
    assert uniform.std() == pytest.approx(1 / np.sqrt(3), rel=0.02)


def test_zeros_is_all_zero():
    net = init_network([4, 3, 2], "sigmoid", "zeros", seed=5)
    assert all(not net.W[l].any() and not net.b[l].any() for l in (1, 2))


def test_explicit_weights_and_biases_override_init():
    net = init_network([2, 1], ["linear"], "he", seed=0, weights=[[[1.5, -2.0]]], biases=[[0.25]])
    assert net.W[1].tolist() == [[1.5, -2.0]]
    assert net.b[1].tolist() == [0.25]
    assert net.W[1].dtype == np.float64
