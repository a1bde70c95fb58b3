"""Helpers for the session tests: a service on a temp file and exact document comparison."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from app.sessions.service import SessionService
from app.sessions.store import open_store
from app.settings import Settings
from tests.backends import database_url_for


def make_service(db: Path) -> SessionService:
    return SessionService(open_store(Settings(db_path=db, database_url=database_url_for(db))))


def differences(a, b, path="", ignore=("id", "undo_available", "version")) -> list[str]:
    """Every place where two documents differ; arrays compared exactly (np.array_equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        if set(a) - set(ignore) != set(b) - set(ignore):
            out.append(f"{path}: keys {sorted(set(a) ^ set(b))}")
        for key in set(a) & set(b):
            if key not in ignore:
                out += differences(a[key], b[key], f"{path}.{key}", ignore)
        return out
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if a is None or b is None:
            return [f"{path}: {type(a).__name__} vs {type(b).__name__}"]
        ok = np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
        return [] if ok else [f"{path}: arrays differ"]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]", ignore)]
    return [] if a == b and type(a) is type(b) or (a == b and isinstance(a, (int, float)) and isinstance(b, (int, float))) else [f"{path}: {a!r} vs {b!r}"]


def assert_same(a, b, ignore=("id", "undo_available", "version")):
    diff = differences(a, b, ignore=ignore)
    assert not diff, "\n".join(diff[:20])


def xor_config(**overrides) -> dict:
    config = {
        "layers": [2, 3, 1],
        "activations": ["tanh", "sigmoid"],
        "loss": "bce",
        "optimizer": {"name": "adam", "learning_rate": 0.05},
        "batch_size": 3,
        "seed": 4,
        "data": {"dataset": "xor", "samples": 10, "noise": 0.1, "seed": 1},
    }
    config.update(overrides)
    return config
