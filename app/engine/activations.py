"""Activation functions: one small class each, fn(z) and grad(z), and a name -> class registry.

Derivatives at exactly 0 follow PyTorch: relu 0, leaky_relu 0.01.
"""
from __future__ import annotations

import numpy as np

from app.engine.expressions import Expression, call, div, exp, sym, total


class Activation:
    """What the pages show of an activation comes from here too: `symbol` (how formulas write
    it), `output_range` (the values it can take, for colour scales), `formula` (a in terms of z),
    `elementwise` and `derivative_at` (f'(z) of one sample)."""

    name: str
    symbol: str
    output_only = False  # softmax couples the units of a layer: only the output may use it
    output_range: tuple[float, float] | None = None  # None: unbounded (the page scales by the largest value)
    elementwise = True  # delta = dL/da * f'(z) unit by unit (softmax: its Jacobian couples the units)

    @property
    def formula(self) -> Expression:
        """a_j in terms of z_j (symbol "z"; "z_k" for the other units of the layer)."""
        return call(self.symbol, sym("z"))

    def derivative_at(self, z_row: np.ndarray) -> np.ndarray:
        """f'(z) for the pre-activations of one sample (for softmax its Jacobian's diagonal)."""
        return self.grad(np.asarray(z_row, dtype=float)[None, :])[0]

    def fn(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad(self, z: np.ndarray) -> np.ndarray:
        """f'(z) element-wise (for softmax the Jacobian's diagonal, what a unit inspector shows)."""
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, dA: np.ndarray) -> np.ndarray:
        """delta = dL/dz from dL/da; element-wise functions multiply by f'(z)."""
        return dA * self.grad(z)


class Linear(Activation):
    name = "linear"
    symbol = "id"
    formula = sym("z")

    def fn(self, z):
        return z  # arrays are never changed in place once computed, so no copy is needed

    def grad(self, z):
        return np.ones_like(z)

    def backward(self, z, a, dA):
        return dA


class Sigmoid(Activation):
    name = "sigmoid"
    symbol = "\u03c3"
    output_range = (0.0, 1.0)

    def fn(self, z):
        # exp of a negative number only: no overflow warning for large |z|
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def grad(self, z):
        s = self.fn(z)
        return s * (1.0 - s)

    def backward(self, z, a, dA):
        return dA * a * (1.0 - a)


class Tanh(Activation):
    name = "tanh"
    symbol = "tanh"
    output_range = (-1.0, 1.0)

    def fn(self, z):
        return np.tanh(z)

    def grad(self, z):
        return 1.0 - np.tanh(z) ** 2

    def backward(self, z, a, dA):
        return dA * (1.0 - a * a)


class ReLU(Activation):
    name = "relu"
    symbol = "ReLU"

    def fn(self, z):
        return np.maximum(z, 0.0)

    def grad(self, z):
        return (z > 0).astype(z.dtype)

    def backward(self, z, a, dA):
        return dA * (z > 0)  # an infinite dA times 0 is NaN: refused, not hidden


class LeakyReLU(Activation):
    name = "leaky_relu"
    symbol = "LeakyReLU"
    slope = 0.01

    def fn(self, z):
        return np.where(z > 0, z, self.slope * z)

    def grad(self, z):
        return np.where(z > 0, 1.0, self.slope)

    def backward(self, z, a, dA):
        return np.where(z > 0, dA, self.slope * dA)


class Softmax(Activation):
    name = "softmax"
    symbol = "softmax"
    output_only = True
    output_range = (0.0, 1.0)
    elementwise = False
    formula = div(exp(sym("z")), total("k", exp(sym("z_k"))))

    def fn(self, z):
        shifted = np.exp(z - z.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def grad(self, z):
        a = self.fn(z)
        return a * (1.0 - a)

    def backward(self, z, a, dA):
        # the Jacobian diag(a) - a a^T applied to each row of dA
        return a * (dA - (dA * a).sum(axis=1, keepdims=True))


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Linear, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax)
}


def get_activation(name: str) -> Activation:
    return ACTIVATIONS[name]()
