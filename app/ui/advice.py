"""A refused input as advice in the words of the form: "Units per layer, number 2: must be at
least 1", not a validator's "layers[1]: Input should be greater than or equal to 1"."""
from __future__ import annotations

import re

from app.i18n import _, lazy
from app.sessions.validation_messages import TEMPLATES

# the API's field paths -> the labels of the build form and the settings panel
FIELD_LABELS = {
    "layers": lazy("Units per layer"),
    "activations": lazy("Activation"),
    "loss": lazy("Loss"),
    "optimizer": lazy("Optimizer"),
    "optimizer.name": lazy("Optimizer"),
    "optimizer.learning_rate": lazy("Learning rate"),
    "optimizer.momentum": lazy("Momentum"),
    "optimizer.beta1": lazy("Adam's beta 1"),
    "optimizer.beta2": lazy("Adam's beta 2"),
    "optimizer.weight_decay": lazy("Weight decay"),
    "batch_size": lazy("Batch size"),
    "seed": lazy("Seed"),
    "init": lazy("Initial weights"),
    "data": lazy("Data"),
    "data.dataset": lazy("Data set"),
    "data.samples": lazy("Samples"),
    "data.noise": lazy("Noise"),
    "data.seed": lazy("Data seed"),
}


# Pydantic's English words (kept in English by validation_messages) -> our templates, with the limit
PYDANTIC_WORDS = [
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), "greater_than_equal", "ge"),
    (re.compile(r"^Input should be greater than (\S+)$"), "greater_than", "gt"),
    (re.compile(r"^Input should be less than or equal to (\S+)$"), "less_than_equal", "le"),
    (re.compile(r"^Input should be less than (\S+)$"), "less_than", "lt"),
    (re.compile(r"^Input should be a valid integer.*$"), "int_type", None),
    (re.compile(r"^Input should be a valid number.*$"), "float_type", None),
    (re.compile(r"^Input should be a finite number$"), "finite_number", None),
]


def _problem(error: dict, raw_path: str) -> str:
    message = str(error.get("msg", ""))
    for pattern, kind, name in PYDANTIC_WORDS:
        match = pattern.match(message)
        if match:
            limit = {name: match.group(1)} if name else {}
            return _(TEMPLATES[kind]).format(**limit)
    if raw_path and message.startswith(raw_path + ": "):  # the service's own sentence names its field again
        message = message[len(raw_path) + 2:]
    return message


def advice(error: dict) -> str:
    """One refused field as a sentence: the form's label, which entry of a list, what to change."""
    path = [part for part in error.get("loc", []) if part != "body"]
    names = [str(part) for part in path if not isinstance(part, int) and not str(part).isdigit()]
    indices = [int(part) for part in path if isinstance(part, int) or str(part).isdigit()]
    key = ".".join(names)
    label = FIELD_LABELS.get(key)
    raw_path = ".".join(names) + "".join(f"[{i}]" for i in indices)
    problem = _problem(error, raw_path)
    if label is None:
        return f"{key}: {problem}" if key else problem
    where = _(label)
    if indices and names == ["layers"]:
        where = _("%(field)s, number %(n)d") % {"field": where, "n": indices[0] + 1}
    elif indices and names == ["activations"]:
        where = _("Activation of layer %(n)d") % {"n": indices[0] + 1}
    return _("%(field)s: %(problem)s") % {"field": where, "problem": problem}
