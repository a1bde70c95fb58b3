"""Where the narration and the inspector point to the lesson: each idea of the lesson is linked
wherever a step uses it ("dL/dw ... why a derivative?")."""
from __future__ import annotations

from dataclasses import dataclass

from app.i18n import _, lazy


@dataclass(frozen=True)
class LessonLink:
    href: str
    label: str  # an English msgid: translate it where it is shown


FEEDFORWARD = LessonLink("/learn", lazy("The lesson: how a network learns, in five ideas"))
DERIVATIVE = LessonLink("/learn/derivative", lazy("Why a derivative? dL/dw is the limit of a slope"))
PARTIAL = LessonLink("/learn/partial", lazy("Partial derivatives: one weight moves, the others hold still"))
GRADIENT = LessonLink("/learn/gradient", lazy("The gradient points where the loss grows fastest"))
CHAIN_RULE = LessonLink("/learn/chain-rule", lazy("The chain rule multiplies local derivatives"))
DESCENT = LessonLink("/learn/descent", lazy("Gradient descent: why against the gradient, and how far"))

BY_PHASE: dict[str, tuple[LessonLink, ...]] = {
    "forward": (FEEDFORWARD,),
    "loss": (DERIVATIVE, PARTIAL),
    "backward": (CHAIN_RULE, DERIVATIVE, PARTIAL),
    "update": (GRADIENT, DESCENT),
}
EDGE = (CHAIN_RULE, DERIVATIVE)  # the inspector's ledger and its central difference


def translated(links: tuple[LessonLink, ...]) -> list[LessonLink]:
    return [LessonLink(link.href, _(link.label)) for link in links]
