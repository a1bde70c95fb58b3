"""Pure ASGI middleware: the request's locale and client, security headers on every answer
(413 and 500 included), HEAD wherever GET is, no redirect for a trailing slash."""
import socket
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from app import i18n
from app.asgi_headers import decoded_headers
from app.api.errors import BodyTooLarge, body_too_large, internal_error
from app.sessions.clients import current_client

# No inline scripts or styles anywhere, so the page can forbid them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class LocaleMiddleware:
    """Sets i18n.current_locale from ?lang=, the language cookie, or Accept-Language."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = decoded_headers(scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        cookie_lang = None
        if "cookie" in headers:
            try:
                morsel = SimpleCookie(headers["cookie"]).get(i18n.LOCALE_COOKIE)
                cookie_lang = morsel.value if morsel else None
            except Exception:  # a malformed Cookie header must not break the page  # noqa: BLE001
                cookie_lang = None
        locale = i18n.negotiate_locale(
            (query.get("lang") or [None])[0], cookie_lang, headers.get("accept-language")
        )
        token = i18n.current_locale.set(locale)
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.current_locale.reset(token)


class SecurityHeadersMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _v in headers}
                extra = {
                    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                }
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Answers 413 for a body over `limit` bytes before it is read into memory."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await body_too_large(self.limit)(scope, receive, send)
        received = 0

        async def counting_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise BodyTooLarge(self.limit)
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await body_too_large(self.limit)(scope, receive, send)


class ServerErrorAnswerMiddleware:
    """A bug answers 500 in the API's error shape, inside the security headers; the exception
    still propagates, so the server logs it (Starlette's own 500 sits outside every middleware)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if not started:
                await internal_error()(scope, receive, send)
            raise


class HeadAsGetMiddleware:
    """HEAD is answered wherever GET is: the GET answer's status and headers, without the body."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def headers_only(message):
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class TrailingSlashMiddleware:
    """/api/v1/sessions/ is answered as /api/v1/sessions (no 307: a redirected POST confuses
    clients, and schema-driven tools count it as undocumented)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            raw_path = scope.get("raw_path") or b""
            scope = {**scope, "path": path.rstrip("/") or "/", "raw_path": raw_path.rstrip(b"/") or b"/"}
        await self.app(scope, receive, send)


class ClientMiddleware:
    """Sets sessions.clients.current_client to the caller's address (the per-client quotas)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        client = scope.get("client")
        token = current_client.set(client[0] if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            current_client.reset(token)


class NoDelayMiddleware:
    """TCP_NODELAY on the request's connection. asyncio sets it only on sockets whose protocol
    number says TCP, and `uvicorn --workers N` binds its socket without one: an answer written
    as a head and a body then waited for the client's delayed ACK, 40 ms a request. Outermost,
    so it sees the server's own receive (and hands it on unchanged)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            transport = getattr(getattr(receive, "__self__", None), "transport", None)
            sock = transport.get_extra_info("socket") if transport is not None else None
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await self.app(scope, receive, send)
