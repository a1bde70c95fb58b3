"""The inspector fragment (one edge or one unit) and in-place edits of a weight or a bias."""
from __future__ import annotations

import math

from fastapi import APIRouter, Request

from app.deps import SessionsDep
from app.i18n import _
from app.ui.events import EVENTS
from app.ui.forms import FormDep, int_field
from app.lab.inspector import edge_view, unit_view
from app.lab.rendering import SERVICE_ERRORS, error_response, message_response, render, stage_response
from app.lab.stage import Message

router = APIRouter(prefix="/s/{session_id}", include_in_schema=False)


def _selection(form: dict[str, str], sizes: list[int]) -> tuple[str, int, int, int | None] | None:
    """(kind, layer, to, from) from the query, or None when it names no edge or unit of this network."""
    kind = form.get("kind")
    layer = int_field(form, "layer", -1, -1)
    to = int_field(form, "to", -1, -1)
    if kind == "edge":
        source = int_field(form, "from", -1, -1)
        if 1 <= layer < len(sizes) and 0 <= to < sizes[layer] and 0 <= source < sizes[layer - 1]:
            return kind, layer, to, source
    elif kind == "unit":
        if 0 <= layer < len(sizes) and 0 <= to < sizes[layer]:
            return kind, layer, to, None
    return None


def inspector_view(reader, doc: dict, form: dict[str, str], focus: int):
    """The inspector for the edge or unit the query names (kind, layer, to, from), or None;
    `reader` is the SessionReader answered with `doc`."""
    selection = _selection(form, [int(layer["size"]) for layer in doc["layers"]])
    if selection is None:
        return None
    kind, layer, to, source = selection

    numeric = reader.numeric_partial
    return edge_view(doc, layer, to, source, focus, numeric) if kind == "edge" else unit_view(doc, layer, to, focus, numeric)


@router.get("/inspect", name="inspect_part")
def inspect_part(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    focus = int_field(form, "focus", 0)
    try:
        state = service.show(session_id)
        view = inspector_view(state.reader, state.doc, form, focus)
        if view is None:
            return message_response(request, [Message("error", _("There is no such edge or unit in this network."))], 422)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return render(request, "lab/partials/inspector.html", {"inspect": view, "session_id": session_id, "events": EVENTS})


@router.post("/edit", name="edit_parameter")
def edit_parameter(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    """Sets one weight (from = a unit) or bias (from empty) through PATCH edits; the iteration
    restarts at forward 1 on the same batch, as the API does."""
    focus = int_field(form, "focus", 0)
    try:
        value = float(form.get("value", "").strip().replace("\u2212", "-"))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        return message_response(request, [Message("error", _("Please enter a finite number."))], 422)
    source = form.get("from", "")
    edit = {
        "layer": int_field(form, "layer", -1, -1),
        "to": int_field(form, "to", -1, -1),
        "from": None if source == "" else int_field(form, "from", -1, -1),
        "value": value,
    }
    try:
        state = service.patch(session_id, edits=[edit], page=True)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return stage_response(request, state.reader, state.doc, focus)
