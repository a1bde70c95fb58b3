"""/api/v1/presets: the ready-made networks a teacher can open, titles in the reader's language."""
from fastapi import APIRouter

from app.api.responses import ArrayJSONResponse
from app.api.schemas import PresetOut
from app.i18n import _
from app.sessions.presets import PRESETS

router = APIRouter(
    prefix="/api/v1", tags=["presets"], default_response_class=ArrayJSONResponse, generate_unique_id_function=lambda route: route.name
)


@router.get("/presets", response_model=None, responses={200: {"model": list[PresetOut]}})
def list_presets() -> ArrayJSONResponse:
    return ArrayJSONResponse(
        [{**preset, "title": _(preset["title"]), "description": _(preset["description"])} for preset in PRESETS]
    )
