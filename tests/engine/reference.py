"""An independent plain-NumPy network for the tests: forward, losses, backward, written out
from the formulas of API.md without importing anything from app.engine."""
from __future__ import annotations

import numpy as np


def act_fn(name, z):
    if name == "linear":
        return z
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise KeyError(name)


def act_grad(name, z):
    """Element-wise f'(z) (not for softmax)."""
    if name == "linear":
        return np.ones_like(z)
    if name == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0) * 1.0
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, 0.01)
    raise KeyError(name)


def loss_value(name, y_hat, y):
    if name == "mse":
        return np.mean((y_hat - y) ** 2)
    if name == "bce":
        return np.mean(-(y * np.maximum(np.log(y_hat), -100) + (1 - y) * np.maximum(np.log(1 - y_hat), -100)))
    if name == "cross_entropy":
        return np.mean(-np.sum(y * np.log(y_hat), axis=1))
    raise KeyError(name)


def forward(W, b, acts, x):
    """z[1..L], a[0..L] as lists (index 0 of z unused)."""
    zs, a_s = [None], [x]
    for l in range(1, len(W)):
        z = a_s[-1] @ W[l].T + b[l]
        zs.append(z)
        a_s.append(act_fn(acts[l], z))
    return zs, a_s


def backward(W, b, acts, loss, x, y):
    """Everything one iteration computes: dict of z, a, dA, delta, dW, db by layer, and the loss."""
    L = len(W) - 1
    zs, a_s = forward(W, b, acts, x)
    y_hat = a_s[L]
    B = x.shape[0]
    if loss == "mse":
        dA = 2 * (y_hat - y) / y_hat.size
    elif loss == "bce":
        dA = (y_hat - y) / (y_hat * (1 - y_hat)) / y_hat.size
    else:
        dA = -y / y_hat / B
    out = {"z": {}, "a": {}, "dA": {}, "delta": {}, "dW": {}, "db": {}, "loss": loss_value(loss, y_hat, y)}
    for l in range(L, 0, -1):
        if acts[l] == "softmax":
            s = a_s[l]
            delta = s * (dA - np.sum(dA * s, axis=1, keepdims=True))
        else:
            delta = dA * act_grad(acts[l], zs[l])
        out["dA"][l], out["delta"][l] = dA, delta
        out["dW"][l] = delta.T @ a_s[l - 1]
        out["db"][l] = delta.sum(axis=0)
        dA = delta @ W[l]
    for l in range(1, L + 1):
        out["z"][l], out["a"][l] = zs[l], a_s[l]
    return out


def finite_difference(W, b, acts, loss, x, y, eps=1e-6):
    """Central differences of the loss for every W[l][j,i] and b[l][j]."""
    dW, db = [None], [None]
    for l in range(1, len(W)):
        for params, grads in ((W[l], dW), (b[l], db)):
            g = np.zeros_like(params)
            for idx in np.ndindex(params.shape):
                keep = params[idx]
                params[idx] = keep + eps
                plus = loss_value(loss, forward(W, b, acts, x)[1][-1], y)
                params[idx] = keep - eps
                minus = loss_value(loss, forward(W, b, acts, x)[1][-1], y)
                params[idx] = keep
                g[idx] = (plus - minus) / (2 * eps)
            grads.append(g)
    return dW, db
