"""Predict-then-reveal questions generated from the step the room's session takes next.

A template question is stored with its template ({"kind": ..., its numbers}); its prompt and
choices are worded again in each reader's language, so a class that mixes English and Chinese
reads the same question in both. A free-text question is shown as the teacher typed it.
"""
from __future__ import annotations

from app.i18n import _, lazy

SIGN = lazy("Which sign will dL/dw have for the edge from unit {i} of layer {p} to unit {j} of layer {l}?")
LOSS_DOWN = lazy("Will the loss go down after this update?")
LARGER_ERROR = lazy("Which output unit has the larger error?")
MAX_CHOICES = 6


def templates_for(doc: dict) -> list[dict]:
    """The template questions that fit the next step of a Session document."""
    step = doc["next_step"]
    sizes = doc["config"]["layers"]
    L = len(sizes) - 1
    found = []
    if step["phase"] == "update":
        found.append({"kind": "loss-down"})
    else:
        layer = step["layer"] if step["phase"] == "backward" else L
        found.append({"kind": "sign", "layer": layer, "to": 0, "from": 0})
        if step["phase"] != "backward" and 2 <= sizes[-1] <= MAX_CHOICES:
            found.append({"kind": "larger-error", "units": sizes[-1]})
    return found


def worded(template: dict) -> tuple[str, list[str]]:
    """The prompt and choices of a template, in the current language."""
    kind = template["kind"]
    if kind == "sign":
        prompt = _(SIGN).format(i=template["from"], p=template["layer"] - 1, j=template["to"], l=template["layer"])
        return prompt, [_("positive"), _("negative"), _("zero")]
    if kind == "loss-down":
        return _(LOSS_DOWN), [_("yes, it goes down"), _("no, it goes up")]
    if kind == "larger-error":
        return _(LARGER_ERROR), [_("unit {k}").format(k=k) for k in range(template["units"])]
    raise ValueError(kind)


def is_template(template) -> bool:
    """A template a client sent back is one of ours with sane numbers (it is stored and worded)."""
    if not isinstance(template, dict):
        return False
    kind = template.get("kind")
    numbers = [template.get(k) for k in ("layer", "to", "from", "units") if k in template]
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 1024 for n in numbers):
        return False
    if kind == "sign":
        return set(template) == {"kind", "layer", "to", "from"} and template["layer"] >= 1
    if kind == "loss-down":
        return set(template) == {"kind"}
    if kind == "larger-error":
        return set(template) == {"kind", "units"} and 2 <= template["units"] <= MAX_CHOICES
    return False
