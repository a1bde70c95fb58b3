"""Stub: the lesson pages (issue 4) replace this."""
from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
