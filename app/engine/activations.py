"""Activation functions: one small class each, fn(z) and grad(z), and a name -> class registry.

Derivatives at exactly 0 follow PyTorch: relu 0, leaky_relu 0.01.
"""
from __future__ import annotations

import numpy as np


class Activation:
    name: str
    output_only = False  # softmax couples the units of a layer: only the output may use it
    kink_at_zero = False  # f' jumps at z = 0 (relu, leaky_relu): central differences across it disagree

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

    def fn(self, z):
        return z  # arrays are never changed in place once computed, so no copy is needed

    def grad(self, z):
        return np.ones_like(z)

    def backward(self, z, a, dA):
        return dA


class Sigmoid(Activation):
    name = "sigmoid"

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

    def fn(self, z):
        return np.tanh(z)

    def grad(self, z):
        return 1.0 - np.tanh(z) ** 2

    def backward(self, z, a, dA):
        return dA * (1.0 - a * a)


class ReLU(Activation):
    name = "relu"
    kink_at_zero = True

    def fn(self, z):
        return np.maximum(z, 0.0)

    def grad(self, z):
        return (z > 0).astype(z.dtype)

    def backward(self, z, a, dA):
        return dA * (z > 0)  # an infinite dA times 0 is NaN: refused, not hidden


class LeakyReLU(Activation):
    name = "leaky_relu"
    kink_at_zero = True
    slope = 0.01

    def fn(self, z):
        return np.where(z > 0, z, self.slope * z)

    def grad(self, z):
        return np.where(z > 0, 1.0, self.slope)

    def backward(self, z, a, dA):
        return np.where(z > 0, dA, self.slope * dA)


class Softmax(Activation):
    name = "softmax"
    output_only = True

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
