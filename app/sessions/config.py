"""The session Config of API.md: its shape (pydantic) and its cross-field limits.

Everything is checked here, in order of cost, before a network or a dataset is allocated.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, FiniteFloat, Tag, ValidationError

from app.engine import datasets
from app.engine.activations import ACTIVATIONS
from app.engine.features import FeatureError, FeatureMap
from app.engine.metrics import held_out_count
from app.engine.losses import LOSSES
from app.engine.network import INIT_SCHEMES
from app.engine.optimizers import OPTIMIZER_DEFAULTS
from app.i18n import _
from app.sessions import validation_messages
from app.sessions.errors import InvalidInput

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
Seed = Annotated[int, Field(ge=0, le=MAX_SEED, strict=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


SGD_DEFAULTS, ADAM_DEFAULTS = OPTIMIZER_DEFAULTS["sgd"], OPTIMIZER_DEFAULTS["adam"]


class SGDConfig(Strict):
    name: Literal["sgd"]
    learning_rate: Annotated[FiniteFloat, Field(gt=0, le=1000)] = SGD_DEFAULTS["learning_rate"]
    momentum: Annotated[FiniteFloat, Field(ge=0, lt=1)] = SGD_DEFAULTS["momentum"]
    weight_decay: Annotated[FiniteFloat, Field(ge=0, le=1000)] = SGD_DEFAULTS["weight_decay"]


class AdamConfig(Strict):
    name: Literal["adam"]
    learning_rate: Annotated[FiniteFloat, Field(gt=0, le=1000)] = ADAM_DEFAULTS["learning_rate"]
    beta1: Annotated[FiniteFloat, Field(ge=0, lt=1)] = ADAM_DEFAULTS["beta1"]
    beta2: Annotated[FiniteFloat, Field(ge=0, lt=1)] = ADAM_DEFAULTS["beta2"]
    eps: Annotated[FiniteFloat, Field(gt=0, le=1)] = ADAM_DEFAULTS["eps"]
    weight_decay: Annotated[FiniteFloat, Field(ge=0, le=1000)] = ADAM_DEFAULTS["weight_decay"]


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


MAX_TEST_FRACTION = 0.9
FeatureName = Annotated[str, Field(max_length=32)]


class DataOptions(Strict):
    """What every form of data takes: held-out rows and input features (API.md v1.1)."""

    test_fraction: Annotated[FiniteFloat, Field(ge=0, le=MAX_TEST_FRACTION)] = 0.0
    features: Annotated[list[FeatureName], Field(min_length=1, max_length=MAX_UNITS)] | None = None


class GeneratedData(DataOptions):
    dataset: DatasetName
    samples: Annotated[int, Field(ge=1, le=MAX_ROWS, strict=True)] = 200
    noise: Annotated[FiniteFloat, Field(ge=0, le=10)] = 0.0
    seed: Seed = 0


Row = Annotated[list[FiniteFloat], Field(min_length=1, max_length=MAX_UNITS)]


class ExplicitData(DataOptions):
    inputs: Annotated[list[Row], Field(min_length=1, max_length=MAX_ROWS)]
    targets: Annotated[list[Row], Field(min_length=1, max_length=MAX_ROWS)]


class StoredData(DataOptions):
    dataset_id: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="An id from POST /api/v1/datasets.")]


def _data_kind(value) -> str:
    if isinstance(value, GeneratedData) or (isinstance(value, dict) and "dataset" in value):
        return "generated"
    if isinstance(value, StoredData) or (isinstance(value, dict) and "dataset_id" in value):
        return "stored"
    return "explicit"


DataConfig = Annotated[
    Union[Annotated[GeneratedData, Tag("generated")], Annotated[StoredData, Tag("stored")], Annotated[ExplicitData, Tag("explicit")]],
    Discriminator(_data_kind),
]


class Config(Strict):
    """A network, its training and its data (API.md, Config)."""

    layers: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_UNITS, strict=True)]],
        Field(min_length=MIN_LAYERS, max_length=MAX_LAYERS),
    ]
    activations: Union[ActivationName, Annotated[list[ActivationName], Field(min_length=1, max_length=MAX_LAYERS - 1)]]
    loss: LossName
    optimizer: OptimizerConfig = Field(default_factory=lambda: SGDConfig(name="sgd"))
    batch_size: Annotated[int, Field(ge=1, le=MAX_ROWS, strict=True)] | None = None
    seed: Seed = 0
    init: InitName = "xavier"
    weights: list[list[list[FiniteFloat]]] | None = None
    biases: list[list[FiniteFloat]] | None = None
    data: DataConfig


class ConfigOverrides(Strict):
    """The body of POST /api/v1/sessions: a Config, or a preset with any Config fields replacing its own."""

    preset: str | None = Field(default=None, description="A preset name from GET /api/v1/presets.")
    layers: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_UNITS, strict=True)]],
        Field(min_length=MIN_LAYERS, max_length=MAX_LAYERS),
    ] | None = None
    activations: Union[ActivationName, Annotated[list[ActivationName], Field(min_length=1, max_length=MAX_LAYERS - 1)]] | None = None
    loss: LossName | None = None
    optimizer: OptimizerConfig | None = None
    batch_size: Annotated[int, Field(ge=1, le=MAX_ROWS, strict=True)] | None = None
    seed: Seed | None = None
    init: InitName | None = None
    weights: list[list[list[FiniteFloat]]] | None = None
    biases: list[list[FiniteFloat]] | None = None
    data: DataConfig | None = None


# Union branches pydantic puts in an error's location; a caller's field is never named so.
_BRANCH_LABELS = {"generated", "stored", "explicit", "sgd", "adam", "str", "function-after"}


def field_path(loc) -> list:
    """An error location with pydantic's union branch labels ("sgd", "literal[...]") left out."""
    return [part for part in loc if not (isinstance(part, str) and (part in _BRANCH_LABELS or "[" in part))]


def pydantic_errors(error: ValidationError, prefix: tuple = ("body",)) -> list[dict]:
    """FastAPI's error shape without `input` and `ctx`, which may hold NaN and can't be encoded."""
    return [{"loc": [*prefix, *field_path(e["loc"])], "msg": validation_messages.message(e), "type": e["type"]} for e in error.errors()]


def applied_config(body: dict, describe_dataset=None) -> dict:
    """The config as applied (defaults filled in, activations a list), or InvalidInput.

    describe_dataset(id) answers a stored dataset's meta (rows, input_names, target_names,
    classes, probabilities) or None; a config naming a dataset_id needs it."""
    try:
        config = Config.model_validate(body)
    except ValidationError as error:
        raise InvalidInput(pydantic_errors(error)) from None
    applied = config.model_dump()
    sizes = applied["layers"]
    L = len(sizes) - 1
    if isinstance(applied["activations"], str):
        applied["activations"] = [applied["activations"]] * L
    data = applied["data"]  # the data's own fields first, then the options every form takes
    applied["data"] = {**{k: v for k, v in data.items() if k not in DataOptions.model_fields}, **{k: data[k] for k in DataOptions.model_fields}}
    _check_limits(applied, describe_dataset)
    return applied


def _check_limits(config: dict, describe_dataset=None) -> None:
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
        raise InvalidInput.at(
            ["layers"],
            _("layers {layers} make {n} parameters; the limit is {limit}: use fewer or smaller layers").format(
                layers=sizes, n=f"{parameters:,}", limit=f"{MAX_PARAMETERS:,}"
            ),
        )
    _check_parameters(config, sizes)
    rows = _check_data(config, sizes, describe_dataset)
    rows = _check_held_out(config["data"], rows)
    batch_size = config["batch_size"]
    if batch_size is not None and batch_size > rows:
        raise InvalidInput.at(
            ["batch_size"],
            _("batch_size is {batch} but the data has {rows} training rows: use 1 to {rows}, or null for the full batch").format(
                batch=batch_size, rows=rows
            ),
        )
    batch_rows = batch_size or rows
    batch_values = batch_rows * sum(sizes)
    if batch_values > MAX_BATCH_VALUES:
        raise InvalidInput.at(
            ["batch_size"],
            _("a batch of {rows} rows through layers {layers} holds {n} values per array; the limit is {limit}: use a smaller batch_size").format(
                rows=batch_rows, layers=sizes, n=f"{batch_values:,}", limit=f"{MAX_BATCH_VALUES:,}"
            ),
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


def _check_held_out(data: dict, rows: int) -> int:
    """The training rows left once round(f * rows) are held out; at least one."""
    held_out = held_out_count(rows, data["test_fraction"])
    if held_out >= rows:
        raise InvalidInput.at(
            ["data", "test_fraction"],
            _("test_fraction {f} holds out {n} of {rows} rows and leaves none to train on: use a smaller test_fraction").format(
                f=data["test_fraction"], n=held_out, rows=rows
            ),
        )
    return rows - held_out


def _check_features(data: dict, n_columns: int, n_in: int) -> None:
    """The features name columns the data has, and make as many inputs as layer 0 has units."""
    names = data["features"]
    try:
        count = len(FeatureMap(names, n_columns))
    except FeatureError as error:
        raise InvalidInput.at(["data", "features", error.index], error.message) from None
    if count != n_in:
        if names is None:
            message = _("the data has {n} input columns, but layer 0 has {units} units: give layers[0] = {n}, or choose features").format(
                n=n_columns, units=n_in)
        else:
            message = _("{n} features make {n} inputs, but layer 0 has {units} units: give layers[0] = {n}").format(n=count, units=n_in)
        raise InvalidInput.at(["layers", 0], message)


def _check_data(config: dict, sizes: list[int], describe_dataset=None) -> int:
    """Checks the data against the layers; answers how many rows it has."""
    data = config["data"]
    n_in, n_out = sizes[0], sizes[-1]
    if "dataset" in data:
        try:
            columns_in = n_in if data["features"] is None else None  # features: checked below
            datasets.validate(data["dataset"], data["samples"], data["noise"], data["seed"], n_out, n_inputs=columns_in)
        except datasets.DatasetError as error:
            raise InvalidInput.at(error.field.split("."), error.message) from None
        _check_features(data, datasets.input_width(data["dataset"]), n_in)
        if config["loss"] in PROBABILITY_LOSSES and datasets.class_count(data["dataset"], n_out) is None:
            raise InvalidInput.at(
                ["loss"],
                _("loss {loss} needs targets between 0 and 1, but {dataset} is a regression with targets around -1 to 1: use loss mse").format(
                    loss=config["loss"], dataset=data["dataset"]
                ),
            )
        return data["samples"]
    if "dataset_id" in data:
        meta = describe_dataset(data["dataset_id"]) if describe_dataset is not None else None
        if meta is None:
            raise InvalidInput.at(
                ["data", "dataset_id"],
                _("there is no dataset {id}: upload it first (POST /api/v1/datasets) and use the id it answers").format(id=data["dataset_id"]),
            )
        _check_features(data, len(meta["input_names"]), n_in)
        if meta["target_columns"] != n_out:
            raise InvalidInput.at(
                ["layers", len(sizes) - 1],
                _("the dataset has {k} target columns, but the output layer has {units} units: give it {k}").format(k=meta["target_columns"], units=n_out),
            )
        if config["loss"] in PROBABILITY_LOSSES and not meta["probabilities"]:
            raise InvalidInput.at(
                ["loss"],
                _("loss {loss} needs targets between 0 and 1 (class labels or probabilities), but this dataset's are not: use loss mse").format(loss=config["loss"]),
            )
        return meta["rows"]
    inputs, targets = data["inputs"], data["targets"]
    if len(inputs) != len(targets):
        raise InvalidInput.at(["data", "targets"], _("data has {x} input rows but {y} target rows: give one target row per input row").format(x=len(inputs), y=len(targets)))
    n_columns = len(inputs[0]) if data["features"] is not None else n_in
    for field, rows, width, layer in (("inputs", inputs, n_columns, 0), ("targets", targets, n_out, len(sizes) - 1)):
        for r, row in enumerate(rows):
            if len(row) != width:
                if field == "inputs" and data["features"] is not None:
                    message = _("data.inputs[{r}] has {n} values; the first row has {width}: give every row the same columns").format(r=r, n=len(row), width=width)
                else:
                    message = _("data.{field}[{r}] has {n} values; layer {layer} has {width} units").format(field=field, r=r, n=len(row), layer=layer, width=width)
                raise InvalidInput.at(["data", field, r], message)
    _check_features(data, n_columns, n_in)
    if config["loss"] in PROBABILITY_LOSSES:
        for r, row in enumerate(targets):
            if any(not 0.0 <= v <= 1.0 for v in row):
                raise InvalidInput.at(
                    ["data", "targets", r],
                    _("loss {loss} needs targets between 0 and 1 (class labels or probabilities); row {r} is {row}").format(loss=config["loss"], r=r, row=row),
                )
    return len(inputs)
