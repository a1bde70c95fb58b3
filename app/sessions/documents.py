"""A session as the API shows it (API.md, Session), and as it exports (a Config).

Arrays stay NumPy arrays here; the API encodes them straight to JSON (orjson), which is far
cheaper than turning them into lists first.
"""
from __future__ import annotations

import functools

from app.engine.network import Network
from app.engine.optimizers import OPTIMIZER_DEFAULTS
from app.engine.steps import Step
from app.sessions import checkpoints as ckpt
from app.sessions.runtime import EXPLICIT_DATA, FROM_CHECKPOINT, INITIAL_CHECKPOINT, Runtime

COMPACT = "compact"
_NOTHING: dict = {}  # never written


def config_as_applied(runtime: Runtime) -> dict:
    """The config as applied, with the values the store keeps out of its JSON put back. Kept
    by the runtime until its optimizer config changes (the rest is fixed at creation): every
    answer shows it. Shared by answers: never mutate."""
    optimizer = runtime.current["optimizer"]
    cached = runtime.applied_config_cache
    if cached is not None and cached[0] is optimizer:
        return cached[1]
    config = _config_as_applied(runtime, optimizer)
    runtime.applied_config_cache = (optimizer, config)
    return config


def _config_as_applied(runtime: Runtime, optimizer: dict) -> dict:
    # a session stored before weight decay, test_fraction and features shows their defaults too
    optimizer = {"name": optimizer["name"], **OPTIMIZER_DEFAULTS.get(optimizer["name"], {}), **optimizer}
    config = {**runtime.config, "optimizer": optimizer}
    if config["data"] == EXPLICIT_DATA:  # never echoed as rows (API.md v1.1): the service names its dataset
        config["data"] = {"inputs": runtime.data.raw_inputs, "targets": runtime.data.targets}
    if isinstance(config["data"], dict) and "test_fraction" not in config["data"]:
        config["data"] = {**config["data"], "test_fraction": 0.0, "features": None}
    if FROM_CHECKPOINT in (config["weights"], config["biases"]):
        flat, _state = ckpt.decode(runtime.checkpoint(INITIAL_CHECKPOINT), runtime.parameter_count)
        initial = Network(runtime.sizes, runtime.activations, flat)
        if config["weights"] == FROM_CHECKPOINT:
            config["weights"] = initial.W[1:]
        if config["biases"] == FROM_CHECKPOINT:
            config["biases"] = initial.b[1:]
    return config


def session_document(runtime: Runtime, view: str = "full", history: int | None = None) -> dict:
    """The Session as API.md shows it. Its arrays are the runtime's own where nothing changes
    them later (a step makes new z, a, delta), copies where a later step writes in place (the
    parameters, their gradients: Runtime.shown_parameters): the working set keeps the runtime,
    and an answer is encoded after the session's lock is released. This runs for every answer."""
    trace = runtime.stepper.trace
    parameters = runtime.shown_parameters()  # [W1, b1, W2, b2, ...]
    dW, db = trace.dW, trace.db
    gradient = runtime.shown_gradient() if dW else None
    full = view != COMPACT
    # a compact Session has no per-row values: looked up in nothing, each is None
    z, a, dA, delta = (trace.z, trace.a, trace.dA, trace.delta) if full else (_NOTHING,) * 4
    layers = [{"index": 0, "size": runtime.sizes[0], "a": trace.x if full else None}]
    for l, size, activation in runtime.layer_names:
        layers.append({
            "index": l, "size": size, "activation": activation, "W": parameters[2 * l - 2], "b": parameters[2 * l - 1],
            "z": z.get(l), "a": a.get(l),
            "grad": {"a": dA.get(l), "z": delta.get(l), "W": gradient[2 * l - 2] if l in dW else None,
                     "b": gradient[2 * l - 1] if l in db else None},
        })
    entries = runtime.history_entries()
    position = _position(runtime)
    return {  # in API.md's order, which readers of a printed Session see
        "id": runtime.stored.id,
        "version": runtime.version,
        "config": config_as_applied(runtime),
        "iteration": position["iteration"],
        "epoch": runtime.schedule.epochs_finished(runtime.iterations_finished),
        "last_step": position["last_step"],
        "next_step": position["next_step"],
        "batch": {"indices": runtime.batch_rows, "inputs": trace.x, "targets": trace.y} if full else None,
        "layers": layers,
        "loss": {"name": runtime.config["loss"], "value": trace.loss},
        "history": entries[:] if history is None else entries[max(0, len(entries) - history):],
        "undo_available": position["undo_available"],
        "steps_per_iteration": runtime.steps_per_iteration,
    }


@functools.cache
def step_dict(step: Step) -> dict:
    """A Step as the API shows it, made once per step of a cycle. Shared by answers: never mutate."""
    return step.as_dict()


def _position(runtime: Runtime) -> dict:
    """Where the session stands: the fields of a Session that step_summary repeats."""
    last = runtime.last_step
    return {
        "iteration": runtime.iterations_finished,
        "last_step": step_dict(last) if last else None,
        "next_step": step_dict(runtime.next_step),
        "undo_available": runtime.undo_available(),
    }


def step_summary(runtime: Runtime) -> dict:
    """The part of a Session a page compares before and after a change (app/lab: which parts of
    the drawing changed, and the state token): where it stands and its gradients of W, copied
    (a step writes them in place). A fraction of a compact Session's cost."""
    trace = runtime.stepper.trace
    gradient = runtime.shown_gradient() if trace.dW else None
    return {
        **_position(runtime),
        "layers": [{"index": 0}] + [
            {"index": l, "grad": {"W": gradient[2 * l - 2] if l in trace.dW else None}} for l in range(1, runtime.L + 1)
        ],
    }


def export_config(runtime: Runtime) -> dict:
    """A Config that POST /api/v1/sessions accepts as it is: current parameters, explicit data."""
    config = dict(config_as_applied(runtime))  # the runtime keeps that one
    network = runtime.network.copy()  # encoded after the session is released
    config["weights"] = [network.W[l] for l in range(1, runtime.L + 1)]
    config["biases"] = [network.b[l] for l in range(1, runtime.L + 1)]
    options = {key: config["data"][key] for key in ("test_fraction", "features") if isinstance(config["data"], dict) and key in config["data"]}
    config["data"] = {"inputs": runtime.data.raw_inputs, "targets": runtime.data.targets, **options}
    return config
