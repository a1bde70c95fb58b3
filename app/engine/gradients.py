"""Gradients of the batch loss two ways: backprop, and central differences to check it.

numeric_gradients is the textbook method (two full forward passes per parameter), kept as
plain as that so its cost can be measured; gradcheck perturbs one parameter at a time but
recomputes only the layers downstream of it, which gives the same central difference for a
fraction of the work.
"""
from __future__ import annotations

import numpy as np

from app.engine.losses import Loss
from app.engine.network import Network
from app.engine.stepper import Stepper


def backprop_gradients(network: Network, loss: Loss, x: np.ndarray, y: np.ndarray):
    """(loss value, dW, db) with dW[l], db[l] for l = 1..L (index 0 None)."""
    stepper = Stepper(network, loss, None, x, y)
    stepper.run(len(stepper.cycle) - 1)  # everything but the update
    trace = stepper.trace
    L = network.L
    return trace.loss, [None] + [trace.dW[l] for l in range(1, L + 1)], [None] + [trace.db[l] for l in range(1, L + 1)]


def numeric_gradients(network: Network, loss: Loss, x: np.ndarray, y: np.ndarray, eps: float = 1e-5):
    """(dW, db) by (L(p + eps) - L(p - eps)) / 2 eps for every parameter, full forward passes."""
    dW: list[np.ndarray | None] = [None]
    db: list[np.ndarray | None] = [None]
    for l in range(1, network.L + 1):
        for params, grads in ((network.W[l], dW), (network.b[l], db)):
            numeric = np.empty_like(params)
            for index in np.ndindex(params.shape):
                original = params[index]
                params[index] = original + eps
                loss_plus = loss.value(network.predict(x), y)
                params[index] = original - eps
                loss_minus = loss.value(network.predict(x), y)
                params[index] = original
                numeric[index] = (loss_plus - loss_minus) / (2 * eps)
            grads.append(numeric)
    return dW, db


class PerturbedLoss:
    """The batch loss with one parameter moved by +-eps, recomputing only downstream layers."""

    def __init__(self, network: Network, loss: Loss, x: np.ndarray, y: np.ndarray):
        self.network, self.loss, self.y = network, loss, y
        self.a = [x]
        self.z: list[np.ndarray | None] = [None]
        for l in range(1, network.L + 1):
            z = self.a[-1] @ network.W[l].T + network.b[l]  # (B, n_out)
            self.z.append(z)
            self.a.append(network.activations[l].fn(z))

    def __call__(self, layer: int, to: int, from_: int | None, shift: float) -> float:
        """Loss with W[layer][to, from_] (or b[layer][to] when from_ is None) moved by shift."""
        return self.with_kink_sides(layer, to, from_, shift)[0]

    def with_kink_sides(self, layer: int, to: int, from_: int | None, shift: float) -> tuple[float, list[np.ndarray]]:
        """(loss, z > 0 for every pre-activation on the parameter's path that feeds a kinked
        activation): the moved unit in `layer`, every unit of the layers after it."""
        net = self.network
        z = self.z[layer].copy()
        z[:, to] += shift if from_ is None else shift * self.a[layer - 1][:, from_]
        sides = [z[:, to] > 0] if net.activations[layer].kink_at_zero else []
        a = net.activations[layer].fn(z)
        for l in range(layer + 1, net.L + 1):
            z = a @ net.W[l].T + net.b[l]  # (B, n_l)
            if net.activations[l].kink_at_zero:
                sides.append(z > 0)
            a = net.activations[l].fn(z)
        return self.loss.value(a, self.y), sides


def central_difference(perturbed: PerturbedLoss, layer: int, to: int, from_: int | None, eps: float) -> dict:
    """The central difference, and whether p - eps and p + eps sit on two sides of a relu or
    leaky_relu kink somewhere on the parameter's path (then it measures no derivative: a
    disagreement with backprop there is the kink's, not a bug's)."""
    loss_plus, sides_plus = perturbed.with_kink_sides(layer, to, from_, eps)
    loss_minus, sides_minus = perturbed.with_kink_sides(layer, to, from_, -eps)
    crosses_kink = any(bool((plus != minus).any()) for plus, minus in zip(sides_plus, sides_minus))
    return {"eps": eps, "loss_plus": loss_plus, "loss_minus": loss_minus, "numeric": (loss_plus - loss_minus) / (2 * eps), "crosses_kink": crosses_kink}


def rel_error(analytic: float, numeric: float) -> float:
    return abs(analytic - numeric) / max(abs(analytic) + abs(numeric), 1e-8)


def gradcheck(network: Network, loss: Loss, x: np.ndarray, y: np.ndarray, eps: float, seed: int, limit: int = 2000) -> dict:
    """Backprop against central differences for every parameter, or a seeded sample of `limit`."""
    _, dW, db = backprop_gradients(network, loss, x, y)
    entries_index = [
        (l, to, from_)
        for l in range(1, network.L + 1)
        for to in range(network.sizes[l])
        for from_ in [*range(network.sizes[l - 1]), None]
    ] if network.parameter_count() <= limit else _sample_parameters(network, limit, seed)
    perturbed = PerturbedLoss(network, loss, x, y)
    entries = []
    for l, to, from_ in entries_index:
        analytic = float(db[l][to] if from_ is None else dW[l][to, from_])
        difference = central_difference(perturbed, l, to, from_, eps)
        numeric = difference["numeric"]
        entries.append({
            "layer": l, "to": to, "from": from_, "analytic": analytic, "numeric": numeric,
            "rel_error": rel_error(analytic, numeric),
            "abs_error": abs(analytic - numeric),  # beside rel_error, which reads ~1 for tiny gradients
            "crosses_kink": difference["crosses_kink"],
        })
    return {"max_rel_error": max(e["rel_error"] for e in entries), "entries": entries}


def _sample_parameters(network: Network, limit: int, seed: int) -> list[tuple[int, int, int | None]]:
    """`limit` distinct parameters drawn uniformly over all of them, seeded, in layer order."""
    counts = [network.sizes[l] * (network.sizes[l - 1] + 1) for l in range(1, network.L + 1)]
    picks = np.sort(np.random.default_rng(seed).choice(sum(counts), size=limit, replace=False))
    offsets = np.cumsum([0, *counts])
    chosen = []
    for flat in picks.tolist():
        layer_index = int(np.searchsorted(offsets, flat, side="right")) - 1
        to, column = divmod(flat - int(offsets[layer_index]), network.sizes[layer_index] + 1)
        chosen.append((layer_index + 1, to, None if column == network.sizes[layer_index] else column))
    return chosen
