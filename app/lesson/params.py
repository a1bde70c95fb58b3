"""The lesson pages' query parameters: one declaration drives validation and the form controls.

A bad value is answered with a message that names the field and what it accepts, never a 500.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from app.i18n import _
from app.ui.numbers import plain


@dataclass(frozen=True)
class NumberField:
    name: str
    label: str  # lazy: translated where shown
    lo: float
    hi: float
    step: float
    default: float
    integer: bool = False

    def parse(self, raw: str) -> float | int:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < self.lo or value > self.hi or (self.integer and value != int(value)):
            raise FieldError(self, raw)
        return int(value) if self.integer else value

    def allowed(self) -> str:
        kind = _("a whole number") if self.integer else _("a number")
        return _("{kind} from {lo} to {hi}").format(kind=kind, lo=plain(self.lo), hi=plain(self.hi))


@dataclass(frozen=True)
class ChoiceField:
    name: str
    label: str  # lazy
    choices: dict[str, str]  # value -> what the select shows
    default: str

    def parse(self, raw: str) -> str:
        if raw not in self.choices:
            raise FieldError(self, raw)
        return raw

    def allowed(self) -> str:
        return _("one of {choices}").format(choices=", ".join(self.choices))


class FieldError(ValueError):
    def __init__(self, field, raw: str):
        super().__init__(field.name)
        self.field, self.raw = field, raw

    def message(self) -> str:
        return _("{label} ({name}) must be {allowed}; got “{raw}”.").format(
            label=_(self.field.label), name=self.field.name, allowed=self.field.allowed(), raw=self.raw[:40]
        )


def parse_query(query_params, fields) -> tuple[dict, list[FieldError]]:
    """Every field's value (the default where missing or wrong) and the errors found."""
    values, errors = {}, []
    for field in fields:
        raw = query_params.get(field.name)
        if raw is None or raw == "":
            values[field.name] = field.default
            continue
        try:
            values[field.name] = field.parse(raw.strip())
        except FieldError as error:
            values[field.name] = field.default
            errors.append(error)
    return values, errors
