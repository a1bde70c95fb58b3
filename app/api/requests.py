"""Request bodies parsed with a bound on memory, so that even absurd numbers reach validation.

A JSON number parsed by Python is a 24-byte float in an 8-byte list slot, several times the
text it came from, and validation copies the lists again: a 40 MB body once took 800 MB. Here
every rectangular matrix of numbers in the body ([[1, 2], [3, 4]]: data rows, weights, predict
inputs) is parsed row by row straight into a float64 array (8 bytes a number, no Python
floats), and only the rest of the body goes through json.loads. The matrix fields of the
schemas (sessions.config.matrix) take such an array as it is. A body is read into one buffer
that grows as it arrives, not a list of chunks joined at the end. A request then holds under
3x its body (tests/api/test_body_memory.py measures it; 5x and more without the parser).

Python refuses to turn an integer literal of over 4300 digits into an int (a guard against
slow conversions); parsed as the float it overflows to, it is refused by the field's own check.
"""
from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable

import numpy as np
from fastapi import Request, Response
from fastapi.routing import APIRoute

MAX_INT_DIGITS = 4000
SMALL_BODY = 64 * 2**10  # below this, json.loads alone is as lean

_NUMBER = rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_ROW_OF_NUMBERS = re.compile(rb"\s*" + _NUMBER + rb"(?:\s*,\s*" + _NUMBER + rb")*\s*")
_ROW = re.compile(rb"\s*\[([^\[\]\"]*)\]\s*([,\]])")
# a JSON string (skipped whole, so brackets inside it are text) or the start of a matrix
_STRING_OR_MATRIX = re.compile(rb'"(?:[^"\\]|\\.)*"|\[\s*\[')


def _parse_int(literal: str):
    return int(literal) if len(literal) <= MAX_INT_DIGITS else float(literal)


def _matrix_at(body, start: int) -> tuple[np.ndarray, int] | None:
    """The matrix of numbers whose "[" is at `start`, and the offset after its "]"; None when
    what starts there is anything else (ragged rows, strings, deeper nesting, bad numbers)."""
    rows, position = [], start + 1
    while True:
        match = _ROW.match(body, position)
        if match is None:
            return None
        content = match.group(1)
        if _ROW_OF_NUMBERS.fullmatch(content) is None:
            return None
        rows.append(np.fromstring(content, dtype=np.float64, sep=","))
        position = match.end()
        if match.group(2) == b"]":
            break
    if len({row.size for row in rows}) != 1:
        return None
    return np.stack(rows), position


def parse_json(body) -> object:
    """json.loads, but with every matrix of numbers a float64 array (see the module's doc)."""
    if len(body) < SMALL_BODY:
        return json.loads(body, parse_int=_parse_int)
    token = secrets.token_hex(8)
    pieces, matrices, copied, position = [], {}, 0, 0
    while (match := _STRING_OR_MATRIX.search(body, position)) is not None:
        if match.group(0)[:1] == b'"':
            position = match.end()
            continue
        found = _matrix_at(body, match.start())
        if found is None:
            position = match.start() + 1  # an inner "[" may still start a matrix
            continue
        key = f"\x00{token}:{len(matrices)}"
        matrices[key], end = found
        pieces += [bytes(body[copied : match.start()]), json.dumps(key).encode()]
        copied = position = end
    if not matrices:
        return json.loads(body, parse_int=_parse_int)
    pieces.append(bytes(body[copied:]))
    return _with_matrices(json.loads(b"".join(pieces), parse_int=_parse_int), matrices)


def _with_matrices(value, matrices: dict):
    if isinstance(value, str):
        return matrices.get(value, value)
    if isinstance(value, list):
        return [_with_matrices(v, matrices) for v in value]
    if isinstance(value, dict):
        return {k: _with_matrices(v, matrices) for k, v in value.items()}
    return value


class JSONRequest(Request):
    async def body(self):
        """The body grown in one buffer as it arrives (Starlette keeps the chunks and joins them,
        twice the body at the end; a large buffer grows in place, by mremap)."""
        if not hasattr(self, "_body"):
            buffer = bytearray()
            async for chunk in self.stream():
                buffer += chunk
            self._body = buffer
        return self._body

    async def json(self):
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class JSONRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(JSONRequest(request.scope, request.receive))

        return handle
