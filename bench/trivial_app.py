"""The framework's floor for bench_http.py: one `async def` FastAPI endpoint answering 1 KB of
pre-encoded JSON. Run by the bench with the same uvicorn options as the app."""
import orjson
from fastapi import FastAPI, Response

PAYLOAD = orjson.dumps({"padding": "x" * 1010})  # 1,024 bytes of JSON

app = FastAPI()


@app.get("/")
async def answer() -> Response:
    return Response(PAYLOAD, media_type="application/json")
