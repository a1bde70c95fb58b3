"""SGD (with momentum) and Adam, with weight decay, as torch.optim defines them, on the flat parameter vector.

update(params, grads) takes the network's flat parameter vector and the matching flat
gradient and updates the parameters in place. The state (velocity, Adam's moments and step
count) lives on the optimizer and can be exported and restored, so a stored session resumes
exactly.
"""
from __future__ import annotations

import math

import numpy as np

from app.engine.expressions import Assignment, add, const, div, mul, power, sqrt, sub, sym


class Optimizer:
    """Besides updating, an optimizer says what an update does, for the pages: `summary` (an
    English msgid with %(hyper-parameter)s placeholders, translated where shown) and explain()."""

    name: str
    state_vectors: tuple[str, ...] = ()  # the names of the state's flat vectors, in checkpoint order

    def update(self, params: np.ndarray, grads: np.ndarray) -> None:
        raise NotImplementedError

    def explain(self, index: int, old: float, grad: float) -> list[Assignment]:
        """What update() does to parameter `index` of the flat vector, line by line, from the
        state this optimizer holds now (the state before the update) and the parameter's old
        value and gradient. Changes nothing; the last line's result is the new value, to the
        bit what update() writes (same operations in the same order). Symbols: w (the
        parameter), g (its gradient), lr, and the optimizer's own."""
        raise NotImplementedError

    def hyperparameters(self) -> dict[str, float]:
        raise NotImplementedError

    @property
    def summary(self) -> str:
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

    def _explain_decay(self, old: float, grad: float) -> tuple[list[Assignment], float]:
        """explain()'s first line with weight decay: g <- g + lambda * w, and the decayed g."""
        if not self.weight_decay:
            return [], grad
        decayed = grad + self.weight_decay * old
        line = Assignment("g", add(sym("g"), mul(sym("lambda"), sym("w"))), {"g": grad, "lambda": self.weight_decay, "w": old}, decayed)
        return [line], decayed

    @property
    def decay_summary(self) -> str | None:
        """An English msgid for the pages when weight decay acts, else None."""
        if not self.weight_decay:
            return None
        return ("Weight decay λ = %(weight_decay)s: the update uses g + λ · w instead of the gradient g "
                "(biases too), so every parameter is also pulled towards zero.")

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

    @property
    def summary(self):
        if self.momentum == 0.0:
            return "Each parameter moves against its gradient: w \u2190 w \u2212 \u03b7 \u00b7 \u2202L/\u2202w."
        return "SGD with momentum %(momentum)s: each parameter moves along a running sum of its gradients."

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

    def explain(self, index, old, grad):
        old, grad = float(old), float(grad)
        decay, grad = self._explain_decay(old, grad)
        if self.momentum == 0.0:
            new = old - self.lr * grad
            return decay + [Assignment("w", sub(sym("w"), mul(sym("lr"), sym("g"))), {"w": old, "lr": self.lr, "g": grad}, new)]
        velocity_before = 0.0 if self.velocity is None else float(self.velocity[index])
        velocity = velocity_before * self.momentum + grad
        new = old - self.lr * velocity
        return decay + [
            Assignment("v", add(mul(sym("mu"), sym("v")), sym("g")), {"mu": self.momentum, "v": velocity_before, "g": grad}, velocity),
            Assignment("w", sub(sym("w"), mul(sym("lr"), sym("v"))), {"w": old, "lr": self.lr, "v": velocity}, new),
        ]


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

    summary = "Adam moves each parameter by its own step size, from running averages of its gradients."

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

    def explain(self, index, old, grad):
        old, grad = float(old), float(grad)
        decay, grad = self._explain_decay(old, grad)
        step = self.step_count + 1
        m_before = 0.0 if self.m is None else float(self.m[index])
        v_before = 0.0 if self.v is None else float(self.v[index])
        bias_correction1 = 1.0 - self.beta1**step
        bias_correction2 = 1.0 - self.beta2**step
        m = m_before * self.beta1 + (1.0 - self.beta1) * grad
        v = v_before * self.beta2 + (1.0 - self.beta2) * (grad * grad)
        m_hat, v_hat = m / bias_correction1, v / bias_correction2
        # the new value in torch's order of operations, as update() computes it
        new = old - (self.lr / bias_correction1) * (m / (math.sqrt(v) / math.sqrt(bias_correction2) + self.eps))
        one = const(1)
        beta1, beta2, t = sym("beta1"), sym("beta2"), sym("t")
        return decay + [
            Assignment("m", add(mul(beta1, sym("m")), mul(sub(one, beta1), sym("g"))),
                       {"beta1": self.beta1, "m": m_before, "g": grad}, m),
            Assignment("v", add(mul(beta2, sym("v")), mul(sub(one, beta2), power(sym("g"), const(2)))),
                       {"beta2": self.beta2, "v": v_before, "g": grad}, v),
            Assignment("m_hat", div(sym("m"), sub(one, power(beta1, t))), {"m": m, "beta1": self.beta1, "t": step}, m_hat),
            Assignment("v_hat", div(sym("v"), sub(one, power(beta2, t))), {"v": v, "beta2": self.beta2, "t": step}, v_hat),
            Assignment("w", sub(sym("w"), mul(sym("lr"), div(sym("m_hat"), add(sqrt(sym("v_hat")), sym("eps"))))),
                       {"w": old, "lr": self.lr, "m_hat": m_hat, "v_hat": v_hat, "eps": self.eps}, new),
        ]


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
