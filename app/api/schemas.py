"""Request and answer models of the JSON API: they validate input and document the answers.

Answers are built by the session service and encoded directly (api/responses.py); the answer
models here describe them in the OpenAPI document.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, model_validator

from app.sessions.config import (  # noqa: F401  (Config, ConfigOverrides re-exported for the routes)
    MAX_ROWS, MAX_STEP_COUNT, MAX_TRAIN_ITERATIONS, MAX_UNITS, Config, ConfigOverrides,
)

Matrix = list[list[float]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepRequest(Strict):
    count: Annotated[int, Field(ge=1, le=MAX_STEP_COUNT, strict=True)] | None = Field(
        default=None, description=f"How many steps to run (1..{MAX_STEP_COUNT}), applied whole or not at all."
    )
    until: Literal["loss", "update"] | None = Field(
        default=None, description="Step at least once and stop after the first step of this phase."
    )

    @model_validator(mode="after")
    def one_of_count_until(self):
        if self.count is not None and self.until is not None:
            raise ValueError("give count or until, not both")
        return self


class TrainRequest(Strict):
    iterations: Annotated[int, Field(ge=1, le=MAX_TRAIN_ITERATIONS, strict=True)] = Field(
        description=f"Whole iterations to run (1..{MAX_TRAIN_ITERATIONS:,}); an iteration in progress is finished first and counts."
    )


class OptimizerChange(Strict):
    """Fields left out keep their values; a new name starts that optimizer's defaults and state."""

    name: Literal["sgd", "adam"] | None = None
    learning_rate: FiniteFloat | None = None
    momentum: FiniteFloat | None = None
    beta1: FiniteFloat | None = None
    beta2: FiniteFloat | None = None
    eps: FiniteFloat | None = None
    weight_decay: FiniteFloat | None = Field(default=None, description="g + weight_decay * p before momentum or Adam's moments (torch.optim)")


class ParameterEdit(Strict):
    layer: Annotated[int, Field(strict=True)]
    to: Annotated[int, Field(strict=True)]
    from_: Annotated[int, Field(strict=True)] | None = Field(alias="from", description="null edits the bias of unit `to`")
    value: FiniteFloat

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PatchRequest(Strict):
    optimizer: OptimizerChange | None = None
    edits: Annotated[list[ParameterEdit], Field(max_length=100_000)] | None = None


class PredictRequest(Strict):
    inputs: Annotated[list[Annotated[list[FiniteFloat], Field(min_length=1, max_length=MAX_UNITS)]], Field(min_length=1, max_length=MAX_ROWS)]


# --- answers (documentation) ------------------------------------------------------------------


class StepOut(BaseModel):
    phase: Literal["forward", "loss", "backward", "update"]
    layer: int | None = Field(default=None, description="Absent (not null) for loss and update.")


class GradOut(BaseModel):
    a: Matrix | None
    z: Matrix | None
    W: Matrix | None
    b: list[float] | None


class LayerOut(BaseModel):
    index: int
    size: int
    activation: str | None = Field(default=None, description="Absent for layer 0.")
    W: Matrix | None = Field(default=None, description="(size, size of the layer before); absent for layer 0")
    b: list[float] | None = None
    z: Matrix | None = None
    a: Matrix | None
    grad: GradOut | None = None


class BatchOut(BaseModel):
    indices: list[int]
    inputs: Matrix
    targets: Matrix


class LossOut(BaseModel):
    name: str
    value: float | None


class HistoryEntry(BaseModel):
    iteration: int
    loss: float
    test_loss: float | None = Field(default=None, description="With held-out rows: their loss at the parameters the iteration started from")
    accuracy: float | None = Field(default=None, description="Where the targets are classes: the share of the batch predicted right")
    test_accuracy: float | None = Field(default=None, description="With held-out rows and classes: the share of them predicted right")


class SessionOut(BaseModel):
    id: str
    version: int = Field(description='0 when created, one more for each change (step, back, reset, train, PATCH); also the ETag header, "n"')
    config: Config
    iteration: int
    epoch: int
    last_step: StepOut | None
    next_step: StepOut
    batch: BatchOut | None
    layers: list[LayerOut]
    loss: LossOut
    history: list[HistoryEntry]
    undo_available: int = Field(description="How many steps POST .../back can undo now.")
    steps_per_iteration: int = Field(description="2L + 2")


class PresetOut(BaseModel):
    name: str
    title: str
    description: str
    config: Config


class PredictOut(BaseModel):
    outputs: Matrix


class GradcheckEntry(BaseModel):
    layer: int
    to: int
    from_: int | None = Field(alias="from")
    analytic: float
    numeric: float
    rel_error: float


class GradcheckOut(BaseModel):
    max_rel_error: float
    entries: list[GradcheckEntry]


class ErrorOut(BaseModel):
    detail: str


class RefusedOut(BaseModel):
    detail: str = Field(description="What was refused, and the way out (lower the learning rate, step back, reset).")
    step: StepOut | None = None


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    detail: list[ValidationIssue]
