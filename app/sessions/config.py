"""The session Config of API.md: its shape (pydantic) and its cross-field limits.

Everything is checked here, in order of cost, before a network or a dataset is allocated.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    ValidationError,
    WithJsonSchema,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from app.engine import datasets
from app.engine.activations import ACTIVATIONS
from app.engine.losses import LOSSES
from app.engine.network import INIT_SCHEMES
from app.engine.optimizers import OPTIMIZER_DEFAULTS
from app.i18n import _
from app.sessions import validation_messages
from app.sessions.errors import InvalidInput, clip

MAX_LAYERS, MIN_LAYERS = 12, 2
MAX_UNITS = 1024
MAX_PARAMETERS = 1_000_000
MAX_BATCH_VALUES = 1_000_000  # batch rows x the sum of the layer sizes
MAX_ROWS = 10_000
MAX_STEP_COUNT = 1000  # steps one request may ask for
MAX_TRAIN_ITERATIONS = 10_000  # iterations one train request may ask for (the page's Train too)
PROBABILITY_LOSSES = ("bce", "cross_entropy")  # their targets are probabilities
MAX_SEED = 2**53  # the largest integer every JSON client keeps exact

ActivationName = Literal[tuple(ACTIVATIONS)]  # type: ignore[valid-type]
LossName = Literal[tuple(LOSSES)]  # type: ignore[valid-type]
InitName = Literal[INIT_SCHEMES]  # type: ignore[valid-type]
DatasetName = Literal[datasets.DATASET_NAMES]  # type: ignore[valid-type]


# a JSON number, finite: not true/false (lax floats take a bool as 0 or 1) and not "1.5"
FiniteFloat = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _whole_number(value):
    """JSON Schema counts 5.0 as an integer, so the API does too (but not true, or "5")."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def whole(**bounds):
    """An integer field (JSON Schema's "integer") with its bounds: ge=, le=, ..."""
    return Annotated[int, Field(strict=True, **bounds), BeforeValidator(_whole_number)]


Whole = whole()
Seed = whole(ge=0, le=MAX_SEED)


def without_null_defaults(schema: dict) -> None:
    """Fields that may be left out but not sent as null: no "default": null in the schema."""
    for prop in schema.get("properties", {}).values():
        nullable = prop.get("type") == "null" or any(branch.get("type") == "null" for branch in prop.get("anyOf", []))
        if "default" in prop and prop["default"] is None and not nullable:
            del prop["default"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


SGD_DEFAULTS, ADAM_DEFAULTS = OPTIMIZER_DEFAULTS["sgd"], OPTIMIZER_DEFAULTS["adam"]


class SGDConfig(Strict):
    name: Literal["sgd"] = "sgd"  # the default optimizer: a config may leave its name out
    learning_rate: Annotated[FiniteFloat, Field(gt=0, le=1000)] = SGD_DEFAULTS["learning_rate"]
    momentum: Annotated[FiniteFloat, Field(ge=0, lt=1)] = SGD_DEFAULTS["momentum"]


class AdamConfig(Strict):
    name: Literal["adam"]
    learning_rate: Annotated[FiniteFloat, Field(gt=0, le=1000)] = ADAM_DEFAULTS["learning_rate"]
    beta1: Annotated[FiniteFloat, Field(ge=0, lt=1)] = ADAM_DEFAULTS["beta1"]
    beta2: Annotated[FiniteFloat, Field(ge=0, lt=1)] = ADAM_DEFAULTS["beta2"]
    eps: Annotated[FiniteFloat, Field(gt=0, le=1)] = ADAM_DEFAULTS["eps"]


def _optimizer_kind(value) -> str | None:
    """An optimizer given without a name is the default one, sgd."""
    name = value.get("name", "sgd") if isinstance(value, dict) else getattr(value, "name", None)
    return name if name in ("sgd", "adam") else None


def _default_name(value):
    return {"name": "sgd", **value} if isinstance(value, dict) and "name" not in value else value


OptimizerConfig = Annotated[
    Union[Annotated[SGDConfig, Tag("sgd")], Annotated[AdamConfig, Tag("adam")]],
    Discriminator(_optimizer_kind, custom_error_type="optimizer_name",
                  custom_error_message="optimizer.name must be sgd or adam"),
    BeforeValidator(_default_name),
]


class GeneratedData(Strict):
    dataset: DatasetName
    samples: whole(ge=1, le=MAX_ROWS) = 200
    noise: Annotated[FiniteFloat, Field(ge=0, le=10)] = 0.0
    seed: Seed = 0


Row = Annotated[list[FiniteFloat], Field(min_length=1, max_length=MAX_UNITS)]


def _checked_array(rows: np.ndarray, min_rows: int, max_rows: int | None) -> np.ndarray:
    """The checks of a list of Rows, for a matrix the body parser made a float64 array."""
    if rows.shape[0] < min_rows:
        raise PydanticCustomError("too_short", "give at least {min_length} items", {"min_length": min_rows})
    if max_rows is not None and rows.shape[0] > max_rows:
        raise PydanticCustomError("too_long", "give at most {max_length} items", {"max_length": max_rows})
    if rows.shape[1] > MAX_UNITS:
        raise PydanticCustomError("too_long", "each row: give at most {max_length} items", {"max_length": MAX_UNITS})
    finite = np.isfinite(rows)
    if not finite.all():
        r, c = (int(i) for i in np.argwhere(~finite)[0])
        raise PydanticCustomError(
            "finite_number", "must be finite numbers (not NaN or infinity): row {row}, column {column} is not", {"row": r, "column": c}
        )
    return rows


def _as_is(value) -> Any:
    return value  # a float64 array stays one (the service takes arrays and lists alike)


def matrix(min_rows: int = 0, max_rows: int | None = None):
    """Rows of numbers: a JSON list of Rows, or the float64 array api/requests.py parsed it
    into (then checked the same way, without a Python float per number)."""

    def validate(value, handler):
        return _checked_array(value, min_rows, max_rows) if isinstance(value, np.ndarray) and value.ndim == 2 else handler(value)

    bounds = {"min_length": min_rows} if min_rows else {}
    if max_rows is not None:
        bounds["max_length"] = max_rows
    return Annotated[
        list[Row] if not bounds else Annotated[list[Row], Field(**bounds)],
        WrapValidator(validate),
        PlainSerializer(_as_is),
        WithJsonSchema({"type": "array", "items": {"type": "array", "items": {"type": "number"}}}, mode="serialization"),
    ]


class ExplicitData(Strict):
    inputs: matrix(1, MAX_ROWS)
    targets: matrix(1, MAX_ROWS)


def _data_kind(value) -> str:
    generated = isinstance(value, GeneratedData) or (isinstance(value, dict) and "dataset" in value)
    return "generated" if generated else "explicit"


DataConfig = Annotated[
    Union[Annotated[GeneratedData, Tag("generated")], Annotated[ExplicitData, Tag("explicit")]],
    Discriminator(_data_kind),
]


class Config(Strict):
    """A network, its training and its data (API.md, Config)."""

    layers: Annotated[
        list[whole(ge=1, le=MAX_UNITS)],
        Field(min_length=MIN_LAYERS, max_length=MAX_LAYERS),
    ]
    activations: Union[ActivationName, Annotated[list[ActivationName], Field(min_length=1, max_length=MAX_LAYERS - 1)]]
    loss: LossName
    optimizer: OptimizerConfig = Field(default_factory=lambda: SGDConfig(name="sgd"))
    batch_size: whole(ge=1, le=MAX_ROWS) | None = None
    seed: Seed = 0
    init: InitName = "xavier"
    weights: list[matrix()] | None = None
    biases: matrix() | None = None
    data: DataConfig


class ConfigOverrides(Strict):
    """The body of POST /api/v1/sessions: a Config, or a preset with any Config fields replacing its own.

    A field may be left out; null is accepted only where a Config accepts it (batch_size,
    weights, biases) and for preset."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=without_null_defaults)

    preset: str | None = Field(default=None, description="A preset name from GET /api/v1/presets.")
    layers: Annotated[
        list[whole(ge=1, le=MAX_UNITS)],
        Field(min_length=MIN_LAYERS, max_length=MAX_LAYERS),
    ] = None
    activations: Union[ActivationName, Annotated[list[ActivationName], Field(min_length=1, max_length=MAX_LAYERS - 1)]] = None
    loss: LossName = None
    optimizer: OptimizerConfig = None
    batch_size: whole(ge=1, le=MAX_ROWS) | None = None
    seed: Seed = None
    init: InitName = None
    weights: list[matrix()] | None = None
    biases: matrix() | None = None
    data: DataConfig = None


# Union branches pydantic puts in an error's location; a caller's field is never named so.
_BRANCH_LABELS = {"generated", "explicit", "sgd", "adam", "str", "function-after"}


def field_path(loc) -> list:
    """An error location with pydantic's union branch labels ("sgd", "literal[...]") left out."""
    return [part for part in loc if not (isinstance(part, str) and (part in _BRANCH_LABELS or "[" in part))]


def pydantic_errors(error: ValidationError, prefix: tuple = ("body",)) -> list[dict]:
    """FastAPI's error shape without `input` and `ctx`, which may hold NaN and can't be encoded."""
    return [{"loc": [*prefix, *field_path(e["loc"])], "msg": validation_messages.message(e), "type": e["type"]} for e in error.errors()]


def applied_config(body: dict) -> dict:
    """The config as applied (defaults filled in, activations a list), or InvalidInput."""
    try:
        config = Config.model_validate(body)
    except ValidationError as error:
        raise InvalidInput(pydantic_errors(error)) from None
    applied = config.model_dump()
    sizes = applied["layers"]
    L = len(sizes) - 1
    if isinstance(applied["activations"], str):
        applied["activations"] = [applied["activations"]] * L
    _check_limits(applied)
    return applied


def _check_limits(config: dict) -> None:
    """Cross-field rules, cheapest first, so nothing large is allocated for a config we refuse."""
    sizes, activations = config["layers"], config["activations"]
    L = len(sizes) - 1
    if len(activations) != L:
        raise InvalidInput.at(
            ["activations"],
            _("activations: give one per weight layer ({L} for layers {layers}) or one name for all, not {n}").format(
                L=L, layers=sizes, n=len(activations)
            ),
        )
    for l, name in enumerate(activations[:-1], start=1):
        if ACTIVATIONS[name].output_only:
            raise InvalidInput.at(
                ["activations", l - 1],
                _("activations[{i}]: {name} is for the output layer only; use sigmoid, tanh, relu, leaky_relu or linear").format(
                    i=l - 1, name=name
                ),
            )
    if activations[-1] == "softmax" and sizes[-1] < 2:
        raise InvalidInput.at(
            ["layers", L],
            _("a softmax over 1 unit is always 1, so nothing can be learned: give the output layer 2 or more units, or use sigmoid"),
        )
    required = LOSSES[config["loss"]].requires_output
    if required and activations[-1] != required:
        raise InvalidInput.at(
            ["activations", L - 1],
            _("loss {loss} needs a {required} output layer, but the last activation is {actual}").format(
                loss=config["loss"], required=required, actual=activations[-1]
            ),
        )
    parameters = sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, L + 1))
    if parameters > MAX_PARAMETERS:
        raise InvalidInput.over_limit(
            ["layers"],
            _("layers {layers} make {n} parameters; the limit is {limit}: use fewer or smaller layers").format(
                layers=sizes, n=f"{parameters:,}", limit=f"{MAX_PARAMETERS:,}"
            ),
            "max_parameters", MAX_PARAMETERS,
        )
    _check_parameters(config, sizes)
    rows = _check_data(config, sizes)
    batch_size = config["batch_size"]
    if batch_size is not None and batch_size > rows:
        raise InvalidInput.at(
            ["batch_size"],
            _("batch_size is {batch} but the data has {rows} rows: use 1 to {rows}, or null for the full batch").format(
                batch=batch_size, rows=rows
            ),
        )
    batch_rows = batch_size or rows
    batch_values = batch_rows * sum(sizes)
    if batch_values > MAX_BATCH_VALUES:
        raise InvalidInput.over_limit(
            ["batch_size"],
            _("a batch of {rows} rows through layers {layers} holds {n} values per array; the limit is {limit}: use a smaller batch_size").format(
                rows=batch_rows, layers=sizes, n=f"{batch_values:,}", limit=f"{MAX_BATCH_VALUES:,}"
            ),
            "max_batch_values", MAX_BATCH_VALUES,
        )


def _check_parameters(config: dict, sizes: list[int]) -> None:
    L = len(sizes) - 1
    for field, shape_of in (
        ("weights", lambda l: (sizes[l], sizes[l - 1])),
        ("biases", lambda l: (sizes[l],)),
    ):
        given = config[field]
        if given is None:
            continue
        if len(given) != L:
            raise InvalidInput.at([field], _("{field}: give {L} entries, one per weight layer, not {n}").format(field=field, L=L, n=len(given)))
        for l in range(1, L + 1):
            want = shape_of(l)
            entry = given[l - 1]
            rows_ok = len(entry) == want[0]
            cols_ok = len(want) == 1 or all(len(row) == want[1] for row in entry)
            if not (rows_ok and cols_ok):
                shape = "x".join(str(n) for n in want)
                raise InvalidInput.at(
                    [field, l - 1],
                    _("{field}[{i}] (layer {l}) must have shape {shape} (units of layer {l} x units of layer {prev})").format(
                        field=field, i=l - 1, l=l, shape=shape, prev=l - 1
                    ) if len(want) == 2 else _("{field}[{i}] (layer {l}) must have {n} values, one per unit").format(
                        field=field, i=l - 1, l=l, n=want[0]
                    ),
                )


def _check_data(config: dict, sizes: list[int]) -> int:
    """Checks the data against the layers; answers how many rows it has."""
    data = config["data"]
    n_in, n_out = sizes[0], sizes[-1]
    if "dataset" in data:
        try:
            datasets.validate(data["dataset"], data["samples"], data["noise"], data["seed"], n_out, n_inputs=n_in)
        except datasets.DatasetError as error:
            raise InvalidInput.at(error.field.split("."), error.message) from None
        if config["loss"] in PROBABILITY_LOSSES and datasets.class_count(data["dataset"], n_out) is None:
            raise InvalidInput.at(
                ["loss"],
                _("loss {loss} needs targets between 0 and 1, but {dataset} is a regression with targets around -1 to 1: use loss mse").format(
                    loss=config["loss"], dataset=data["dataset"]
                ),
            )
        return data["samples"]
    inputs, targets = data["inputs"], data["targets"]
    if len(inputs) != len(targets):
        raise InvalidInput.at(["data", "targets"], _("data has {x} input rows but {y} target rows: give one target row per input row").format(x=len(inputs), y=len(targets)))
    for field, rows, width, layer in (("inputs", inputs, n_in, 0), ("targets", targets, n_out, len(sizes) - 1)):
        for r, row in enumerate(rows):
            if len(row) != width:
                raise InvalidInput.at(
                    ["data", field, r],
                    _("data.{field}[{r}] has {n} values; layer {layer} has {width} units").format(field=field, r=r, n=len(row), layer=layer, width=width),
                )
    if config["loss"] in PROBABILITY_LOSSES:
        r = _first_row_outside_0_1(targets)
        if r is not None:
            raise InvalidInput.at(
                ["data", "targets", r],
                _("loss {loss} needs targets between 0 and 1 (class labels or probabilities); row {r} is {row}").format(
                    loss=config["loss"], r=r, row=clip([float(v) for v in targets[r]])
                ),
            )
    return len(inputs)


def _first_row_outside_0_1(rows) -> int | None:
    """The first row with a value outside [0, 1], for lists and float64 arrays alike."""
    if isinstance(rows, np.ndarray):
        outside = ((rows < 0.0) | (rows > 1.0)).any(axis=1)
        return int(outside.argmax()) if outside.any() else None
    return next((r for r, row in enumerate(rows) if any(not 0.0 <= v <= 1.0 for v in row)), None)
