"""The step cycle of one iteration: forward 1..L, loss, backward L..1, update."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

FORWARD, LOSS, BACKWARD, UPDATE = "forward", "loss", "backward", "update"


@dataclass(frozen=True)
class Step:
    phase: str
    layer: int | None = None

    def as_dict(self) -> dict:
        # loss and update carry no "layer" key at all (API.md)
        return {"phase": self.phase} if self.layer is None else {"phase": self.phase, "layer": self.layer}

    def __str__(self) -> str:
        return self.phase if self.layer is None else f"{self.phase} {self.layer}"


@cache
def step_cycle(L: int) -> tuple[Step, ...]:
    """The 2L + 2 steps of one iteration, in order."""
    return (
        tuple(Step(FORWARD, l) for l in range(1, L + 1))
        + (Step(LOSS),)
        + tuple(Step(BACKWARD, l) for l in range(L, 0, -1))
        + (Step(UPDATE),)
    )
