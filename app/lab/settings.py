"""Settings inside a session, as TF Playground changes them live: the optimizer (learning rate,
momentum, SGD or Adam, weight decay where the API has it) through PATCH, on this network; and the
settings that need a new network (activations, loss, batch size, layers, initial weights, seed)
as a new session on the same data, which this page then opens."""
from __future__ import annotations

import re
import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import SessionsDep
from app.i18n import _
from app.lab.rendering import SERVICE_ERRORS, error_response, message_response, stage_response
from app.lab.stage import Message
from app.lab.settings_view import OPTIMIZERS, optimizer_fields
from app.ui.choices import choices
from app.ui.forms import FormDep, int_field
from app.ui.numbers import fmt

router = APIRouter(prefix="/s/{session_id}", include_in_schema=False)

LIVE_FIELDS = ("learning_rate", "momentum", "weight_decay")  # the optimizer's numbers a PATCH takes


def _number(form: dict, name: str) -> float | None:
    text = form.get(name, "").strip().replace("\u2212", "-")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


@router.post("/optimizer", name="change_optimizer")
def change_optimizer(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    """A PATCH of the optimizer: the next update uses it; the state (momentum, moments) is kept
    unless SGD and Adam are swapped."""
    change: dict = {}
    name = form.get("optimizer", "")
    if name in OPTIMIZERS:
        change["name"] = name
    unreadable = []
    for field in LIVE_FIELDS:
        if field in form:
            value = _number(form, field)
            if value is None:
                unreadable.append(field)
            else:
                change[field] = value
    if unreadable:
        text = _("Please enter a number for the learning rate (for example 0.5).") if "learning_rate" in unreadable else \
            _("Please enter a number for momentum and weight decay (0 switches them off).")
        return message_response(request, [Message("error", text)], 422)
    # the optimizer the page showed (a hidden field): one locked call, no read before it
    shown = form.get("current_optimizer", "")
    name = change.get("name", shown)
    if name != shown:  # the other optimizer's fields start afresh, the rate carries over
        change = {key: value for key, value in change.items() if key in ("name", "learning_rate")}
    else:  # only the fields this optimizer takes (the form may send momentum for Adam)
        change = {key: value for key, value in change.items() if key in optimizer_fields(name)}
    try:
        state = service.patch(session_id, optimizer=change, page=True)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    applied = state.doc["config"]["optimizer"]
    said = _("From the next update on: %(optimizer)s with learning rate %(lr)s.") % {
        "optimizer": choices([applied["name"]])[0].label, "lr": fmt(applied["learning_rate"])}
    return stage_response(request, state.reader, state.doc, int_field(form, "focus", 0), messages=[Message("info", said)])


def _activations(form: dict, count: int, current: list[str]) -> list[str]:
    hidden = form.get("hidden_activation") or (current[0] if len(current) > 1 else "tanh")
    output = form.get("output_activation") or current[-1]
    return [hidden] * (count - 2) + [output]


@router.post("/new-session", name="new_session_from")
def new_session_from(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    """The settings that need a new network: a new session with this one's data and optimizer."""
    try:
        config = service.export(session_id)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    try:
        layers = [int(part) for part in re.split(r"[,\s]+", form.get("layers", "").strip()) if part]
    except ValueError:
        layers = []
    if len(layers) < 2:
        return message_response(request, [Message("error", _(
            "Units per layer: write at least two whole numbers, input first, for example 2, 4, 1."))], 422)
    body = {key: value for key, value in config.items() if key not in ("weights", "biases")}
    body["data"] = {key: value.tolist() if isinstance(value, np.ndarray) else value for key, value in config["data"].items()}
    body["layers"] = layers
    body["activations"] = _activations(form, len(layers), config["activations"])
    body["loss"] = form.get("loss") or config["loss"]
    batch = form.get("batch_size", "").strip()
    body["batch_size"] = None if not batch else int_field(form, "batch_size", 1, 1)
    body["init"] = form.get("init") or config.get("init", "xavier")
    body["seed"] = int_field(form, "seed", int(config.get("seed", 0)))
    try:
        doc = service.create(body, view="compact")
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    target = request.url_for("show_session", session_id=doc["id"]).path
    if form.get("projector") == "1":
        target += "?projector=1"
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
