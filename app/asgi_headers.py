"""An ASGI request's headers as a dict of lower-case names, decoded once per request.

Several middlewares read them (the locale, the teacher tokens); the first to ask decodes them
and keeps the dict in the scope, which every inner middleware's scope copies along.
"""
SCOPE_KEY = "bplab.headers"


def decoded_headers(scope) -> dict[str, str]:
    headers = scope.get(SCOPE_KEY)
    if headers is None:
        headers = scope[SCOPE_KEY] = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    return headers
