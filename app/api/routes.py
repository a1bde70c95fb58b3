"""/api/v1: thin handlers. Validation is the schemas', the work the session service's."""
from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.examples import CONFIG_EXAMPLES, PATCH_EXAMPLES, PREDICT_EXAMPLES, SESSION_LINKS, STEP_EXAMPLES, TRAIN_EXAMPLES
from app.api.requests import JSONRoute
from app.api.responses import ArrayJSONResponse
from app.api.schemas import (
    Config,
    ConfigOverrides,
    ErrorOut,
    GradcheckOut,
    PatchRequest,
    PredictOut,
    PredictRequest,
    SessionOut,
    StepRequest,
    TrainRequest,
)
from app.api.pytorch import pytorch_program
from app.sessions.service import SessionService, WouldWait

router = APIRouter(
    prefix="/api/v1",
    tags=["sessions"],
    default_response_class=ArrayJSONResponse,
    route_class=JSONRoute,
    generate_unique_id_function=lambda route: route.name,  # operationId = the handler's verb_noun name
)


def _error(description: str) -> dict:
    return {"model": ErrorOut, "description": description}


NOT_FOUND = {404: _error("No such session (code session_not_found)")}
INVALID = {422: _error("Malformed JSON (code invalid_json), a wrong field (invalid_input) or a value over a limit (limit_exceeded); `loc` names the field")}
REFUSED = {409: _error("Refused, the session is unchanged: a step would overflow (step_refused), nothing to undo (nothing_to_undo), the session is busy (busy), or the numbers of a read overflow (not_finite)")}
TOO_LARGE = {413: _error("The body is over the size limit (code limit_exceeded, limit max_body_bytes)")}
QUOTA = {429: _error("This client address holds as many sessions or stored bytes as one may (code limit_exceeded, limit max_sessions_per_client or max_stored_bytes_per_client)")}
TEACHER_ONLY = {403: _error("The session follows a classroom room and this request has not the room's teacher token (code teacher_only): nothing was changed; fork the room to explore on your own")}
STALE = {412: _error("If-Match named another version than the session's (code precondition_failed): nothing was changed")}
ETAG = {"ETag": {"description": 'The session\'s version, quoted: "n"', "schema": {"type": "string"}}}
SESSION = {"model": SessionOut, "description": "The session", "headers": ETAG}
CREATED = {
    "model": SessionOut,
    "description": "The new session",
    "headers": {**ETAG, "Location": {"description": "The new session's URL: /api/v1/sessions/{id}", "schema": {"type": "string"}}},
    "links": SESSION_LINKS,
}


# The routes take their query and header parameters directly, not through sub-dependencies:
# each dependency is another solve per request in FastAPI, about a tenth of a small step's time.
ViewQuery = Annotated[Literal["full", "compact"], Query(description="compact: batch, z, a, grad.a, grad.z are null")]
HistoryQuery = Annotated[int, Query(ge=0, description="Keep only the last N history entries")]
IfMatchHeader = Annotated[str | None, Header(description='Change only if the session is at this version: "n" (its ETag)')]


def sessions_of(request: Request) -> SessionService:
    return request.app.state.sessions


def matching_versions(if_match: str | None) -> frozenset[int] | None:
    """The versions an If-Match header accepts (None: any). `*` accepts any; a tag that names
    no version (not "n") matches none, so the answer is 412."""
    if if_match is None or if_match.strip() == "*":
        return None
    versions = set()
    for tag in if_match.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if tag.isdigit():
            versions.add(int(tag))
    return frozenset(versions)


def session_response(doc: dict, status_code: int = 200) -> ArrayJSONResponse:
    return ArrayJSONResponse(doc, status_code=status_code, headers={"ETag": f'"{doc["version"]}"'})


@router.post("/sessions", status_code=201, response_model=None, responses={201: CREATED, **INVALID, **TOO_LARGE, **QUOTA})
def create_session(
    request: Request, body: Annotated[ConfigOverrides, Body(openapi_examples=CONFIG_EXAMPLES)],
    view: ViewQuery = "full", history: HistoryQuery = None,
) -> ArrayJSONResponse:
    session = sessions_of(request).create(body.model_dump(exclude_unset=True), view=view, history=history)
    answer = session_response(session, status_code=201)
    answer.headers["Location"] = f"/api/v1/sessions/{session['id']}"
    return answer


async def answered_inline(call, inline: bool = True):
    """A small live session's read or single step costs less than the hop to a worker thread, so it
    is answered on the event loop when nobody holds the session (else the service says
    WouldWait; its commit may still queue briefly for SQLite's writer); anything else runs in
    the threadpool."""
    if inline:
        try:
            return call(inline=True)
        except WouldWait:
            pass
    return await run_in_threadpool(call)


@router.get("/sessions/{session_id}", response_model=None, responses={200: SESSION, **NOT_FOUND, **INVALID})
async def read_session(request: Request, session_id: str, view: ViewQuery = "full", history: HistoryQuery = None) -> ArrayJSONResponse:
    return session_response(await answered_inline(partial(sessions_of(request).get, session_id, view=view, history=history)))


@router.delete("/sessions/{session_id}", status_code=204, response_class=Response, responses={**NOT_FOUND, **REFUSED, **STALE, **TEACHER_ONLY, **INVALID})
def delete_session(request: Request, session_id: str, if_match: IfMatchHeader = None) -> Response:
    sessions_of(request).delete(session_id, if_match=matching_versions(if_match))
    return Response(status_code=204)


@router.post("/sessions/{session_id}/step", response_model=None, responses={200: SESSION, **NOT_FOUND, **REFUSED, **STALE, **TEACHER_ONLY, **INVALID, **TOO_LARGE})
async def step_session(
    request: Request, session_id: str, body: Annotated[StepRequest | None, Body(openapi_examples=STEP_EXAMPLES)] = None,
    view: ViewQuery = "full", history: HistoryQuery = None, if_match: IfMatchHeader = None,
) -> ArrayJSONResponse:
    body = body or StepRequest()
    call = partial(sessions_of(request).step, session_id, count=body.count, until=body.until,
                   if_match=matching_versions(if_match), view=view, history=history)
    return session_response(await answered_inline(call, inline=body.count in (None, 1) and body.until is None))


@router.post("/sessions/{session_id}/back", response_model=None, responses={200: SESSION, **NOT_FOUND, **REFUSED, **STALE, **TEACHER_ONLY, **INVALID})
def step_session_back(
    request: Request, session_id: str, view: ViewQuery = "full", history: HistoryQuery = None, if_match: IfMatchHeader = None,
) -> ArrayJSONResponse:
    return session_response(sessions_of(request).back(session_id, if_match=matching_versions(if_match), view=view, history=history))


@router.post("/sessions/{session_id}/train", response_model=None, responses={200: SESSION, **NOT_FOUND, **REFUSED, **STALE, **TEACHER_ONLY, **INVALID, **TOO_LARGE})
def train_session(
    request: Request, session_id: str, body: Annotated[TrainRequest, Body(openapi_examples=TRAIN_EXAMPLES)],
    view: ViewQuery = "full", history: HistoryQuery = None, if_match: IfMatchHeader = None,
) -> ArrayJSONResponse:
    return session_response(sessions_of(request).train(
        session_id, body.iterations, if_match=matching_versions(if_match), view=view, history=history))


@router.post("/sessions/{session_id}/reset", response_model=None, responses={200: SESSION, **NOT_FOUND, **REFUSED, **STALE, **TEACHER_ONLY, **INVALID})
def reset_session(
    request: Request, session_id: str, view: ViewQuery = "full", history: HistoryQuery = None, if_match: IfMatchHeader = None,
) -> ArrayJSONResponse:
    return session_response(sessions_of(request).reset(session_id, if_match=matching_versions(if_match), view=view, history=history))


@router.patch("/sessions/{session_id}", response_model=None, responses={200: SESSION, **NOT_FOUND, **REFUSED, **STALE, **TEACHER_ONLY, **INVALID, **TOO_LARGE})
def update_session(
    request: Request, session_id: str, body: Annotated[PatchRequest, Body(openapi_examples=PATCH_EXAMPLES)],
    view: ViewQuery = "full", history: HistoryQuery = None, if_match: IfMatchHeader = None,
) -> ArrayJSONResponse:
    optimizer = body.optimizer.model_dump(exclude_none=True) if body.optimizer is not None else None
    edits = [edit.model_dump(by_alias=True) for edit in body.edits] if body.edits else None
    return session_response(sessions_of(request).patch(
        session_id, optimizer=optimizer, edits=edits, if_match=matching_versions(if_match), view=view, history=history))


@router.post("/sessions/{session_id}/predict", response_model=None, responses={200: {"model": PredictOut}, **NOT_FOUND, **REFUSED, **INVALID, **TOO_LARGE})
def predict_outputs(request: Request, session_id: str, body: Annotated[PredictRequest, Body(openapi_examples=PREDICT_EXAMPLES)]) -> ArrayJSONResponse:
    return ArrayJSONResponse({"outputs": sessions_of(request).predict(session_id, body.inputs)})


@router.get("/sessions/{session_id}/gradcheck", response_model=None, responses={200: {"model": GradcheckOut}, **NOT_FOUND, **REFUSED, **INVALID})
def check_gradients(
    request: Request, session_id: str,
    eps: Annotated[float, Query(gt=0, le=0.1, description="The step of the central differences")] = 1e-5,
) -> ArrayJSONResponse:
    return ArrayJSONResponse(sessions_of(request).gradcheck(session_id, eps))


EXPORTS = {
    200: {
        "model": Config,
        "description": "A Config (default); with format=pytorch a Python script, with format=ipynb a Jupyter notebook",
        "content": {"text/x-python": {"schema": {"type": "string"}}, "application/x-ipynb+json": {"schema": {"type": "object"}}},
    },
    **NOT_FOUND, **REFUSED, **INVALID,
}


@router.get("/sessions/{session_id}/export", response_model=None, responses=EXPORTS)
def export_session(
    request: Request,
    session_id: str,
    export_format: Annotated[
        Literal["json", "pytorch", "ipynb"],
        Query(alias="format", description="json: a Config; pytorch or ipynb: a program that runs the next update in torch"),
    ] = "json",
) -> Response:
    sessions = sessions_of(request)
    if export_format == "json":
        return ArrayJSONResponse(sessions.export(session_id))
    return pytorch_program(sessions.next_update(session_id), export_format)
