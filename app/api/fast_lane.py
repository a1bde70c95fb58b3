"""The requests a class sends most, answered without FastAPI's routing and parameter solving:
a single step and a read of a session in the API, and the page's Step button.

On a small network the session service answers a step in about 0.35 ms; FastAPI's routing
(every route is tried in turn, through every included router, more than once) and its
parameter solving cost as much again, and a third of a page step. For the API this lane
answers only requests that need nothing of that: `POST .../step` with no body (or `{}`) and
`GET /api/v1/sessions/{id}`, with at most `view` and `history` in the query and any `If-Match`,
when the service can answer at once on the event loop. Everything else, and every refusal,
goes the regular way (the routes in app/api/routes.py, which the OpenAPI document describes),
so each answer and each error is the route's own: a refused request changed nothing, and
asking the route again gives the same refusal with its proper status and text. The Step
button's `POST /s/{id}/step` is handed to its route's own function (app/lab/stepping.py) with
the form its route's dependency reads: on the event loop for a small live session, else in the
threadpool as FastAPI would run it.

It sits inside every other middleware (locale, client, teacher tokens, security headers, the
body limit, the 500 answer), so those apply to its answers as to any route's.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from app.api.routes import matching_versions, session_response
from app.lab.stepping import step_answer
from app.ui.forms import read_form
from app.sessions.errors import InvalidInput, SessionNotFound, StepRefused, VersionMismatch
from app.sessions.service import WouldWait

PREFIX = "/api/v1/sessions/"
_STEP_BUTTON = re.compile(r"/s/([^/]+)/step")
_STEP = re.compile(r"/api/v1/sessions/([^/]+)/step")
_READ = re.compile(r"/api/v1/sessions/([^/]+)")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
# refusals: the service changed nothing, so the route may be asked again and answers them
REFUSALS = (WouldWait, SessionNotFound, StepRefused, VersionMismatch, InvalidInput)
SMALL_BODY = 64  # a body of one step is empty or `{}`; anything longer is the route's to read


def _view_options(query_string: bytes) -> dict | None:
    """view and history from the query, or None when it holds anything the route should judge."""
    options = {"view": "full", "history": None}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name == "view" and value in ("full", "compact"):
            options["view"] = value
        elif name == "history" and _WHOLE_NUMBER.fullmatch(value):
            options["history"] = int(value)
        else:
            return None
    return options


def _if_match(headers) -> tuple[bool, frozenset[int] | None]:
    """(found once or not at all, the versions it accepts); two If-Match headers: the route's."""
    values = [v for k, v in headers if k == b"if-match"]
    if len(values) > 1:
        return False, None
    return True, matching_versions(values[0].decode("latin-1")) if values else None


class FastLaneMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/s/") and scope["method"] == "POST" and (match := _STEP_BUTTON.fullmatch(path)):
            return await self._step_button(match.group(1), scope, receive, send)
        if not path.startswith(PREFIX):
            return await self.app(scope, receive, send)
        method = scope["method"]
        if method == "POST" and (match := _STEP.fullmatch(path)):
            return await self._step(match.group(1), scope, receive, send)
        if method == "GET" and (match := _READ.fullmatch(path)):
            return await self._read(match.group(1), scope, receive, send)
        return await self.app(scope, receive, send)

    async def _step(self, session_id: str, scope, receive, send):
        options = _view_options(scope.get("query_string", b""))
        single, if_match = _if_match(scope["headers"])
        if options is None or not single or not _small_body(scope["headers"]):
            return await self.app(scope, receive, send)
        body, receive = await _read_body(receive)
        if body is None or not _one_step(body, scope["headers"]):
            return await self.app(scope, receive, send)
        sessions = scope["app"].state.sessions
        try:
            doc = sessions.step(session_id, if_match=if_match, inline=True, **options)
        except REFUSALS:
            return await self.app(scope, receive, send)
        await session_response(doc)(scope, receive, send)

    async def _step_button(self, session_id: str, scope, receive, send):
        """On the event loop when the session is small and live, as the API's step: handing a
        page step to a worker thread cost more than its rendering (the loop and the worker
        took the interpreter's lock from each other, 2 ms a request); else in the threadpool."""
        request = Request(scope, receive)
        try:
            form = await read_form(request)
        except ClientDisconnect:  # gone before its form: the route answers that (nothing ran)
            return await self.app(scope, _replaying([{"type": "http.disconnect"}], receive), send)
        sessions = scope["app"].state.sessions
        response = None
        if sessions.may_answer_inline(session_id):  # else WouldWait for sure: one call, not two
            try:
                response = step_answer(request, session_id, sessions, form, inline=True)
            except WouldWait:
                pass
        if response is None:
            response = await run_in_threadpool(step_answer, request, session_id, sessions, form)
        await response(scope, receive, send)

    async def _read(self, session_id: str, scope, receive, send):
        options = _view_options(scope.get("query_string", b""))
        if options is None:
            return await self.app(scope, receive, send)
        try:
            doc = scope["app"].state.sessions.get(session_id, inline=True, **options)
        except REFUSALS:
            return await self.app(scope, receive, send)
        await session_response(doc)(scope, receive, send)


def _small_body(headers) -> bool:
    lengths = [v for k, v in headers if k == b"content-length"]
    return len(lengths) == 1 and lengths[0].isdigit() and int(lengths[0]) <= SMALL_BODY


def _one_step(body: bytes, headers) -> bool:
    """What the route reads as one step: no body at all, or `{}` sent as JSON (FastAPI reads a
    body without a content type as JSON too; any other type it refuses)."""
    if body == b"":
        return True
    content_type = next((v for k, v in headers if k == b"content-type"), b"application/json")
    is_json = content_type.split(b";")[0].strip().lower() == b"application/json"
    return is_json and body.strip(b" \t\r\n") == b"{}"


async def _read_body(receive) -> tuple[bytes | None, object]:
    """The whole body (None if the client left first), and a receive that hands it to whoever asks next (the route, if the lane
    leaves the request to it). A small step's body is empty or `{}`: one message."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client left: the route sees it so, and steps nothing
            return None, _replaying([message], receive)
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    return body, _replaying([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replaying(messages: list[dict], receive):
    async def replay():
        return messages.pop(0) if messages else await receive()
    return replay
