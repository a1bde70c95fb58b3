"""Every error the API answers, in one shape: {"detail": ...}, never a 500 for bad input.

FastAPI's own 422 answer echoes the input back; with NaN or 1e999 in a body, encoding that
echo fails, so validation errors are reduced to loc, msg and type here.
"""
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.i18n import _
from app.middleware import BodyTooLarge, body_too_large_message
from app.sessions import validation_messages
from app.sessions.config import field_path
from app.sessions.errors import InvalidInput, SessionNotFound, StepRefused, VersionMismatch


def _safe(value):
    """A loc part as JSON can carry it."""
    return value if isinstance(value, (str, int)) else str(value)


async def on_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    detail = [
        {"loc": [_safe(p) for p in field_path(e.get("loc", ()))], "msg": validation_messages.message(e), "type": str(e.get("type", ""))}
        for e in error.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


async def on_invalid_input(request: Request, error: InvalidInput) -> JSONResponse:
    return JSONResponse({"detail": error.errors}, status_code=422)


async def on_session_not_found(request: Request, error: SessionNotFound) -> JSONResponse:
    message = _("No session {id}: it was deleted or never existed. Create one with POST /api/v1/sessions.")
    return JSONResponse({"detail": message.format(id=error.session_id)}, status_code=404)


async def on_step_refused(request: Request, error: StepRefused) -> JSONResponse:
    body = {"detail": error.message}
    if error.step is not None:
        body["step"] = error.step
    return JSONResponse(body, status_code=409)


async def on_version_mismatch(request: Request, error: VersionMismatch) -> JSONResponse:
    message = _("The session is at version {version}, not the one If-Match names: nothing was changed. "
                "Read it again (GET) and send its ETag.").format(version=error.version)
    return JSONResponse({"detail": message}, status_code=412, headers={"ETag": f'"{error.version}"'})


async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
    # FastAPI answers a body it cannot parse (not UTF-8, nested too deep, an integer literal too
    # long for Python) with 400; API.md says malformed JSON is a 422 like any other.
    if isinstance(error.__cause__, BodyTooLarge):  # streamed past the limit while FastAPI read it
        return JSONResponse({"detail": body_too_large_message(error.__cause__.limit)}, status_code=413)
    if error.status_code == 400 and error.detail == "There was an error parsing the body":
        detail = [{"loc": ["body"], "msg": _("The body is not valid JSON (check its encoding, nesting and numbers)."), "type": "json_invalid"}]
        return JSONResponse({"detail": detail}, status_code=422)
    return await http_exception_handler(request, error)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(InvalidInput, on_invalid_input)
    app.add_exception_handler(SessionNotFound, on_session_not_found)
    app.add_exception_handler(StepRefused, on_step_refused)
    app.add_exception_handler(VersionMismatch, on_version_mismatch)
