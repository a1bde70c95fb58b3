"""Checkpoints: the parameters and optimizer state at the start of an iteration, as bytes.

All arrays of a checkpoint are one float64 buffer ([W1, b1, ..., then each optimizer state
list in the same order]); their shapes follow from the layer sizes, so only a few numbers go
in `meta`.
"""
from __future__ import annotations

import numpy as np

from app.engine.network import Network
from app.engine.optimizers import Optimizer
from app.sessions.store import StoredCheckpoint


def parameter_shapes(sizes) -> list[tuple[int, ...]]:
    return [shape for l in range(1, len(sizes)) for shape in ((sizes[l], sizes[l - 1]), (sizes[l],))]


def encode(network: Network, optimizer: Optimizer, iteration: int) -> StoredCheckpoint:
    state = optimizer.state()
    state_lists = [key for key, value in state.items() if isinstance(value, list)]
    arrays = network.parameters() + [array for key in state_lists for array in state[key]]
    meta = {
        "iteration": iteration,
        "optimizer": optimizer.name,
        "step": state.get("step", 0),
        "state_lists": state_lists,
    }
    return StoredCheckpoint(meta, np.concatenate([a.ravel() for a in arrays]).tobytes())


def decode(checkpoint: StoredCheckpoint, sizes) -> tuple[list[np.ndarray], dict]:
    """(parameters [W1, b1, ...], optimizer state dict); the arrays are writable and not shared."""
    values = np.frombuffer(bytearray(checkpoint.arrays), dtype=np.float64)
    shapes = parameter_shapes(sizes)
    arrays, offset = [], 0
    for _copy in range(1 + len(checkpoint.meta["state_lists"])):
        for shape in shapes:
            count = int(np.prod(shape))
            arrays.append(values[offset : offset + count].reshape(shape))
            offset += count
    n = len(shapes)
    state = {"step": checkpoint.meta["step"]}
    for index, key in enumerate(checkpoint.meta["state_lists"], start=1):
        state[key] = arrays[index * n : (index + 1) * n]
    return arrays[:n], state


def load_into(network: Network, parameters: list[np.ndarray]) -> None:
    for l in range(1, network.L + 1):
        network.W[l], network.b[l] = parameters[2 * l - 2], parameters[2 * l - 1]


def size_in_bytes(sizes, optimizer_config: dict) -> int:
    """What one checkpoint of this network takes, for the undo history's memory budget."""
    parameters = sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, len(sizes)))
    copies = {"adam": 3, "sgd": 2 if optimizer_config.get("momentum") else 1}[optimizer_config["name"]]
    return 8 * parameters * copies
