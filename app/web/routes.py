"""Stub: the visualizer pages (issue 3) replace this."""
from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
