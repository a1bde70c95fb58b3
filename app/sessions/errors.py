"""What can go wrong with a session request, each mapped to one HTTP status by the web layers.

Each error carries a stable machine `code` (API answers' "code", the same in every language);
app/api/errors.py turns them into answers.
"""
from __future__ import annotations

ECHO_LIMIT = 100  # characters of the caller's input a message may repeat


def clip(value, limit: int = ECHO_LIMIT) -> str:
    """The caller's input as a message may quote it: at most `limit` characters, and always
    encodable (a lone surrogate from a JSON escape such as "\\ud800" is shown escaped)."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class SessionNotFound(LookupError):
    code = "session_not_found"

    def __init__(self, session_id: str):
        super().__init__(session_id)  # the API and the pages word the message in the reader's language
        self.session_id = session_id


class StepRefused(RuntimeError):
    """The request is valid but cannot be applied to the session as it is (409)."""

    code = "step_refused"

    def __init__(self, message: str, step: dict | None = None):
        super().__init__(message)
        self.message = message
        self.step = step


class NothingToUndo(StepRefused):
    code = "nothing_to_undo"


class SessionBusy(StepRefused):
    """Another request held the session for longer than a request waits (409)."""

    code = "busy"


class StoreUpgrading(StepRefused):
    """The store is upgrading its schema and could not yet lock what it changes, held by an
    older version's processes: no session's fault, so 503 with Retry-After in the API."""

    code = "unavailable"
    retry_after_s = 2


class NotFinite(StepRefused):
    """A read (predict, gradcheck) whose numbers overflow at the current parameters: nothing
    was stepped, so nothing "was not applied"."""

    code = "not_finite"


class QuotaExceeded(StepRefused):
    """A client holds as many sessions (or stored bytes) as one client may (429 in the API)."""

    code = "limit_exceeded"

    def __init__(self, message: str, limit: str, value: int):
        super().__init__(message)
        self.limit = limit
        self.value = value


class InvalidInput(ValueError):
    """Bad input (422); `errors` are {"loc": [...], "msg": "...", "type": "..."} like FastAPI's,
    where a refused limit has type "limit_exceeded" and the fields "limit" and "limit_value"."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors))
        self.errors = errors

    @property
    def code(self) -> str:
        return "limit_exceeded" if self.errors and self.errors[0].get("type") == "limit_exceeded" else "invalid_input"

    @classmethod
    def at(cls, loc: list, msg: str, kind: str = "invalid_value", **fields) -> InvalidInput:
        return cls([{"loc": ["body", *loc], "msg": msg, "type": kind, **fields}])

    @classmethod
    def over_limit(cls, loc: list, msg: str, limit: str, value) -> InvalidInput:
        """A value over one of the server's named limits (API answers: code "limit_exceeded")."""
        return cls.at(loc, msg, "limit_exceeded", limit=limit, limit_value=value)


class VersionMismatch(RuntimeError):
    """If-Match named another version than the stored one (412); nothing was changed."""

    code = "precondition_failed"

    def __init__(self, version: int | None):
        super().__init__(version)
        self.version = version
