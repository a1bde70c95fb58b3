"""Answers of the web routes: whole pages, the stage update of a step, and readable errors.

Errors go to the message area (#messages) with HX-Retarget and a translated sentence, so nothing
fails silently: 404, 409, 422 or 503 for plain clients, 200 for htmx (see message_response).
"""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.sessions.errors import InvalidInput, SessionNotFound, StepRefused, StoreUpgrading
from app.ui.events import STEP_DONE
from app.ui.templating import templates
from app.lab.stage import Message, StageParts, error_message, session_panels

SERVICE_ERRORS = (SessionNotFound, StepRefused, InvalidInput)
STATUS_OF = {SessionNotFound: 404, StoreUpgrading: 503, StepRefused: 409, InvalidInput: 422}  # the first kind that matches


def status_of(error: Exception) -> int:
    return next(code for kind, code in STATUS_OF.items() if isinstance(error, kind))


def render(request: Request, name: str, context: dict, status: int = 200, headers: dict | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status, headers=headers)


def message_response(request: Request, messages: list[Message], status: int, extra: dict | None = None) -> HTMLResponse:
    """The message area as a fragment, retargeted so htmx puts it in place whatever asked.

    htmx requests get it with 200 (the status goes in data-status and X-Refused-Status): Chromium
    logs every 4xx XHR as a console error, and a refused step is an answer, not a failure.
    Other clients get the real status code."""
    headers = {"HX-Retarget": "#messages", "HX-Reswap": "outerHTML", "X-Refused-Status": str(status)}
    if request.headers.get("HX-Request") == "true":
        status = 200
    context = {"messages": messages, "refused_status": headers["X-Refused-Status"], **(extra or {})}
    return render(request, "ui/messages.html", context, status, headers)


def error_response(request: Request, error: Exception) -> HTMLResponse:
    return message_response(request, [error_message(error)], status_of(error))


def is_projector(request: Request) -> bool:
    """Projector mode: the page's ?projector=1, or the header its htmx requests carry (base.html)."""
    return request.headers.get("X-Projector") == "1" or request.query_params.get("projector") == "1"


def stage_response(request: Request, reader, doc: dict, focus: int, params_changed: bool = True,
                   parts: StageParts | None = None, messages: list[Message] | None = None) -> HTMLResponse:
    """What a step changes. With `parts` (one step): only the parts of the drawing it changed, as
    out-of-band swaps (HX-Reswap: none); else the whole network panel, the swap target. Both add
    narration, status and the message area, and the loss curve and data plot when they changed.
    HX-Trigger tells far panels (the inspector) to fetch themselves again."""
    context = session_panels(reader, doc, focus, projector=is_projector(request), parts=parts)
    context.update(params_changed=params_changed if parts is None else parts.plots)
    # a boundary's plane stays put: a light answer sends its maps and batch alone, not its 400 points
    context["plane_parts"] = parts is not None and context["plot"].kind == "boundary"
    if messages:
        context["messages"] = messages
    headers = {"HX-Trigger": STEP_DONE}
    if parts is not None:
        headers["HX-Reswap"] = "none"
        return render(request, "lab/partials/stage_light.html", context, headers=headers)
    return render(request, "lab/partials/stage_update.html", context, headers=headers)
