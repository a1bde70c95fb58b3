"""What one iteration has computed so far: z, a, dA, delta, dW, db keyed by layer.

"Computed yet?" is `l in trace.z`; the input is a[0] from the start.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(slots=True)
class Trace:
    x: np.ndarray  # (B, n_0), the batch inputs
    y: np.ndarray  # (B, n_L), the batch targets
    z: dict[int, np.ndarray] = field(default_factory=dict)
    a: dict[int, np.ndarray] = field(default_factory=dict)
    dA: dict[int, np.ndarray] = field(default_factory=dict)
    delta: dict[int, np.ndarray] = field(default_factory=dict)
    dW: dict[int, np.ndarray] = field(default_factory=dict)
    db: dict[int, np.ndarray] = field(default_factory=dict)
    loss: float | None = None
    test_loss: float | None = None  # over the held-out rows, at the parameters the iteration started from
    accuracy: float | None = None  # of the batch, where the targets are classes
    test_accuracy: float | None = None

    def __post_init__(self):
        self.a[0] = self.x
