"""Pydantic's validation messages in the reader's language.

Pydantic words its errors in English only; for the error types a Config, a step or a PATCH
can meet, the same message is kept here as a translatable template filled from the error's
context (the limits). Other types keep pydantic's own words.
"""
from __future__ import annotations

from app.i18n import DEFAULT_LOCALE, _, current_locale, lazy

TEMPLATES = {
    "missing": lazy("this field is required"),
    "extra_forbidden": lazy("this field is not part of the API: remove it, or check its spelling"),
    "too_short": lazy("give at least {min_length} items"),
    "too_long": lazy("give at most {max_length} items"),
    "greater_than": lazy("must be greater than {gt}"),
    "greater_than_equal": lazy("must be at least {ge}"),
    "less_than": lazy("must be less than {lt}"),
    "less_than_equal": lazy("must be at most {le}"),
    "int_type": lazy("must be a whole number"),
    "int_parsing": lazy("must be a whole number"),
    "int_from_float": lazy("must be a whole number"),
    "float_type": lazy("must be a number"),
    "float_parsing": lazy("must be a number"),
    "finite_number": lazy("must be a finite number (not NaN or infinity)"),
    "literal_error": lazy("must be one of {expected}"),
    "list_type": lazy("must be a list"),
    "model_type": lazy("must be an object"),
    "model_attributes_type": lazy("must be an object"),
    "dict_type": lazy("must be an object"),
    "string_type": lazy("must be a text string"),
    "json_invalid": lazy("the body is not valid JSON"),
    "optimizer_name": lazy("optimizer.name must be sgd or adam"),
}


def message(error: dict) -> str:
    """The error's message: pydantic's own in English, the translated template otherwise."""
    template = TEMPLATES.get(error.get("type", ""))
    if template is None or current_locale.get() == DEFAULT_LOCALE:
        return str(error.get("msg", ""))
    context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        return _(template).format(**context)
    except (KeyError, IndexError):  # a context pydantic did not give: its own words then
        return str(error.get("msg", ""))
