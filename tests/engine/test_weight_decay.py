"""Weight decay exactly as torch.optim applies it: g + wd * p for every parameter (biases too),
before momentum or Adam's moments. Compared with torch.optim.SGD and Adam to 1e-9 over several
iterations of a whole session (the step cycle, the optimizer state carried between iterations)."""
from __future__ import annotations

import numpy as np
import pytest

from app.engine.losses import get_loss
from app.engine.network import init_network
from app.engine.optimizers import SGD, Adam, make_optimizer
from app.engine.stepper import Stepper

torch = pytest.importorskip("torch", reason="torch is not installed: `.venv/bin/pip install torch==2.13.0` runs the comparison with torch.optim")

ITERATIONS = 6


def _data(seed: int = 3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(12, 3))
    y = (rng.uniform(size=(12, 2)) > 0.5).astype(float)
    return x, y


def _engine_run(optimizer_config: dict):
    x, y = _data()
    network = init_network([3, 5, 2], ["tanh", "sigmoid"], "xavier", seed=7)
    start = [p.copy() for p in network.parameters()]
    stepper = Stepper(network, get_loss("mse"), make_optimizer(optimizer_config), x, y)
    for _ in range(ITERATIONS):
        stepper.begin(x, y)
        stepper.run(len(stepper.cycle))
    return start, network.parameters()


def _torch_run(start, optimizer_factory):
    x, y = (torch.tensor(a, dtype=torch.float64) for a in _data())
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in start]
    optimizer = optimizer_factory(params)
    for _ in range(ITERATIONS):
        optimizer.zero_grad()
        W1, b1, W2, b2 = params
        out = torch.sigmoid(torch.tanh(x @ W1.T + b1) @ W2.T + b2)
        torch.nn.functional.mse_loss(out, y).backward()
        optimizer.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize(
    "config, factory",
    [
        ({"name": "sgd", "learning_rate": 0.3, "weight_decay": 0.05},
         lambda p: torch.optim.SGD(p, lr=0.3, weight_decay=0.05)),
        ({"name": "sgd", "learning_rate": 0.3, "momentum": 0.9, "weight_decay": 0.05},
         lambda p: torch.optim.SGD(p, lr=0.3, momentum=0.9, weight_decay=0.05)),
        ({"name": "adam", "learning_rate": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-7, "weight_decay": 0.1},
         lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-7, weight_decay=0.1)),
    ],
    ids=["sgd", "sgd-momentum", "adam"],
)
def test_weight_decay_matches_torch_optim(config, factory):
    start, ours = _engine_run(config)
    theirs = _torch_run(start, factory)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-9)
    # and the decay really acted: without it the parameters end elsewhere
    _start, plain = _engine_run({**config, "weight_decay": 0.0})
    assert max(np.abs(a - b).max() for a, b in zip(ours, plain)) > 1e-4


def test_decay_is_added_to_a_copy_and_the_shown_gradient_stays_dl_dp():
    params = np.array([1.0, -2.0, 0.5])
    grads = np.array([0.1, 0.2, -0.3])
    shown = grads.copy()
    SGD(learning_rate=0.1, weight_decay=0.5).update(params, grads)
    assert np.array_equal(grads, shown)
    assert np.allclose(params, [1.0 - 0.1 * (0.1 + 0.5), -2.0 - 0.1 * (0.2 - 1.0), 0.5 - 0.1 * (-0.3 + 0.25)])
    adam = Adam(learning_rate=0.1, weight_decay=0.5)
    assert adam.hyperparameters()["weight_decay"] == 0.5
