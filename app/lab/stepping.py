"""Step, Back, Iteration, Reset and chunked Train: POSTs that answer the panels that changed."""
from __future__ import annotations

import time

from fastapi import APIRouter, Request

from app.deps import SessionsDep
from app.sessions.config import MAX_TRAIN_ITERATIONS
from app.ui.events import STEP_DONE
from app.ui.forms import FormDep, int_field
from app.lab.layout import MAX_DETAILED_EDGES
from app.lab.rendering import SERVICE_ERRORS, error_response, is_projector, render, stage_response
from app.lab.status import state_token
from app.lab.stage import StageParts, error_message, session_panels, stage_parts

router = APIRouter(prefix="/s/{session_id}", include_in_schema=False)

CHUNK_SECONDS = 0.25  # each train chunk aims at this much server time: the bar moves, the page stays responsive


def next_chunk(chunk: int, elapsed: float) -> int:
    """The next slice of a Train run, from how long the last one (`chunk` iterations) took: as
    many iterations as fit in CHUNK_SECONDS at that pace, at most twice the last (one fast slice
    does not make the next take seconds), at least one, never more than a request may train."""
    fitting = int(chunk * CHUNK_SECONDS / max(elapsed, 1e-4))
    return max(1, min(fitting, 2 * chunk, MAX_TRAIN_ITERATIONS))


@router.post("/step", name="step_session")
def step_session(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    return step_answer(request, session_id, service, form)


def step_answer(request: Request, session_id: str, service, form: dict, inline: bool = False):
    """The Step button's answer. inline (app/api/fast_lane.py, on the event loop): WouldWait
    unless the service can step at once."""
    focus = int_field(form, "focus", 0)
    try:
        # one locked call: the state before (which parts changed), after, and a reader (an update's report)
        state = service.step(session_id, page=True, inline=inline)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    before, doc = state.before, state.doc
    # only the changed parts when the page shows the state the step started from (not another tab's)
    up_to_date = form.get("seen") == state_token(before)
    return stage_response(request, state.reader, doc, focus, parts=stage_parts(before, doc) if up_to_date else None)


@router.post("/iteration", name="finish_iteration")
def finish_iteration(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    focus = int_field(form, "focus", 0)
    try:
        state = service.step(session_id, until="update", page=True)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return stage_response(request, state.reader, state.doc, focus)


@router.post("/back", name="back_session")
def back_session(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    try:
        state = service.back(session_id, page=True)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return stage_response(request, state.reader, state.doc, int_field(form, "focus", 0))


@router.post("/reset", name="reset_session")
def reset_session(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    try:
        state = service.reset(session_id, page=True)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return stage_response(request, state.reader, state.doc, int_field(form, "focus", 0))


@router.post("/train-chunk", name="train_chunk")
def train_chunk(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    """One slice of a Train N run. The answer carries the progress panel, which holds the request
    for the next slice (hx-trigger=load) until none remain or the user pressed Stop."""
    focus = int_field(form, "focus", 0)
    total = int_field(form, "total", int_field(form, "iterations", 1, 1, MAX_TRAIN_ITERATIONS), 1, MAX_TRAIN_ITERATIONS)
    remaining = int_field(form, "remaining", total, 0, total)
    chunk = int_field(form, "chunk", 1, 1, MAX_TRAIN_ITERATIONS)
    stopped = form.get("stop") == "1"
    error = None
    try:
        if stopped or remaining == 0:
            state = service.show(session_id)
        else:
            chunk = min(chunk, remaining)
            started = time.perf_counter()
            state = service.train(session_id, chunk, page=True)
            elapsed = time.perf_counter() - started
            remaining -= chunk
            chunk = next_chunk(chunk, elapsed)
    except SERVICE_ERRORS as caught:
        error = caught
        try:
            state = service.show(session_id)
        except SERVICE_ERRORS:
            return error_response(request, caught)
    doc = state.doc
    running = remaining > 0 and not stopped and error is None
    sizes = doc["config"]["layers"]
    small = sum(a * b for a, b in zip(sizes, sizes[1:])) <= MAX_DETAILED_EDGES
    train = {
        "total": total,
        "done": total - remaining,
        "remaining": remaining,
        "chunk": chunk,
        "running": running,
        "stopped": stopped or error is not None,
        # while it runs, a big drawing waits for the end: each slice sends the curve, not 2,000 edges
        "show_network": small or not running,
    }
    parts = None if train["show_network"] else StageParts([], plots=True)
    context = session_panels(state.reader, doc, focus, projector=is_projector(request), parts=parts)
    context.update(params_changed=True, train=train)
    if error is not None:
        context["messages"] = [error_message(error)]
    return render(request, "lab/partials/train_update.html", context, headers={"HX-Trigger": STEP_DONE})
