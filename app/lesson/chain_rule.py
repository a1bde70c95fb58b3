"""Page 4: f(x) = cos(x^2 - 1) as u = x^2 - 1 then f = cos(u); local derivatives multiply."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
