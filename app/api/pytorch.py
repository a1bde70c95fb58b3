"""The PyTorch export's answers: the program as a script or a notebook, as a download."""
from __future__ import annotations

from fastapi import Response

from app.sessions import pytorch_export
from app.sessions.pytorch_export import NextUpdate

MEDIA_TYPES = {"pytorch": "text/x-python", "ipynb": "application/x-ipynb+json"}
SUFFIXES = {"pytorch": "py", "ipynb": "ipynb"}


def pytorch_program(update: NextUpdate, export_format: str) -> Response:
    body = pytorch_export.script(update) if export_format == "pytorch" else pytorch_export.notebook(update)
    filename = f"backprop-lab-{update.session_id}-iteration-{update.iteration}.{SUFFIXES[export_format]}"
    return Response(
        body,
        media_type=MEDIA_TYPES[export_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
