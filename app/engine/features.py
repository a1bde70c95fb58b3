"""Input features: the network's inputs computed from a dataset's columns x1..xn.

Each feature is one of `xi`, `xi^2`, `xi*xj` (i < j), `sin(xi)`, `cos(xi)` (API.md, Input
features), as TensorFlow Playground offers them. Columns are numbered from 1, as they read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_PATTERNS = (
    ("x", re.compile(r"x(\d+)")),
    ("square", re.compile(r"x(\d+)\^2")),
    ("product", re.compile(r"x(\d+)\*x(\d+)")),
    ("sin", re.compile(r"sin\(x(\d+)\)")),
    ("cos", re.compile(r"cos\(x(\d+)\)")),
)
MAX_FEATURES = 1024


class FeatureError(ValueError):
    """A feature that is not one of the five forms, or names a column the data lacks."""

    def __init__(self, index: int, message: str):
        super().__init__(message)
        self.index = index
        self.message = message


@dataclass(frozen=True)
class Feature:
    kind: str  # x, square, product, sin, cos
    columns: tuple[int, ...]  # 0-based column indices

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The feature of every row of x (N, n): (N,)."""
        first = x[:, self.columns[0]]
        if self.kind == "x":
            return first
        if self.kind == "square":
            return first * first
        if self.kind == "product":
            return first * x[:, self.columns[1]]
        if self.kind == "sin":
            return np.sin(first)
        return np.cos(first)


def parse(name: str, index: int, n_columns: int) -> Feature:
    """One feature from its name; FeatureError names what is wrong with it."""
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(name) if isinstance(name, str) else None
        if match is None:
            continue
        columns = tuple(int(group) for group in match.groups())
        for column in columns:
            if not 1 <= column <= n_columns:
                raise FeatureError(index, f"features[{index}] {name!r} uses x{column}, but the data has columns x1 to x{n_columns}")
        if kind == "product" and columns[0] >= columns[1]:
            raise FeatureError(index, f"features[{index}] {name!r}: write a product as xi*xj with i < j")
        return Feature(kind, tuple(c - 1 for c in columns))
    raise FeatureError(index, f"features[{index}] {name!r} is not a feature: use xi, xi^2, xi*xj (i < j), sin(xi) or cos(xi)")


class FeatureMap:
    """The features of a config, ready to compute: map(x) -> (N, len(features))."""

    def __init__(self, names: list[str] | None, n_columns: int):
        self.n_columns = n_columns
        self.names = list(names) if names is not None else [f"x{i}" for i in range(1, n_columns + 1)]
        self.identity = names is None
        self.features = [parse(name, index, n_columns) for index, name in enumerate(self.names)]
        seen: set[str] = set()
        for index, name in enumerate(self.names):
            if name in seen:
                raise FeatureError(index, f"features[{index}] {name!r} is given twice")
            seen.add(name)

    def __len__(self) -> int:
        return len(self.features)

    def map(self, x: np.ndarray) -> np.ndarray:
        if self.identity:
            return x
        out = np.empty((x.shape[0], len(self.features)))  # (N, n_features)
        for j, feature in enumerate(self.features):
            out[:, j] = feature.apply(x)
        return out


def names_for(n_columns: int) -> list[str]:
    """Every feature TF Playground's toggles offer for n columns: x, x^2, products, sin, cos."""
    names = [f"x{i}" for i in range(1, n_columns + 1)] + [f"x{i}^2" for i in range(1, n_columns + 1)]
    names += [f"x{i}*x{j}" for i in range(1, n_columns + 1) for j in range(i + 1, n_columns + 1)]
    names += [f"sin(x{i})" for i in range(1, n_columns + 1)] + [f"cos(x{i})" for i in range(1, n_columns + 1)]
    return names
