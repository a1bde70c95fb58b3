"""A session as the API shows it (API.md, Session), and as it exports (a Config).

Arrays stay NumPy arrays here; the API encodes them straight to JSON (orjson), which is far
cheaper than turning them into lists first.
"""
from __future__ import annotations

from app.engine.network import Network, split_flat
from app.engine.optimizers import OPTIMIZER_DEFAULTS
from app.sessions import checkpoints as ckpt
from app.sessions.runtime import EXPLICIT_DATA, FROM_CHECKPOINT, INITIAL_CHECKPOINT, Runtime

COMPACT = "compact"


def config_as_applied(runtime: Runtime) -> dict:
    """The config as applied, with the values the store keeps out of its JSON put back."""
    optimizer = runtime.current["optimizer"]
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
    parameters, their gradients): the working set keeps the runtime, and an answer is encoded
    after the session's lock is released."""
    full = view != COMPACT
    trace = runtime.stepper.trace
    parameters = split_flat(runtime.network.flat.copy(), runtime.sizes)  # [W1, b1, W2, b2, ...]
    gradient = split_flat(runtime.stepper.gradient.copy(), runtime.sizes) if trace.dW else None

    def per_row(array):
        return array if full else None

    layers = [{"index": 0, "size": runtime.sizes[0], "a": per_row(trace.x)}]
    for l in range(1, runtime.L + 1):
        layers.append(
            {
                "index": l,
                "size": runtime.sizes[l],
                "activation": runtime.config["activations"][l - 1],
                "W": parameters[2 * l - 2],
                "b": parameters[2 * l - 1],
                "z": per_row(trace.z.get(l)),
                "a": per_row(trace.a.get(l)),
                "grad": {
                    "a": per_row(trace.dA.get(l)),
                    "z": per_row(trace.delta.get(l)),
                    "W": gradient[2 * l - 2] if l in trace.dW else None,
                    "b": gradient[2 * l - 1] if l in trace.db else None,
                },
            }
        )
    iterations = runtime.iterations_finished
    losses = runtime.history
    first = 0 if history is None else max(0, len(losses) - history)
    last = runtime.last_step
    return {
        "id": runtime.stored.id,
        "version": runtime.version,
        "config": config_as_applied(runtime),
        "iteration": iterations,
        "epoch": runtime.schedule.epochs_finished(iterations),
        "last_step": last.as_dict() if last else None,
        "next_step": runtime.next_step.as_dict(),
        "batch": {"indices": runtime.batch_rows, "inputs": trace.x, "targets": trace.y} if full else None,
        "layers": layers,
        "loss": {"name": runtime.config["loss"], "value": trace.loss},
        "history": runtime.history_entries()[first:],
        "undo_available": len(runtime.trimmed_undo()),
        "steps_per_iteration": runtime.steps_per_iteration,
    }


def step_summary(runtime: Runtime) -> dict:
    """The part of a Session a page compares before and after a change (app/lab: which parts of
    the drawing changed, and the state token): where it stands and its gradients of W, copied
    (a step writes them in place). A fraction of a compact Session's cost."""
    trace = runtime.stepper.trace
    gradient = split_flat(runtime.stepper.gradient.copy(), runtime.sizes) if trace.dW else None
    last = runtime.last_step
    return {
        "iteration": runtime.iterations_finished,
        "last_step": last.as_dict() if last else None,
        "next_step": runtime.next_step.as_dict(),
        "undo_available": len(runtime.trimmed_undo()),
        "layers": [{"index": 0}] + [
            {"index": l, "grad": {"W": gradient[2 * l - 2] if l in trace.dW else None}} for l in range(1, runtime.L + 1)
        ],
    }


def export_config(runtime: Runtime) -> dict:
    """A Config that POST /api/v1/sessions accepts as it is: current parameters, explicit data."""
    config = config_as_applied(runtime)
    network = runtime.network.copy()  # encoded after the session is released
    config["weights"] = [network.W[l] for l in range(1, runtime.L + 1)]
    config["biases"] = [network.b[l] for l in range(1, runtime.L + 1)]
    options = {key: config["data"][key] for key in ("test_fraction", "features") if isinstance(config["data"], dict) and key in config["data"]}
    config["data"] = {"inputs": runtime.data.raw_inputs, "targets": runtime.data.targets, **options}
    return config
