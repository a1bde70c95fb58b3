"""/api/v1/rooms: a class following one session (API.md, Rooms). Thin handlers over the room
service; the event stream is the hub's."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, FastAPI, Request, Response, Security
from fastapi.security import HTTPBearer
from pydantic import Field

from app import i18n
from app.api.requests import JSONRoute
from app.api.responses import ArrayJSONResponse
from app.api.rooms_stream import EventStreamResponse
from app.api.errors import error_response
from app.api.schemas import ErrorOut, SessionOut, Strict
from app.i18n import _
from app.rooms.errors import QuestionNotFound, RoomNotFound, TeacherOnly, TooManyAnswers, TooManyStreams
from app.rooms.hub import Hub
from app.rooms.service import RoomService

router = APIRouter(prefix="/api/v1/rooms", tags=["rooms"], default_response_class=ArrayJSONResponse, route_class=JSONRoute)
# documents the header in the OpenAPI document; the check itself is the room service's
teacher_bearer = HTTPBearer(auto_error=False, description="The room's teacher_token, given by POST /api/v1/rooms")

NOT_FOUND = {404: {"model": ErrorOut, "description": "No open room with this code (or no such question)"}}
INVALID = {422: {"model": ErrorOut, "description": "Malformed JSON or a wrong field; `loc` names it"}}
FORBIDDEN = {403: {"model": ErrorOut, "description": "Not the room's teacher token: nothing changed"}}
CONFLICT = {409: {"model": ErrorOut, "description": "Refused: the question is closed, or the session is in an open room already"}}


async def get_rooms(request: Request) -> RoomService:  # async: no thread hop (app/deps.py)
    return request.app.state.rooms


async def get_hub(request: Request) -> Hub:
    return request.app.state.room_hub


RoomsDep = Annotated[RoomService, Depends(get_rooms)]
HubDep = Annotated[Hub, Depends(get_hub)]
Teacher = Security(teacher_bearer)


class CreateRoomRequest(Strict):
    session_id: Annotated[str, Field(min_length=1, max_length=200, description="The session the class follows")]


class RoomCreatedOut(Strict):
    code: str
    session_id: str
    teacher_token: str = Field(description="At least 128 random bits; given only here")
    join_path: str
    students: int


class QuestionOut(Strict):
    id: str
    prompt: str
    choices: list[str]
    open: bool
    counts: list[int] | None = Field(description="Answers per choice; null for a caller without the teacher token while the question is open")
    answers: int = Field(description="How many students have answered")


class RoomOut(Strict):
    code: str
    session_id: str
    students: int = Field(description="Event streams connected now, over every process and host")
    question: QuestionOut | None


Text = Annotated[str, Field(min_length=1, max_length=500)]
Choice = Annotated[str, Field(min_length=1, max_length=200)]


class QuestionRequest(Strict):
    prompt: Text
    choices: Annotated[list[Choice], Field(min_length=2, max_length=6)]


class AnswerRequest(Strict):
    choice: Annotated[int, Field(ge=0, le=5, strict=True)]
    student: Annotated[str, Field(min_length=1, max_length=64, description="An id the client keeps; a second answer replaces the first")]


ROOM_EXAMPLES = {"a session": {"summary": "Open a room on a session", "value": {"session_id": "SESSION_ID"}}}
QUESTION_EXAMPLES = {
    "sign": {"summary": "Predict, then reveal", "value": {"prompt": "Which sign will dL/dw5 have?", "choices": ["positive", "negative", "zero"]}},
}
ANSWER_EXAMPLES = {"one tap": {"summary": "A student's answer", "value": {"choice": 0, "student": "laptop-17"}}}


@router.post("", status_code=201, response_model=None, responses={201: {"model": RoomCreatedOut}, 404: {"model": ErrorOut}, **CONFLICT, **INVALID})
def create_room(body: Annotated[CreateRoomRequest, Body(openapi_examples=ROOM_EXAMPLES)], rooms: RoomsDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(rooms.create(body.session_id), status_code=201)


@router.get("/{code}", response_model=None, responses={200: {"model": RoomOut}, **NOT_FOUND})
def read_room(code: str, rooms: RoomsDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(rooms.describe(code))


@router.get(
    "/{code}/events",
    status_code=200,
    response_class=EventStreamResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "state, question and closed events"}, **NOT_FOUND,
               503: {"model": ErrorOut, "description": "This server holds as many streams as it may: try again"}},
)
async def follow_room(code: str, hub: HubDep) -> EventStreamResponse:
    """`event: state` (id: the version, data: the compact Session) on connecting and after each
    change; `event: question` when one opens or closes; a comment at least every 15 s."""
    stream, first = await hub.connect(code, "api", i18n.current_locale.get(), teacher=False)
    return EventStreamResponse(hub.events(stream, first))


@router.post("/{code}/fork", status_code=201, response_model=None, responses={201: {"model": SessionOut}, **NOT_FOUND})
def fork_room_session(code: str, rooms: RoomsDep) -> ArrayJSONResponse:
    return ArrayJSONResponse(rooms.fork(code), status_code=201)


@router.post("/{code}/questions", status_code=201, response_model=None,
             responses={201: {"model": QuestionOut}, **NOT_FOUND, **FORBIDDEN, **INVALID})
def ask_question(code: str, body: Annotated[QuestionRequest, Body(openapi_examples=QUESTION_EXAMPLES)], rooms: RoomsDep, _teacher=Teacher) -> ArrayJSONResponse:
    return ArrayJSONResponse(rooms.ask(code, body.prompt, body.choices), status_code=201)


@router.post("/{code}/questions/{question_id}/answers", status_code=204, response_class=Response,
             responses={**NOT_FOUND, **CONFLICT, **INVALID, 429: {"model": ErrorOut, "description": "Too many changes of one answer"}})
def answer_question(code: str, question_id: str, body: Annotated[AnswerRequest, Body(openapi_examples=ANSWER_EXAMPLES)], rooms: RoomsDep) -> Response:
    rooms.answer(code, question_id, body.student, body.choice)
    return Response(status_code=204)


@router.get("/{code}/questions/{question_id}", response_model=None, responses={200: {"model": QuestionOut}, **NOT_FOUND})
def read_question(code: str, question_id: str, rooms: RoomsDep, _teacher=Teacher) -> ArrayJSONResponse:
    return ArrayJSONResponse(rooms.read_question(code, question_id))


@router.post("/{code}/questions/{question_id}/close", response_model=None,
             responses={200: {"model": QuestionOut}, **NOT_FOUND, **FORBIDDEN})
def close_question(code: str, question_id: str, rooms: RoomsDep, _teacher=Teacher) -> ArrayJSONResponse:
    return ArrayJSONResponse(rooms.close_question(code, question_id))


@router.delete("/{code}", status_code=204, response_class=Response, responses={**NOT_FOUND, **FORBIDDEN})
def close_room(code: str, rooms: RoomsDep, _teacher=Teacher) -> Response:
    rooms.close(code)
    return Response(status_code=204)


# --- errors ---------------------------------------------------------------------------------------


async def on_room_not_found(request: Request, error: RoomNotFound):
    message = _("No open room {code}: check the code (6 letters and digits), or the room was closed or expired.")
    return error_response(404, "room_not_found", message.format(code=str(error.code)[:20]), ["path", "code"])


async def on_question_not_found(request: Request, error: QuestionNotFound):
    message = _("No question {id} in this room.").format(id=str(error.question_id)[:40])
    return error_response(404, "question_not_found", message, ["path", "question_id"])


async def on_teacher_only(request: Request, error: TeacherOnly):
    return error_response(403, "teacher_only", error.message)


async def on_too_many_streams(request: Request, error: TooManyStreams):
    detail = _("This server follows as many rooms' streams as it can: try again in a moment, or ask for more workers.")
    return error_response(503, "too_many_streams", detail, headers={"Retry-After": "5"})


async def on_too_many_answers(request: Request, error: TooManyAnswers):
    return error_response(429, "too_many_answers", str(error))


def install_room_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RoomNotFound, on_room_not_found)
    app.add_exception_handler(QuestionNotFound, on_question_not_found)
    app.add_exception_handler(TeacherOnly, on_teacher_only)
    app.add_exception_handler(TooManyStreams, on_too_many_streams)
    app.add_exception_handler(TooManyAnswers, on_too_many_answers)
