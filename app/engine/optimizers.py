"""SGD (with momentum) and Adam, with weight decay, as torch.optim defines them, on the flat parameter vector.

update(params, grads) takes the network's flat parameter vector and the matching flat
gradient and updates the parameters in place. The state (velocity, Adam's moments and step
count) lives on the optimizer and can be exported and restored, so a stored session resumes
exactly.
"""
from __future__ import annotations

import math

import numpy as np


class Optimizer:
    name: str
    state_vectors: tuple[str, ...] = ()  # the names of the state's flat vectors, in checkpoint order

    def update(self, params: np.ndarray, grads: np.ndarray) -> None:
        raise NotImplementedError

    def hyperparameters(self) -> dict[str, float]:
        raise NotImplementedError

    def state(self) -> dict:
        """{"step": int, name: vector or None for each of state_vectors}."""
        return {"step": getattr(self, "step_count", 0), **{name: getattr(self, name) for name in self.state_vectors}}

    def load_state(self, state: dict) -> None:
        for name in self.state_vectors:
            setattr(self, name, state.get(name))
        if "step_count" in vars(self):
            self.step_count = int(state.get("step", 0))

    weight_decay: float = 0.0

    def decayed(self, params: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """g + weight_decay * p, as torch.optim adds it before momentum or Adam's moments (biases
        included); a new array, so the loss gradient the pages show stays dL/dp."""
        return grads + self.weight_decay * params if self.weight_decay else grads

    def state_arrays(self) -> list[np.ndarray]:
        """Every vector of the state that exists yet, for the non-finite check."""
        return [v for v in (getattr(self, name) for name in self.state_vectors) if v is not None]


class SGD(Optimizer):
    """v = momentum*v + g; p = p - lr*v  (torch.optim.SGD, dampening 0, no Nesterov)."""

    name = "sgd"
    state_vectors = ("velocity",)

    def __init__(self, learning_rate: float = 0.1, momentum: float = 0.0, weight_decay: float = 0.0):
        self.lr = learning_rate
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity: np.ndarray | None = None

    def hyperparameters(self):
        return {"learning_rate": self.lr, "momentum": self.momentum, "weight_decay": self.weight_decay}

    def update(self, params, grads):
        grads = self.decayed(params, grads)
        if self.momentum == 0.0:
            params -= self.lr * grads
            return
        if self.velocity is None:
            # torch starts the buffer at g, which equals momentum*0 + g
            self.velocity = np.zeros_like(params)
        self.velocity *= self.momentum
        self.velocity += grads
        params -= self.lr * self.velocity


class Adam(Optimizer):
    """torch.optim.Adam with bias correction, in torch's order of operations."""

    name = "adam"
    state_vectors = ("m", "v")

    def __init__(
        self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, weight_decay: float = 0.0
    ):
        self.lr = learning_rate
        self.weight_decay = weight_decay
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.step_count = 0
        self.m: np.ndarray | None = None
        self.v: np.ndarray | None = None

    def hyperparameters(self):
        return {"learning_rate": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps, "weight_decay": self.weight_decay}

    def update(self, params, grads):
        grads = self.decayed(params, grads)
        if self.m is None or self.v is None:
            self.m = np.zeros_like(params)
            self.v = np.zeros_like(params)
        self.step_count += 1
        bias_correction1 = 1.0 - self.beta1**self.step_count
        bias_correction2 = 1.0 - self.beta2**self.step_count
        self.m *= self.beta1
        self.m += (1.0 - self.beta1) * grads
        self.v *= self.beta2
        self.v += (1.0 - self.beta2) * (grads * grads)
        denominator = np.sqrt(self.v) / math.sqrt(bias_correction2) + self.eps
        params -= (self.lr / bias_correction1) * (self.m / denominator)


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Adam)}
OPTIMIZER_DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {"learning_rate": 0.1, "momentum": 0.0, "weight_decay": 0.0},
    "adam": {"learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
}


def make_optimizer(config: dict) -> Optimizer:
    """config: {"name": ..., hyper-parameters...}; missing ones take OPTIMIZER_DEFAULTS."""
    name = config["name"]
    hyper = {**OPTIMIZER_DEFAULTS[name], **{k: v for k, v in config.items() if k != "name"}}
    return OPTIMIZERS[name](**hyper)
