"""Pure ASGI middleware: the request's locale, and security headers on every answer."""
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from app import i18n

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
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
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
            return await self._refuse(send)
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
            await self._refuse(send)

    async def _refuse(self, send):
        body = json.dumps({"detail": body_too_large_message(self.limit)}).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised while the app reads a body that grew past the limit (sent without Content-Length)."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def body_too_large_message(limit: int) -> str:
    return i18n.gettext("The request body is over {n} MiB: send less data.").format(n=limit // 2**20)
