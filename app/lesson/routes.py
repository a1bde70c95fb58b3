"""The lesson pages (issue 4): /learn and one page per idea, each URL a shareable state.

Handlers are thin: the query is validated by the page's fields, the figure is built by the page's
view module (which calls the maths in app/lesson), and lesson_render picks page or fragment.
"""
from fastapi import APIRouter, Request

from app.i18n import _
from app.lesson.pages import chain_rule as lesson_chain_rule, derivative as lesson_derivative, descent as lesson_descent, exercise as lesson_exercise, gradient as lesson_gradient, partial as lesson_partial
from app.lesson.pages import PAGES
from app.lesson.pages import pytorch as lesson_pytorch
from app.lesson.params import parse_query
from app.deps import SessionsDep
from app.lesson.rendering import redirect_to, render_lesson, wants_fragment
from app.ui.templating import templates

router = APIRouter(include_in_schema=False)

# the visualizer's /open/{preset} (app/lab/pages.py): a fresh worked example after 4 steps
# (forward 1, forward 2, loss, backward 2), inspecting w5 (layer 2, unit 0 <- unit 0): Mazur's edge
VISUALIZER_URL = "/open/worked-example?steps=4&kind=edge&layer=2&to=0&from=0"


@router.get("/learn", name="show_lesson_index")
def show_lesson_index(request: Request):
    context = {"page": None, "pages": PAGES, "previous": None, "following": None, "page_title": _("The lesson")}
    return templates.TemplateResponse(request, "lesson/index.html", context)


@router.get("/learn/derivative", name="show_derivative")
def show_derivative(request: Request):
    return render_lesson(request, "derivative", lesson_derivative.FIELDS, lesson_derivative.build)


@router.get("/learn/partial", name="show_partial")
def show_partial(request: Request):
    return render_lesson(request, "partial", lesson_partial.FIELDS, lesson_partial.build)


@router.get("/learn/gradient", name="show_gradient")
def show_gradient(request: Request):
    return render_lesson(request, "gradient", lesson_gradient.FIELDS, lesson_gradient.build)


@router.get("/learn/chain-rule", name="show_chain_rule")
def show_chain_rule(request: Request):
    return render_lesson(
        request, "chain-rule", lesson_chain_rule.FIELDS, lesson_chain_rule.build, {"visualizer_url": VISUALIZER_URL}
    )


@router.get("/learn/descent", name="show_descent")
def show_descent(request: Request):
    advanced = None if wants_fragment(request) else lesson_descent.advanced(request.query_params)
    if advanced is not None:
        # the Step / Run buttons without JavaScript: show the state with the steps added, at its own URL
        return redirect_to("/learn/descent", advanced, lesson_descent.FIELDS, request.query_params.get("lang"))
    return render_lesson(request, "descent", lesson_descent.FIELDS, lesson_descent.build)


@router.get("/learn/exercise", name="show_exercise")
def show_exercise(request: Request):
    return render_lesson(request, "exercise", lesson_exercise.FIELDS, lesson_exercise.build)


@router.get("/learn/pytorch", name="show_pytorch")
def show_pytorch(request: Request, sessions: SessionsDep):
    values, _errors = parse_query(request.query_params, lesson_pytorch.FIELDS)
    source = lesson_pytorch.source_for(values, sessions)  # one read of the session for the whole figure
    return render_lesson(request, "pytorch", lesson_pytorch.FIELDS, lambda checked: lesson_pytorch.build_for(checked, source))
