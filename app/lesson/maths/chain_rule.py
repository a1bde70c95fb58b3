"""Page 4: f(x) = cos(x^2 - 1) as u = x^2 - 1 then f = cos(u); local derivatives multiply."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engine.gradients import backprop_gradients
from app.engine.losses import get_loss
from app.engine.network import init_network
from app.sessions.presets import PRESETS


def inner(x):
    return x * x - 1


def outer(u):
    return np.cos(u)


def composite(x):
    return outer(inner(x))


@dataclass(frozen=True)
class ChainRuleNumbers:
    x: float
    u: float
    f: float
    du_dx: float  # 2x
    df_du: float  # -sin(u)
    product: float  # df/du * du/dx
    central: float  # (f(x+h) - f(x-h)) / 2h
    h: float
    difference: float  # |product - central|


def chain_rule_at(x: float, h: float = 1e-5) -> ChainRuleNumbers:
    x = float(x)
    u = float(inner(x))
    du_dx = 2 * x
    df_du = float(-np.sin(u))
    product = df_du * du_dx
    central = float((composite(x + h) - composite(x - h)) / (2 * h))
    return ChainRuleNumbers(x, u, float(outer(u)), du_dx, df_du, product, central, h, abs(product - central))


@dataclass(frozen=True)
class EdgeChain:
    """dL/dw of one edge of a real network as the product of three local derivatives."""

    layer: int
    to: int
    from_: int
    weight: float
    dL_da: float  # the loss's slope in the unit's output a
    da_dz: float  # the activation's slope at the unit's input z
    dz_dw: float  # the input that the weight multiplies: a of the unit it comes from
    product: float
    backprop: float  # the engine's dW[layer][to, from_]


def worked_example_edge(layer: int = 2, to: int = 0, from_: int = 0) -> EdgeChain:
    """The chain rule read off the edge from_ -> to of the worked-example preset, with the engine."""
    config = next(p for p in PRESETS if p["name"] == "worked-example")["config"]
    network = init_network(config["layers"], config["activations"], weights=config["weights"], biases=config["biases"])
    loss = get_loss(config["loss"])
    x = np.array(config["data"]["inputs"], dtype=float)
    y = np.array(config["data"]["targets"], dtype=float)
    a = network.forward(x)
    z = a[layer - 1] @ network.W[layer].T + network.b[layer]  # (B, n_out)
    if layer != network.L:
        raise ValueError("the lesson reads an edge into the output layer: dL/da is the loss's own slope")
    dL_da = loss.grad(a[layer], y)[0, to]
    da_dz = network.activations[layer].grad(z)[0, to]
    dz_dw = a[layer - 1][0, from_]
    _value, dW, _db = backprop_gradients(network, loss, x, y)
    return EdgeChain(
        layer, to, from_, float(network.W[layer][to, from_]), float(dL_da), float(da_dz), float(dz_dw),
        float(dL_da * da_dz * dz_dw), float(dW[layer][to, from_]),
    )
