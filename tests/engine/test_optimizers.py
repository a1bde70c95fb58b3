"""SGD, SGD with momentum and Adam against numbers worked out by hand (torch.optim's rules)."""
from __future__ import annotations

import numpy as np
import pytest

from app.engine.optimizers import make_optimizer


def run(config, grads, p0=0.0):
    p = np.array([p0])
    opt = make_optimizer(config)
    seen = []
    for g in grads:
        opt.update(p, np.array([g]))  # the flat parameter vector and its gradient
        seen.append(float(p[0]))
    return seen


def test_plain_sgd():
    # p = 1 - 0.1*0.5 = 0.95; 0.95 - 0.1*(-2) = 1.15; 1.15 - 0.1*1 = 1.05
    assert run({"name": "sgd", "learning_rate": 0.1}, [0.5, -2.0, 1.0], p0=1.0) == pytest.approx([0.95, 1.15, 1.05], abs=1e-15)


def test_sgd_defaults_are_lr_0_1_no_momentum():
    assert run({"name": "sgd"}, [1.0, 1.0]) == pytest.approx([-0.1, -0.2], abs=1e-15)


def test_sgd_with_momentum():
    # v1 = 1 -> p = -0.1; v2 = 0.9 + 2 = 2.9 -> p = -0.39; v3 = 2.61 - 1 = 1.61 -> p = -0.551
    assert run({"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}, [1.0, 2.0, -1.0]) == pytest.approx([-0.1, -0.39, -0.551], abs=1e-14)


def test_adam_constant_gradient_moves_lr_per_step():
    # bias-corrected: m_hat = g, v_hat = g^2, so each step is lr * g / (|g| + eps)
    step = 0.1 / (1 + 1e-8)
    assert run({"name": "adam", "learning_rate": 0.1}, [1.0, 1.0, 1.0]) == pytest.approx([-step, -2 * step, -3 * step], abs=1e-15)


def test_adam_alternating_gradient_by_hand():
    # step 1: m = 0.1, v = 0.001, m_hat = 1, v_hat = 1: p = -0.1 (eps aside)
    # step 2 (g = -1): m = 0.09 - 0.1 = -0.01, v = 0.000999 + 0.001 = 0.001999
    #   m_hat = -0.01 / 0.19 = -0.0526315789..., v_hat = 0.001999 / 0.001999 = 1: p = -0.1 + 0.00526315789...
    # step 3 (g = 2): m = -0.009 + 0.2 = 0.191, v = 0.001997001 + 0.004 = 0.005997001
    #   m_hat = 0.191 / 0.271 = 0.704797..., v_hat = 0.005997001 / 0.002997001 = 2.000999...
    p1 = -0.1 / (1 + 1e-8)
    p2 = p1 + 0.1 * (0.01 / 0.19) / (1 + 1e-8)
    p3 = p2 - 0.1 * (0.191 / 0.271) / (np.sqrt(0.005997001 / 0.002997001) + 1e-8)
    assert run({"name": "adam", "learning_rate": 0.1}, [1.0, -1.0, 2.0]) == pytest.approx([p1, p2, p3], rel=1e-12)


def test_adam_defaults():
    opt = make_optimizer({"name": "adam"})
    assert (opt.lr, opt.beta1, opt.beta2, opt.eps) == (0.001, 0.9, 0.999, 1e-8)


def test_optimizer_state_round_trip_resumes_exactly():
    grads = [0.3, -0.7, 1.1, 0.2]
    for config in ({"name": "sgd", "learning_rate": 0.1, "momentum": 0.5}, {"name": "adam", "learning_rate": 0.05}):
        straight = run(config, grads)
        p = np.array([0.0])
        first = make_optimizer(config)
        for g in grads[:2]:
            first.update(p, np.array([g]))
        second = make_optimizer(config)
        second.load_state(first.state())
        for g in grads[2:]:
            second.update(p, np.array([g]))
        assert float(p[0]) == straight[-1]
