"""The settings panel of a session: the optimizer's live fields, and the settings that need a new
network, with the session's current values and the menus' translated labels."""
from __future__ import annotations

from dataclasses import dataclass

from app.engine.activations import ACTIVATIONS
from app.engine.losses import LOSSES
from app.engine.network import INIT_SCHEMES
from app.sessions.config import AdamConfig, SGDConfig
from app.ui.choices import Choice, choices

OPTIMIZER_CONFIGS = {"sgd": SGDConfig, "adam": AdamConfig}  # what the API takes for each
OPTIMIZERS = tuple(OPTIMIZER_CONFIGS)


def optimizer_fields(name: str) -> set[str]:
    """The fields an optimizer takes (momentum for SGD, betas for Adam...), none for an unknown name."""
    config = OPTIMIZER_CONFIGS.get(name)
    return set(config.model_fields) if config is not None else set()


@dataclass(slots=True)
class SettingsView:
    optimizer: str
    learning_rate: str
    momentum: str | None  # None: this optimizer has none (Adam)
    weight_decay: str | None  # None: the API of this build has none
    optimizers: list[Choice]
    layers: str
    hidden_activation: str
    output_activation: str
    loss: str
    batch_size: str
    init: str
    seed: str
    hidden_activations: list[Choice]
    output_activations: list[Choice]
    losses: list[Choice]
    inits: list[Choice]
    deep: bool  # more than one hidden layer: the hidden activation applies to all of them


def settings_view(doc: dict) -> SettingsView:
    config = doc["config"]
    optimizer = config["optimizer"]
    activations = config["activations"]
    return SettingsView(
        optimizer=optimizer["name"],
        learning_rate=repr(float(optimizer["learning_rate"])),
        momentum=repr(float(optimizer["momentum"])) if "momentum" in optimizer else None,
        weight_decay=repr(float(optimizer["weight_decay"])) if "weight_decay" in optimizer else None,
        optimizers=choices(OPTIMIZERS),
        layers=", ".join(str(size) for size in config["layers"]),
        hidden_activation=activations[0] if len(activations) > 1 else "tanh",
        output_activation=activations[-1],
        loss=config["loss"],
        batch_size="" if config.get("batch_size") is None else str(config["batch_size"]),
        init=config.get("init", "xavier"),
        seed=str(config.get("seed", 0)),
        hidden_activations=choices(name for name, cls in ACTIVATIONS.items() if not cls.output_only),
        output_activations=choices(ACTIVATIONS),
        losses=choices(LOSSES),
        inits=choices(INIT_SCHEMES),
        deep=len(activations) > 2,
    )
