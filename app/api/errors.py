"""Every error answer in one shape, whatever its status and whoever raised it.

    {"detail": [{"loc": [...], "msg": "...", "type": "..."}, ...], "code": "session_not_found", ...}

- `code` is a stable machine code, the same in every language (README, "Errors"); `detail` is
  always a list: 422 keeps FastAPI's `loc`/`msg`/`type` items, other statuses have one item
  whose `type` is the code. `msg` is in the reader's language.
- A refused limit has `"code": "limit_exceeded"` and names it: `"limit"` (its name, e.g.
  "max_parameters") and `"limit_value"` (the number), at the top level and in its item.
- No message repeats more than 100 characters of the input (sessions.errors.clip), and every
  answer encodes, whatever the input held (lone surrogates included).

How to raise one from a route or a service (new routers get the shape with no code of their own):

    raise ApiError(404, "dataset_not_found", _("No dataset {id}: upload it first.").format(id=clip(id)),
                   loc=["path", "dataset_id"])
    raise ApiError(429, "limit_exceeded", message, limit="max_rooms", limit_value=20)

A plain `HTTPException(status, detail)` works too: a string detail becomes the item's msg and
the code is the status's default (STATUS_CODES); a dict detail {"code", "msg", ...} sets both.
The session errors (app/sessions/errors.py) carry their own codes.
"""
from __future__ import annotations

import json
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Mount

from app.i18n import _
from app.sessions import validation_messages
from app.sessions.config import field_path
from app.sessions.errors import InvalidInput, QuotaExceeded, SessionNotFound, StepRefused, StoreUpgrading, VersionMismatch, clip

# the code of an answer nobody gave a code, by status
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "limit_exceeded",
    415: "unsupported_media_type",
    422: "invalid_input",
    428: "precondition_required",
    429: "limit_exceeded",
    500: "internal_error",
    503: "unavailable",
}
# pydantic's limit context keys, reported as "limit"/"limit_value" in a 422 item
PYDANTIC_LIMITS = ("le", "lt", "ge", "gt", "max_length", "min_length")


class ApiError(Exception):
    """An error answer: status, machine code, message (translated), and optional fields."""

    def __init__(self, status: int, code: str, msg: str, *, loc=(), headers: dict | None = None, **fields):
        super().__init__(msg)
        self.status, self.code, self.msg, self.loc, self.headers, self.fields = status, code, msg, list(loc), headers, fields


class BodyTooLarge(Exception):
    """Raised while the app reads a body that grew past the limit (sent without Content-Length)."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def _encodable(value):
    """Strings made encodable (a lone surrogate escaped) and loc parts clipped, recursively."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(_encodable(k)): _encodable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encodable(v) for v in value]
    return value


class ErrorResponse(JSONResponse):
    def render(self, content) -> bytes:
        return json.dumps(_encodable(content), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _item(loc, msg: str, kind: str, **fields) -> dict:
    return {"loc": [p if isinstance(p, int) else clip(str(p)) for p in loc], "msg": str(msg), "type": kind, **fields}


def error_body(code: str, items: list[dict], **fields) -> dict:
    body = {"detail": items, "code": code, **fields}
    first = items[0] if items else {}
    if code == "limit_exceeded" and "limit" in first:  # the limit at the top level too
        body.setdefault("limit", first["limit"])
        body.setdefault("limit_value", first.get("limit_value"))
    return body


def error_response(status: int, code: str, msg: str, loc=(), headers: dict | None = None, **fields) -> ErrorResponse:
    """A one-item error answer; limit fields (limit, limit_value) go in the item and the top level."""
    item_fields = {k: fields[k] for k in ("limit", "limit_value") if k in fields}
    return ErrorResponse(error_body(code, [_item(loc, msg, code, **item_fields)], **fields), status_code=status, headers=headers)


def body_too_large_message(limit: int) -> str:
    return _("The request body is over {n} MiB: send less data.").format(n=limit // 2**20)


def body_too_large(limit: int) -> ErrorResponse:
    return error_response(413, "limit_exceeded", body_too_large_message(limit), ["body"], limit="max_body_bytes", limit_value=limit)


def internal_error() -> ErrorResponse:
    return error_response(500, "internal_error", _("The server failed on this request (a bug, logged on the server). Nothing was changed; try again, or report it."))


# --- handlers ---------------------------------------------------------------------------------


def _validation_item(error: dict) -> dict:
    loc = field_path(error.get("loc", ()))
    extra = {}
    context = error.get("ctx") or {}
    for key in PYDANTIC_LIMITS:
        value = context.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            extra = {"limit": key, "limit_value": value}
            break
    return _item(loc, validation_messages.message(error), str(error.get("type", "")), **extra)


async def on_validation_error(request: Request, error: RequestValidationError) -> ErrorResponse:
    items = [_validation_item(e) for e in error.errors()]
    code = "invalid_json" if items and all(i["type"] == "json_invalid" for i in items) else "invalid_input"
    return ErrorResponse(error_body(code, items), status_code=422)


async def on_invalid_input(request: Request, error: InvalidInput) -> ErrorResponse:
    items = [_item(e.get("loc", []), e.get("msg", ""), e.get("type", "invalid_value"), **{k: v for k, v in e.items() if k not in ("loc", "msg", "type")}) for e in error.errors]
    return ErrorResponse(error_body(error.code, items), status_code=422)


async def on_session_not_found(request: Request, error: SessionNotFound) -> ErrorResponse:
    message = _("No session {id}: it was deleted or never existed. Create one with POST /api/v1/sessions.")
    return error_response(404, error.code, message.format(id=clip(error.session_id)), ["path", "session_id"])


async def on_step_refused(request: Request, error: StepRefused) -> ErrorResponse:
    if isinstance(error, QuotaExceeded):
        return error_response(429, error.code, error.message, limit=error.limit, limit_value=error.value)
    if isinstance(error, StoreUpgrading):
        return error_response(503, error.code, error.message, headers={"Retry-After": str(error.retry_after_s)})
    fields = {"step": error.step} if error.step is not None else {}
    return error_response(409, error.code, error.message, **fields)


async def on_api_error(request: Request, error: ApiError) -> ErrorResponse:
    return error_response(error.status, error.code, error.msg, error.loc, error.headers, **error.fields)


PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers (Starlette's 405 names only the first
    route's): each method is asked of the routes, which match fully only with theirs."""
    routes = [route for route in request.app.router.routes if not isinstance(route, Mount)]
    methods = {
        method for method in PROBED_METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    }
    if "GET" in methods:
        methods.add("HEAD")  # HEAD is answered wherever GET is (middleware.HeadAsGetMiddleware)
    return sorted(methods)


async def on_version_mismatch(request: Request, error: VersionMismatch) -> ErrorResponse:
    message = _("The session is at version {version}, not the one If-Match names: nothing was changed. "
                "Read it again (GET) and send its ETag.").format(version=error.version)
    return error_response(412, error.code, message, ["header", "If-Match"], headers={"ETag": f'"{error.version}"'})


async def on_http_error(request: Request, error: StarletteHTTPException):
    # FastAPI answers a body it cannot parse (not UTF-8, nested too deep, an integer literal too
    # long for Python) with 400; API.md says malformed JSON is a 422 like any other.
    if isinstance(error.__cause__, BodyTooLarge):  # streamed past the limit while FastAPI read it
        return body_too_large(error.__cause__.limit)
    if error.status_code == 400 and error.detail == "There was an error parsing the body":
        msg = _("The body is not valid JSON (check its encoding, nesting and numbers).")
        return error_response(422, "invalid_json", msg, ["body"])
    code = STATUS_CODES.get(error.status_code, f"http_{error.status_code}")
    headers = dict(error.headers or {})
    if error.status_code == 405 and (allowed := allowed_methods(request)):
        headers["Allow"] = ", ".join(allowed)
        msg = _("{method} is not answered at this path: use {allowed}.").format(method=clip(request.method), allowed=", ".join(allowed))
        return error_response(405, code, msg, headers=headers)
    if error.status_code == 404 and error.detail == "Not Found":
        msg = _("Nothing is at {path}: the API is under /api/v1 (see /docs and /openapi.json).").format(path=clip(request.url.path))
        return error_response(404, code, msg, ["path"], headers=headers)
    detail = error.detail
    if isinstance(detail, dict):  # HTTPException(status, {"code": ..., "msg": ..., ...fields})
        fields = {k: v for k, v in detail.items() if k not in ("code", "msg", "loc")}
        return error_response(error.status_code, detail.get("code", code), str(detail.get("msg", "")), detail.get("loc", ()), headers, **fields)
    return error_response(error.status_code, code, str(detail), headers=headers)


async def on_client_disconnect(request: Request, error: ClientDisconnect) -> ErrorResponse:
    """The client left before its body arrived: nothing ran. The answer goes nowhere, but a
    request that ends this way is not a server error to log with a traceback."""
    return error_response(400, "bad_request", _("The request ended before its body arrived: nothing was changed; send it again."), ["body"])


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, on_client_disconnect)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(InvalidInput, on_invalid_input)
    app.add_exception_handler(SessionNotFound, on_session_not_found)
    app.add_exception_handler(StepRefused, on_step_refused)
    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(VersionMismatch, on_version_mismatch)
