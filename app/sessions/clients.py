"""Who is asking: the caller's address, set per request by a middleware, read by the quotas.

A context variable, like the locale, so the API and the pages create sessions the same way
without passing the request down to the service.
"""
from contextvars import ContextVar

current_client: ContextVar[str | None] = ContextVar("current_client", default=None)
