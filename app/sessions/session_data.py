"""A session's data as its network trains on it: features of every row, the held-out split,
and which metrics its history keeps.

Everything here is a pure function of the config and the dataset's rows, so nothing of it is
stored; a small per-process cache keeps the arrays of recent sessions between requests.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from app.engine.features import FeatureMap
from app.engine.metrics import is_classification, split_rows

CACHE_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class SessionData:
    raw_inputs: np.ndarray  # (N, n) the dataset's columns x1..xn
    targets: np.ndarray  # (N, k)
    inputs: np.ndarray  # (N, n_0) the features of every row: what layer 0 shows
    features: FeatureMap
    train_rows: np.ndarray  # dataset row numbers, ascending
    test_rows: np.ndarray
    held_out: tuple[np.ndarray, np.ndarray] | None  # (x, y) of the held-out rows, features applied
    with_accuracy: bool
    metric_names: tuple[str, ...]  # the fields of each history entry after "iteration"

    @property
    def all_rows_train(self) -> bool:
        return self.test_rows.size == 0

    @property
    def nbytes(self) -> int:
        held = self.held_out[0].nbytes + self.held_out[1].nbytes if self.held_out else 0
        own = self.inputs.nbytes if self.inputs is not self.raw_inputs else 0
        return own + held + self.raw_inputs.nbytes + self.targets.nbytes


def build(raw_inputs: np.ndarray, targets: np.ndarray, data: dict | None, seed: int) -> SessionData:
    """data: the config's data fields (test_fraction, features); None for plain data."""
    data = data if isinstance(data, dict) else {}
    features = FeatureMap(data.get("features"), raw_inputs.shape[1])
    inputs = features.map(raw_inputs)
    train_rows, test_rows = split_rows(raw_inputs.shape[0], data.get("test_fraction", 0.0), seed)
    held_out = (inputs[test_rows], targets[test_rows]) if test_rows.size else None
    with_accuracy = is_classification(targets)
    names = ["loss"]
    if held_out is not None:
        names.append("test_loss")
    if with_accuracy:
        names.append("accuracy")
        if held_out is not None:
            names.append("test_accuracy")
    return SessionData(raw_inputs, targets, inputs, features, train_rows, test_rows, held_out, with_accuracy, tuple(names))


class SessionDataCache:
    """Recent sessions' data by (source, options): a class stepping one dataset gathers it once."""

    def __init__(self, budget: int = CACHE_BYTES):
        self.budget = budget
        self._entries: OrderedDict[tuple, SessionData] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, make) -> SessionData:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        made = make()
        with self._lock:
            self._entries[key] = made
            total = sum(entry.nbytes for entry in self._entries.values())
            while total > self.budget and len(self._entries) > 1:
                _key, oldest = self._entries.popitem(last=False)
                total -= oldest.nbytes
        return made
