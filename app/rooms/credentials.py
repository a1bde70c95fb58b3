"""The teacher tokens a request presents: `Authorization: Bearer TOKEN`, or the HttpOnly cookie
the teacher's browser got when it opened the room (a page's buttons cannot send a header).

A pure ASGI middleware puts them in a context variable, like the locale, so the session
service's guard reads them without every route passing them down.
"""
from __future__ import annotations

from contextvars import ContextVar
from http.cookies import CookieError, SimpleCookie

from app.asgi_headers import decoded_headers

TEACHER_COOKIE_PREFIX = "bplab_teacher_"
presented_tokens: ContextVar[frozenset[str]] = ContextVar("presented_tokens", default=frozenset())
# the connection's socket, for the event streams (see app/api/rooms_stream.py): reachable only
# from the server's own receive callable, before another middleware wraps it
TRANSPORT_KEY = "bplab.transport"


def teacher_cookie(code: str) -> str:
    return TEACHER_COOKIE_PREFIX + code


def tokens_of(headers: dict[str, str]) -> frozenset[str]:
    tokens = set()
    scheme, _, credential = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        tokens.add(credential.strip())
    if "cookie" in headers:
        try:
            cookies = SimpleCookie(headers["cookie"])
        except CookieError:
            cookies = {}
        tokens.update(m.value for name, m in cookies.items() if name.startswith(TEACHER_COOKIE_PREFIX) and m.value)
    return frozenset(tokens)


class TeacherTokenMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = decoded_headers(scope)
        transport = getattr(getattr(receive, "__self__", None), "transport", None)
        if transport is not None:
            scope = {**scope, TRANSPORT_KEY: transport}
        token = presented_tokens.set(tokens_of(headers))
        try:
            await self.app(scope, receive, send)
        finally:
            presented_tokens.reset(token)
