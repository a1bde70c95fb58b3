"""/api/v1: thin handlers. Validation is the schemas', the work the session service's."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Response

from app.api.requests import JSONRoute
from app.api.responses import ArrayJSONResponse
from app.api.schemas import (
    ConfigOverrides,
    ErrorOut,
    GradcheckOut,
    PatchRequest,
    PredictOut,
    PredictRequest,
    RefusedOut,
    SessionOut,
    StepRequest,
    TrainRequest,
    ValidationErrorOut,
    Config,
)
from app.api.pytorch import pytorch_program
from app.deps import SessionsDep

router = APIRouter(prefix="/api/v1", tags=["sessions"], default_response_class=ArrayJSONResponse, route_class=JSONRoute)

NOT_FOUND = {404: {"model": ErrorOut, "description": "No such session"}}
INVALID = {422: {"model": ValidationErrorOut, "description": "Malformed JSON or a wrong field; `loc` names it"}}
REFUSED = {409: {"model": RefusedOut, "description": "Refused (a step would overflow, nothing to undo, or the session is busy): the session is unchanged"}}
TOO_LARGE = {413: {"model": ErrorOut, "description": "The body is over the size limit (256 MiB)"}}
SESSION = {"model": SessionOut, "description": "The session"}


class View:
    """?view=compact leaves out the per-row arrays; ?history=N keeps the last N losses."""

    def __init__(
        self,
        view: Annotated[Literal["full", "compact"], Query(description="compact: batch, z, a, grad.a, grad.z are null")] = "full",
        history: Annotated[int | None, Query(ge=0, description="Keep only the last N history entries")] = None,
    ):
        self.options = {"view": view, "history": history}


ViewDep = Annotated[View, Depends()]


@router.post("/sessions", status_code=201, response_model=None, responses={201: SESSION, **INVALID, **TOO_LARGE})
def create_session(body: Annotated[ConfigOverrides, Body()], sessions: SessionsDep, view: ViewDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(sessions.create(body.model_dump(exclude_unset=True), **view.options), status_code=201)


@router.get("/sessions/{session_id}", response_model=None, responses={200: SESSION, **NOT_FOUND, **INVALID})
def read_session(session_id: str, sessions: SessionsDep, view: ViewDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(sessions.get(session_id, **view.options))


@router.delete("/sessions/{session_id}", status_code=204, response_class=Response, responses={**NOT_FOUND, **REFUSED, **INVALID})
def delete_session(session_id: str, sessions: SessionsDep) -> Response:
    sessions.delete(session_id)
    return Response(status_code=204)


@router.post("/sessions/{session_id}/step", response_model=None, responses={200: SESSION, **NOT_FOUND, **REFUSED, **INVALID, **TOO_LARGE})
def step_session(
    session_id: str, sessions: SessionsDep, view: ViewDep, body: Annotated[StepRequest | None, Body()] = None
) -> ArrayJSONResponse:
    body = body or StepRequest()
    return ArrayJSONResponse(sessions.step(session_id, count=body.count, until=body.until, **view.options))


@router.post("/sessions/{session_id}/back", response_model=None, responses={200: SESSION, **NOT_FOUND, **REFUSED, **INVALID})
def step_session_back(session_id: str, sessions: SessionsDep, view: ViewDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(sessions.back(session_id, **view.options))


@router.post("/sessions/{session_id}/train", response_model=None, responses={200: SESSION, **NOT_FOUND, **REFUSED, **INVALID, **TOO_LARGE})
def train_session(session_id: str, body: TrainRequest, sessions: SessionsDep, view: ViewDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(sessions.train(session_id, body.iterations, **view.options))


@router.post("/sessions/{session_id}/reset", response_model=None, responses={200: SESSION, **NOT_FOUND, **REFUSED, **INVALID})
def reset_session(session_id: str, sessions: SessionsDep, view: ViewDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(sessions.reset(session_id, **view.options))


@router.patch("/sessions/{session_id}", response_model=None, responses={200: SESSION, **NOT_FOUND, **REFUSED, **INVALID, **TOO_LARGE})
def update_session(session_id: str, body: PatchRequest, sessions: SessionsDep, view: ViewDep) -> ArrayJSONResponse:
    optimizer = body.optimizer.model_dump(exclude_none=True) if body.optimizer is not None else None
    edits = [edit.model_dump(by_alias=True) for edit in body.edits] if body.edits else None
    return ArrayJSONResponse(sessions.patch(session_id, optimizer=optimizer, edits=edits, **view.options))


@router.post("/sessions/{session_id}/predict", response_model=None, responses={200: {"model": PredictOut}, **NOT_FOUND, **REFUSED, **INVALID, **TOO_LARGE})
def predict_outputs(session_id: str, body: PredictRequest, sessions: SessionsDep) -> ArrayJSONResponse:
    return ArrayJSONResponse({"outputs": sessions.predict(session_id, body.inputs)})


@router.get("/sessions/{session_id}/gradcheck", response_model=None, responses={200: {"model": GradcheckOut}, **NOT_FOUND, **REFUSED, **INVALID})
def check_gradients(
    session_id: str,
    sessions: SessionsDep,
    eps: Annotated[float, Query(gt=0, le=0.1, description="The step of the central differences")] = 1e-5,
) -> ArrayJSONResponse:
    return ArrayJSONResponse(sessions.gradcheck(session_id, eps))


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
    session_id: str,
    sessions: SessionsDep,
    export_format: Annotated[
        Literal["json", "pytorch", "ipynb"],
        Query(alias="format", description="json: a Config; pytorch or ipynb: a program that runs the next update in torch"),
    ] = "json",
) -> Response:
    if export_format == "json":
        return ArrayJSONResponse(sessions.export(session_id))
    return pytorch_program(sessions.next_update(session_id), export_format)
