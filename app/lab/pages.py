"""Pages: / (open a preset or build a network), POST /s (create a session), /s/{id} (the visualizer)."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from app.deps import SessionsDep
from app.engine.activations import ACTIVATIONS
from app.engine.datasets import DATASET_NAMES
from app.engine.features import names_for
from app.engine.losses import LOSSES
from app.engine.network import INIT_SCHEMES
from app.engine.optimizers import OPTIMIZER_DEFAULTS
from app.i18n import _
from app.sessions.presets import PRESETS
from app.ui.forms import FormDep, int_field
from app.lab.inspecting import inspector_view
from app.lab.rendering import SERVICE_ERRORS, error_response, render, stage_response
from app.lab.stage import Message, error_message, session_panels

router = APIRouter(include_in_schema=False)

# what the build form starts with: a small net that learns XOR in a few hundred iterations
FORM_DEFAULTS = {
    "layers": "2, 4, 1", "hidden_activation": "tanh", "output_activation": "sigmoid", "activations": "", "loss": "mse",
    "optimizer": "sgd", "learning_rate": "0.5", "momentum": "0", "batch_size": "", "dataset": "xor",
    "samples": "200", "noise": "0.1", "data_seed": "0", "seed": "0", "init": "xavier",
    "weight_decay": "0", "test_fraction": "0",
}
FEATURE_CHOICES = names_for(2)  # the toggles for the generated data's x1 and x2


def _choices() -> dict:
    return {
        "activations": list(ACTIVATIONS),
        "hidden_activations": [name for name, cls in ACTIVATIONS.items() if not cls.output_only],
        "losses": list(LOSSES),
        "datasets": list(DATASET_NAMES),
        "inits": list(INIT_SCHEMES),
        "features": FEATURE_CHOICES,
    }


def _home(request: Request, form: dict, messages: list[Message], status: int = 200):
    context = {"presets": PRESETS, "form": {**FORM_DEFAULTS, **form}, "choices": _choices(), "messages": messages}
    return render(request, "lab/home.html", context, status)


@router.get("/", name="show_home")
def show_home(request: Request):
    return _home(request, {}, [])


def config_from_form(form: dict[str, str]) -> tuple[dict, list[str]]:
    """The build form -> a Config body for the service; problems the service can't name are listed."""
    problems: list[str] = []

    def number(name: str, kind=float):
        try:
            return kind(form.get(name, FORM_DEFAULTS[name]).strip())
        except ValueError:
            problems.append(_("%(field)s: please enter a number") % {"field": name})
            return kind(FORM_DEFAULTS[name])

    try:
        layers = [int(part) for part in re.split(r"[,\s]+", form.get("layers", "").strip()) if part]
    except ValueError:
        layers = []
    if len(layers) < 2:
        problems.append(_("layers: give at least two sizes, e.g. 2, 4, 1"))
        layers = [2, 4, 1]
    optimizer = {"name": form.get("optimizer", "sgd"), "learning_rate": number("learning_rate"),
                 "weight_decay": number("weight_decay")}
    if "momentum" in OPTIMIZER_DEFAULTS.get(optimizer["name"], {}):  # the form's field, where the optimizer has one
        optimizer["momentum"] = number("momentum")
    batch_text = form.get("batch_size", "").strip()
    # one per weight layer when given; else the hidden one repeated, then the output one
    per_layer = [name for name in re.split(r"[,\s]+", form.get("activations", "").strip()) if name]
    activations = per_layer or [form.get("hidden_activation", "tanh")] * (len(layers) - 2) + [form.get("output_activation", "sigmoid")]
    body = {
        "layers": layers,
        "activations": activations,
        "loss": form.get("loss", "mse"),
        "optimizer": optimizer,
        "batch_size": number("batch_size", int) if batch_text else None,
        "seed": number("seed", int),
        "init": form.get("init", "xavier"),
        "data": {"dataset": form.get("dataset", "xor"), "samples": number("samples", int),
                 "noise": number("noise"), "seed": number("data_seed", int)},
    }
    _data_from_form(form, body, number("test_fraction"))
    return body, problems


def _data_from_form(form: dict[str, str], body: dict, test_fraction: float) -> None:
    """An uploaded dataset (its id) replaces the generated one; the feature toggles size layer 0."""
    if form.get("dataset_id"):
        body["data"] = {"dataset_id": form["dataset_id"].strip()}
    else:
        features = [name for name in FEATURE_CHOICES if form.get(f"feature:{name}")]
        if features:
            body["data"]["features"] = features
            body["layers"][0] = len(features)
    body["data"]["test_fraction"] = test_fraction


@router.post("/s", name="create_session")
def create_session(request: Request, service: SessionsDep, form: FormDep):
    if form.get("preset"):
        body, problems = {"preset": form["preset"]}, []
    else:
        body, problems = config_from_form(form)
    if problems:
        return _home(request, form, [Message("error", text) for text in problems], 422)
    try:
        doc = service.create(body, view="compact")
    except SERVICE_ERRORS as error:
        return _home(request, form, [error_message(error)], 422)
    return RedirectResponse(request.url_for("show_session", session_id=doc["id"]).path, status_code=303)


@router.get("/s/{session_id}", name="show_session")
def show_session(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    focus = int_field(form, "focus", 0)
    projector = form.get("projector") == "1"
    try:
        state = service.show(session_id)  # one load at most; the reader serves the plots and the inspector
    except SERVICE_ERRORS as error:
        return render(request, "lab/missing.html", {"messages": [error_message(error)]}, 404)
    doc = state.doc
    context = session_panels(state.reader, doc, focus, projector=projector)
    context.update(params_changed=True, body_class="projector" if projector else "")
    if form.get("kind"):  # ?kind=edge&layer=2&to=0&from=0 opens the inspector on that element
        context["inspect"] = inspector_view(state.reader, doc, form, focus)
    return render(request, "lab/session.html", context)


@router.get("/open/{preset}", name="open_preset")
def open_preset(request: Request, preset: str, service: SessionsDep, form: FormDep):
    """A link that opens a fresh session of a preset, `steps` steps in, with the inspector on the
    element the query names: how the lesson points at one edge of a real network."""
    steps = int_field(form, "steps", 0, 0, 1000)
    try:
        doc = service.create({"preset": preset}, view="compact", steps=steps)
    except SERVICE_ERRORS as error:
        return _home(request, {}, [error_message(error)], 404)
    kept = {key: form[key] for key in ("kind", "layer", "to", "from", "focus") if key in form}
    target = request.url_for("show_session", session_id=doc["id"]).path
    return RedirectResponse(target + ("?" + urlencode(kept) if kept else ""), status_code=303)


@router.get("/s/{session_id}/network", name="show_network")
def show_network(request: Request, session_id: str, service: SessionsDep, form: FormDep):
    """The sample in focus changed: the stage again, and the page URL remembers the choice."""
    focus = int_field(form, "focus", 0)
    try:
        state = service.show(session_id)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    response = stage_response(request, state.reader, state.doc, focus, params_changed=False)
    query = f"?focus={focus}" + ("&projector=1" if form.get("projector") == "1" else "")
    response.headers["HX-Replace-Url"] = request.url_for("show_session", session_id=session_id).path + query
    return response
