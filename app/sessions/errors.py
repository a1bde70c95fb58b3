"""What can go wrong with a session request, each mapped to one HTTP status by the web layers."""
from __future__ import annotations


class SessionNotFound(LookupError):
    def __init__(self, session_id: str):
        super().__init__(session_id)  # the API and the pages word the message in the reader's language
        self.session_id = session_id


class StepRefused(RuntimeError):
    """The request is valid but cannot be applied to the session as it is (409)."""

    def __init__(self, message: str, step: dict | None = None):
        super().__init__(message)
        self.message = message
        self.step = step


class NothingToUndo(StepRefused):
    pass


class InvalidInput(ValueError):
    """Bad input (422); `errors` are {"loc": [...], "msg": "...", "type": "..."} like FastAPI's."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors))
        self.errors = errors

    @classmethod
    def at(cls, loc: list, msg: str, kind: str = "value_error") -> InvalidInput:
        return cls([{"loc": ["body", *loc], "msg": msg, "type": kind}])


class VersionMismatch(RuntimeError):
    """If-Match named another version than the stored one (412); nothing was changed."""

    def __init__(self, version: int | None):
        super().__init__(version)
        self.version = version
