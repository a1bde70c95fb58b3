"""JSON answers encoded by orjson, which writes NumPy arrays directly.

FastAPI's default path (jsonable_encoder, then json.dumps) costs about 8x more on a small
answer, and turning a batch's arrays into lists costs more than the training step itself.
"""
from typing import Any

import orjson
from fastapi.responses import JSONResponse


class ArrayJSONResponse(JSONResponse):

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)
