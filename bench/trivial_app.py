"""The framework's floor for bench_http.py: one `async def` FastAPI endpoint answering 1 KB of
pre-encoded JSON. Run by the bench with the same uvicorn options as the app, and with the
app's TCP_NODELAY (without it, `--workers 2 --loop asyncio` waits 40 ms for a delayed ACK)."""
import orjson
from fastapi import FastAPI, Response

from app.middleware import NoDelayMiddleware

PAYLOAD = orjson.dumps({"padding": "x" * 1010})  # 1,024 bytes of JSON

app = FastAPI()
app.add_middleware(NoDelayMiddleware)


@app.get("/")
async def answer() -> Response:
    return Response(PAYLOAD, media_type="application/json")
