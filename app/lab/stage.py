"""Everything the session page and its fragments show, built from one Session document.

The page and the fragment routes call the same functions, so a reload shows exactly what the
last swap showed.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.i18n import _
from app.sessions.config import MAX_TRAIN_ITERATIONS
from app.ui.advice import advice
from app.lab.charts import LAPTOP_CHART, PROJECTOR_CHART, loss_curve_view
from app.ui.events import EVENTS
from app.lab.layout import LAPTOP, PROJECTOR, build_network_view, grad_scale_of
from app.lab.narration import narrate
from app.lab.plots import LAPTOP_PLOT, PROJECTOR_PLOT, batch_svg, plane_plot, plot_frame, points_svg
from app.lab.status import status_view
from app.lab.settings_view import settings_view
from app.lab.svg_edges import edges_svg, hits_svg
from app.lab.svg_units import maps_svg, units_svg


@dataclass(slots=True)
class Message:
    kind: str  # error | info
    text: str


@dataclass(slots=True)
class StageParts:
    """What one step changed in the drawing, so that its answer re-sends only that: the units and
    the frame always, the edge groups of `edge_layers` (weights or gradients changed), the plots
    (the parameters changed: the loss curve and the data plot's maps), the batch's points."""
    edge_layers: list[int]
    plots: bool
    batch: bool = False


def stage_parts(before: dict | None, after: dict) -> StageParts | None:
    """The parts a single step changed, from the session just before and after it; None (send
    everything) when the two are not one step apart, e.g. another tab stepped in between."""
    step = after.get("last_step")
    if before is None or not step or before.get("next_step") != step:
        return None
    every_layer = list(range(1, len(after["layers"])))
    phase = step["phase"]
    if phase == "update":
        return StageParts(every_layer, plots=True)
    if phase == "forward" and step["layer"] == 1:  # clears last iteration's gradients, may take a new batch
        had_grads = any(layer["grad"]["W"] is not None for layer in before["layers"][1:])
        new_batch = after["config"].get("batch_size") is not None  # mini-batches: other points
        return StageParts(every_layer if had_grads else [], plots=False, batch=new_batch)
    if phase == "backward":  # a new largest gradient rescales the dashed lines already drawn
        first = all(layer["grad"]["W"] is None for layer in before["layers"][1:])
        same_scale = first or grad_scale_of(before) == grad_scale_of(after)
        return StageParts([step["layer"]] if same_scale else every_layer, plots=False)
    return StageParts([], plots=False)


def session_panels(reader, doc: dict, focus: int, projector: bool = False, parts: StageParts | None = None) -> dict:
    """The context of every panel of /s/{id}: network, narration, status, loss curve, data plot.
    `reader` is the SessionReader the same service call answered with `doc`. With `parts` (a
    step's light answer) only what that answer sends: the loss curve when the plots changed, the
    plot's frame when they or the batch did, the settings never (they are on the page only)."""
    session_id = doc["id"]
    plot = plane_plot(doc, reader.layer_outputs, reader.plot_data)
    net = build_network_view(doc, focus, plot.unit_maps, edge_layers=None if parts is None else parts.edge_layers,
                             canvas=PROJECTOR if projector else LAPTOP)
    context = {
        "doc": doc,
        "session_id": session_id,
        "net": net,
        "edges_svg": edges_svg,
        "hits_svg": hits_svg,
        "units_svg": units_svg,
        "maps_svg": maps_svg,
        "parts": parts,
        "narration": narrate(doc, net.focus, reader.update_report),
        "status": status_view(doc, net.focus),
        "plot": plot,
        "points_svg": points_svg,
        "batch_svg": batch_svg,
        "events": EVENTS,
        "projector": projector,
        "train_limit": MAX_TRAIN_ITERATIONS,  # the Train field's max: what one request may train
        "messages": [],
    }
    if parts is None or parts.plots:
        context["curve"] = loss_curve_view(doc.get("history") or [], PROJECTOR_CHART if projector else LAPTOP_CHART)
    if parts is None or parts.plots or parts.batch:
        context["frame"] = plot_frame(plot, PROJECTOR_PLOT if projector else LAPTOP_PLOT)
    if parts is None:
        context["settings"] = settings_view(doc)
    return context


def error_message(error) -> Message:
    """A service error as a message the page shows (the service's text is already translated)."""
    from app.sessions.errors import InvalidInput, SessionNotFound, StepRefused

    if isinstance(error, SessionNotFound):
        return Message("error", _("This session does not exist (any more). Open a preset or build a new network."))
    if isinstance(error, StepRefused):
        return Message("error", _("Refused: %(reason)s") % {"reason": error.message})
    if isinstance(error, InvalidInput):
        details = "; ".join(advice(e) for e in error.errors)
        return Message("error", _("Please change this: %(reason)s") % {"reason": details})
    raise error
