"""SGD (with momentum) and Adam, as torch.optim defines them; update(params, grads) in place.

`params` and `grads` are parallel lists of arrays ([W1, b1, W2, b2, ...]). The state (velocity,
Adam's moments and step count) lives on the optimizer and can be exported and restored, so a
stored session resumes exactly.
"""
from __future__ import annotations

import math

import numpy as np


class Optimizer:
    name: str

    def update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        raise NotImplementedError

    def state(self) -> dict:
        raise NotImplementedError

    def load_state(self, state: dict) -> None:
        raise NotImplementedError

    def state_arrays(self) -> list[np.ndarray]:
        """Every array of the state, for the non-finite check."""
        return []


class SGD(Optimizer):
    """v = momentum*v + g; p = p - lr*v  (torch.optim.SGD, dampening 0, no Nesterov)."""

    name = "sgd"

    def __init__(self, learning_rate: float = 0.1, momentum: float = 0.0):
        self.lr = learning_rate
        self.momentum = momentum
        self.velocity: list[np.ndarray] | None = None

    def update(self, params, grads):
        if self.momentum == 0.0:
            for p, g in zip(params, grads):
                p -= self.lr * g
            return
        if self.velocity is None:
            # torch starts the buffer at g, which equals momentum*0 + g
            self.velocity = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.momentum
            v += g
            p -= self.lr * v

    def state(self):
        return {"velocity": self.velocity}

    def load_state(self, state):
        self.velocity = state.get("velocity")

    def state_arrays(self):
        return list(self.velocity or [])


class Adam(Optimizer):
    """torch.optim.Adam with bias correction, in torch's order of operations."""

    name = "adam"

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.step_count = 0
        self.m: list[np.ndarray] | None = None
        self.v: list[np.ndarray] | None = None

    def update(self, params, grads):
        if self.m is None or self.v is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.step_count += 1
        bias_correction1 = 1.0 - self.beta1**self.step_count
        bias_correction2 = 1.0 - self.beta2**self.step_count
        step_size = self.lr / bias_correction1
        sqrt_bc2 = math.sqrt(bias_correction2)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * (g * g)
            denominator = np.sqrt(v) / sqrt_bc2 + self.eps
            p -= step_size * (m / denominator)

    def state(self):
        return {"step": self.step_count, "m": self.m, "v": self.v}

    def load_state(self, state):
        self.step_count = int(state.get("step", 0))
        self.m = state.get("m")
        self.v = state.get("v")

    def state_arrays(self):
        return list(self.m or []) + list(self.v or [])


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Adam)}
OPTIMIZER_DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {"learning_rate": 0.1, "momentum": 0.0},
    "adam": {"learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}


def make_optimizer(config: dict) -> Optimizer:
    """config: {"name": ..., hyper-parameters...}; missing ones take OPTIMIZER_DEFAULTS."""
    name = config["name"]
    hyper = {**OPTIMIZER_DEFAULTS[name], **{k: v for k, v in config.items() if k != "name"}}
    return OPTIMIZERS[name](**hyper)
