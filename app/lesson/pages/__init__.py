"""The lesson's pages in order: the index, the navigation and the pager read this list."""
from __future__ import annotations

from dataclasses import dataclass

from app.i18n import lazy


@dataclass(frozen=True)
class LessonPage:
    slug: str
    title: str  # lazy: translated where shown
    summary: str  # lazy

    @property
    def url(self) -> str:
        return f"/learn/{self.slug}"


PAGES: tuple[LessonPage, ...] = (
    LessonPage("derivative", lazy("1. The derivative"), lazy("Shrink dx and watch the secant turn into the tangent, until floating-point round-off shows up.")),
    LessonPage("partial", lazy("2. Partial derivatives"), lazy("Hold one variable still: a slice through a surface, and its slope.")),
    LessonPage("gradient", lazy("3. The gradient"), lazy("Both partials as one arrow: it points where the function grows fastest.")),
    LessonPage("chain-rule", lazy("4. The chain rule"), lazy("A function of a function: multiply the local derivatives.")),
    LessonPage("descent", lazy("5. Gradient descent"), lazy("Step against the gradient; too large a step oscillates or diverges.")),
    LessonPage("exercise", lazy("6. Is all deep learning backpropagation?"), lazy("Measure it: backprop against central differences on networks of growing size.")),
    LessonPage("pytorch", lazy("7. What PyTorch does for you"), lazy("The autograd graph of a network, one node per operation, walked backwards: backpropagation on any graph.")),
)

BY_SLUG = {page.slug: page for page in PAGES}


def neighbours(slug: str) -> tuple[LessonPage | None, LessonPage | None]:
    index = [page.slug for page in PAGES].index(slug)
    previous = PAGES[index - 1] if index > 0 else None
    following = PAGES[index + 1] if index + 1 < len(PAGES) else None
    return previous, following
