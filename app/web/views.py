"""Everything the session page and its fragments show, built from one Session document.

The page and the fragment routes call the same functions, so a reload shows exactly what the
last swap showed.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.i18n import _
from app.web.charts import loss_curve_view
from app.web.events import EVENTS
from app.web.layout import build_network_view
from app.web.narration import narrate
from app.web.plots import plane_plot
from app.web.status import status_view
from app.web.svg_edges import edges_svg


@dataclass(slots=True)
class Message:
    kind: str  # error | info
    text: str


def session_panels(service, doc: dict, focus: int, before: dict | None = None, projector: bool = False) -> dict:
    """The context of every panel of /s/{id}: network, narration, status, loss curve, data plot."""
    session_id = doc["id"]
    plot = plane_plot(doc, lambda inputs: service.layer_outputs(session_id, inputs))
    net = build_network_view(doc, focus, plot.unit_maps)
    return {
        "doc": doc,
        "session_id": session_id,
        "net": net,
        "edges_svg": edges_svg,
        "narration": narrate(doc, net.focus, before),
        "status": status_view(doc, net.focus),
        "curve": loss_curve_view(doc.get("history") or []),
        "plot": plot,
        "events": EVENTS,
        "projector": projector,
        "messages": [],
    }


def error_message(error) -> Message:
    """A service error as a message the page shows (the service's text is already translated)."""
    from app.sessions.errors import InvalidInput, SessionNotFound, StepRefused

    if isinstance(error, SessionNotFound):
        return Message("error", _("This session does not exist (any more). Open a preset or build a new network."))
    if isinstance(error, StepRefused):
        return Message("error", _("Refused: %(reason)s") % {"reason": error.message})
    if isinstance(error, InvalidInput):
        details = "; ".join(e["msg"] for e in error.errors)
        return Message("error", _("Not accepted: %(reason)s") % {"reason": details})
    raise error
