"""The text/event-stream wire format, and the compact view of a Session the API's events carry."""
from __future__ import annotations


def sse_event(event: str, data: str, event_id: int | None = None) -> bytes:
    """One event; each line of `data` gets its own `data:` field, as the format wants."""
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return ("\n".join(lines) + "\n\n").encode()


def compact_view(document: dict) -> dict:
    """The Session in the view ?view=compact gives: the per-row arrays null."""
    layers = [{**document["layers"][0], "a": None}]
    for layer in document["layers"][1:]:
        layers.append({**layer, "z": None, "a": None, "grad": {**layer["grad"], "a": None, "z": None}})
    return {**document, "batch": None, "layers": layers}
