"""Reading htmx / HTML form posts (application/x-www-form-urlencoded) without python-multipart.

Our forms carry a few short fields, so the body is parsed with the standard library.
"""
from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request

MAX_FORM_BYTES = 64 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """The form fields of a POST (first value wins), merged over the query string."""
    fields = dict(request.query_params)
    if request.method == "POST":
        body = await request.body()
        if body and len(body) <= MAX_FORM_BYTES:
            fields.update(dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)))
    return fields


FormDep = Annotated[dict[str, str], Depends(read_form)]


def int_field(fields: dict[str, str], name: str, default: int, low: int = 0, high: int = 10**9) -> int:
    """A bounded integer from a form; anything unreadable falls back to the default."""
    try:
        value = int(str(fields.get(name, "")).strip())
    except ValueError:
        return default
    return min(max(value, low), high)
