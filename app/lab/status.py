"""The status line of a session: iteration, where in the cycle we are, the loss, what comes next."""
from __future__ import annotations

from dataclasses import dataclass

from app.i18n import _
from app.lab.layout import batch_rows, clamp_focus
from app.ui.numbers import fmt


def step_label(step: dict | None) -> str:
    if not step:
        return _("nothing yet")
    if step["phase"] == "forward":
        return _("forward, layer %(layer)d") % {"layer": step["layer"]}
    if step["phase"] == "backward":
        return _("backward, layer %(layer)d") % {"layer": step["layer"]}
    if step["phase"] == "loss":
        return _("loss")
    return _("update")


def cycle(layer_count: int) -> list[dict]:
    """The 2L + 2 steps of one iteration, in order (API.md)."""
    return ([{"phase": "forward", "layer": l} for l in range(1, layer_count + 1)] + [{"phase": "loss"}]
            + [{"phase": "backward", "layer": l} for l in range(layer_count, 0, -1)] + [{"phase": "update"}])


@dataclass(slots=True)
class StatusView:
    iteration: int
    epoch: int
    position: int  # steps done in the current iteration
    steps: int  # steps per iteration
    last_label: str
    next_label: str
    next_phase: str
    loss: str
    undo: int
    rows: int
    focus: int
    max_focus: int
    token: str


# the page's markup, in the token too: a page drawn before its parts changed (an older server)
# gets the whole panel once, never light answers for groups it does not have
MARKUP = "m2"


def state_token(doc: dict) -> str:
    """A short name of where a session stands (iteration, step of the cycle, undo depth) and of
    the page's markup: the page sends back the one it shows, so a step answers with only its
    changes when it is up to date."""
    last = doc.get("last_step")
    steps = cycle(len(doc["layers"]) - 1)
    position = steps.index(last) + 1 if last in steps else 0
    return f"{MARKUP}.{doc['iteration']}.{position}.{int(doc.get('undo_available', 0))}"


def status_view(doc: dict, focus: int) -> StatusView:
    layer_count = len(doc["layers"]) - 1
    steps = cycle(layer_count)
    last = doc.get("last_step")
    position = steps.index(last) + 1 if last in steps else 0
    rows = batch_rows(doc)
    loss = doc["loss"]["value"]
    return StatusView(
        iteration=doc["iteration"], epoch=doc["epoch"], position=position, steps=len(steps),
        last_label=step_label(last), next_label=step_label(doc.get("next_step")),
        next_phase=(doc.get("next_step") or {}).get("phase", ""),
        loss=fmt(loss, 6) if loss is not None else "",
        undo=int(doc.get("undo_available", 0)), rows=rows, focus=clamp_focus(doc, focus), max_focus=max(rows - 1, 0),
        token=state_token(doc),
    )
