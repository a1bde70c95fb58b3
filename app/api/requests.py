"""Request bodies parsed so that even absurd numbers reach validation, which names the field.

Python refuses to turn an integer literal of over 4300 digits into an int (a guard against
slow conversions); parsed as the float it overflows to, it is refused by the field's own check.
"""
import json
from collections.abc import Callable

from fastapi import Request, Response
from fastapi.routing import APIRoute

MAX_INT_DIGITS = 4000


def _parse_int(literal: str):
    return int(literal) if len(literal) <= MAX_INT_DIGITS else float(literal)


class JSONRequest(Request):
    async def json(self):
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_int=_parse_int)
        return self._json


class JSONRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(JSONRequest(request.scope, request.receive))

        return handle
