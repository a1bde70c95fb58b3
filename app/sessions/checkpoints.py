"""Checkpoints: the parameters and optimizer state at the start of an iteration, as bytes.

A checkpoint is the network's flat parameter vector followed by each flat vector of the
optimizer's state, as float64 bytes; `meta` says which state vectors follow.
"""
from __future__ import annotations

import numpy as np

from app.engine.network import Network
from app.engine.optimizers import Optimizer
from app.sessions.store import StoredCheckpoint


def encode(network: Network, optimizer: Optimizer, iteration: int) -> StoredCheckpoint:
    state = optimizer.state()
    vectors = [name for name in optimizer.state_vectors if state[name] is not None]
    meta = {"iteration": iteration, "optimizer": optimizer.name, "step": state["step"], "state_vectors": vectors}
    return StoredCheckpoint(meta, np.concatenate([network.flat, *(state[name] for name in vectors)]).tobytes())


def decode(checkpoint: StoredCheckpoint, parameter_count: int) -> tuple[np.ndarray, dict]:
    """(flat parameters, optimizer state); writable arrays that share nothing with the store."""
    values = np.frombuffer(bytearray(checkpoint.arrays), dtype=np.float64)
    state = {"step": checkpoint.meta["step"]}
    for index, name in enumerate(checkpoint.meta["state_vectors"], start=1):
        state[name] = values[index * parameter_count : (index + 1) * parameter_count]
    return values[:parameter_count], state
