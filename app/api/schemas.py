"""Request and answer models of the JSON API: they validate input and document the answers.

Answers are built by the session service and encoded directly (api/responses.py); the answer
models here describe them in the OpenAPI document.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.sessions.config import (  # noqa: F401  (Config, ConfigOverrides re-exported for the routes)
    MAX_LAYERS, MAX_ROWS, MAX_STEP_COUNT, MAX_TRAIN_ITERATIONS, MAX_UNITS, Config, ConfigOverrides,
    FiniteFloat, Whole, matrix, whole, without_null_defaults,
)

Matrix = list[list[float]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _count_xor_until(schema: dict) -> None:
    """count or until or neither: at most one property, and the oneOf says which."""
    without_null_defaults(schema)
    schema["maxProperties"] = 1
    schema["oneOf"] = [{"required": ["count"]}, {"required": ["until"]}, {"maxProperties": 0}]


class StepRequest(Strict):
    """One step (no body, or {}), `count` steps, or the steps `until` a phase: not both."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_count_xor_until)

    count: whole(ge=1, le=MAX_STEP_COUNT) = Field(
        default=None, description=f"How many steps to run (1..{MAX_STEP_COUNT}), applied whole or not at all."
    )
    until: Literal["loss", "update"] = Field(
        default=None, description="Step at least once and stop after the first step of this phase."
    )

    @model_validator(mode="after")
    def one_of_count_until(self):
        if self.count is not None and self.until is not None:
            raise ValueError("give count or until, not both")
        return self


class TrainRequest(Strict):
    iterations: whole(ge=1, le=MAX_TRAIN_ITERATIONS) = Field(
        description=f"Whole iterations to run (1..{MAX_TRAIN_ITERATIONS:,}); an iteration in progress is finished first and counts."
    )


LearningRate = Annotated[FiniteFloat, Field(gt=0, le=1000)]
Fraction = Annotated[FiniteFloat, Field(ge=0, lt=1)]  # momentum, beta1, beta2


class OptimizerChange(Strict):
    """Fields left out (or null) keep their values; a new name starts that optimizer's defaults and state."""

    name: Literal["sgd", "adam"] | None = None
    learning_rate: LearningRate | None = None
    momentum: Fraction | None = None
    beta1: Fraction | None = None
    beta2: Fraction | None = None
    eps: Annotated[FiniteFloat, Field(gt=0, le=1)] | None = None


class ParameterEdit(Strict):
    """The weight from unit `from` of layer l-1 to unit `to` of layer l, or the bias of `to`; the
    bounds here are the largest network's, the session's own sizes are checked against it."""

    layer: whole(ge=1, le=MAX_LAYERS - 1)
    to: whole(ge=0, le=MAX_UNITS - 1)
    from_: whole(ge=0, le=MAX_UNITS - 1) | None = Field(alias="from", description="null edits the bias of unit `to`")
    value: FiniteFloat

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _patch_schema(schema: dict) -> None:
    without_null_defaults(schema)
    schema["minProperties"] = 1  # a PATCH changes something


class PatchRequest(Strict):
    """optimizer and/or edits; an empty PATCH is refused."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_patch_schema)

    optimizer: OptimizerChange = None
    edits: Annotated[list[ParameterEdit], Field(min_length=1, max_length=100_000)] = None


class PredictRequest(Strict):
    inputs: matrix(1, MAX_ROWS)


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
    abs_error: float = Field(description="abs(analytic - numeric): a tiny gradient has a large rel_error but a tiny abs_error.")
    crosses_kink: bool = Field(
        description="True when the loss at the parameter - eps and + eps puts a relu or leaky_relu "
        "pre-activation on its path on two sides of 0: the central difference straddles a kink and "
        "measures no derivative, so a disagreement there is not a bug."
    )


class GradcheckOut(BaseModel):
    max_rel_error: float
    entries: list[GradcheckEntry]


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description="Where: [\"body\", field, ...], [\"query\", name], [\"path\", name], or [] for the request as a whole.")
    msg: str = Field(description="What to fix, in the reader's language (at most 100 characters of the input are quoted).")
    type: str = Field(description="A machine code: pydantic's error type for a field (missing, extra_forbidden, less_than_equal, ...), else the answer's code.")
    limit: str | None = Field(default=None, description="limit_exceeded (and pydantic's bounds: le, max_length, ...): the limit's name.")
    limit_value: float | None = Field(default=None, description="The limit's value.")


class ErrorOut(BaseModel):
    """Every error answer, whatever its status."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"detail": [{"loc": ["path", "session_id"], "msg": "No session abc: it was deleted or never existed. Create one with POST /api/v1/sessions.", "type": "session_not_found"}], "code": "session_not_found"},
        {"detail": [{"loc": ["body", "layers"], "msg": "layers [2, 1024, 1024, 1024, 1] make 2,103,297 parameters; the limit is 1,000,000: use fewer or smaller layers", "type": "limit_exceeded", "limit": "max_parameters", "limit_value": 1000000}], "code": "limit_exceeded", "limit": "max_parameters", "limit_value": 1000000},
    ]})

    detail: list[ErrorItem]
    code: str = Field(description="A stable machine code, the same in every language: see the README's Errors table.")
    limit: str | None = Field(default=None, description="With code limit_exceeded: the limit's name (max_parameters, max_body_bytes, max_sessions_per_client, ...).")
    limit_value: float | None = Field(default=None, description="With code limit_exceeded: the limit's value.")
    step: StepOut | None = Field(default=None, description="409 step_refused: the step that was not applied.")
