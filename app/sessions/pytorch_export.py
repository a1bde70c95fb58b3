"""The PyTorch export (API.md, "PyTorch export"): a program that runs the session's next update in
torch, as a script or as a notebook with one code cell per part.

`next_update` steps a private copy of the session up to its next update with the session's own
code (so a refused step is refused here too), and keeps what that update starts from: the
parameters, the optimizer and its state, the batch rows. The parts are plain Python text; the
program needs only Python's standard library and torch, and computes the features and the
held-out split from the raw columns itself.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import numpy as np

from app.engine.network import split_flat
from app.engine.steps import UPDATE
from app.i18n import _
from app.sessions import pytorch_code as code

PART_NAMES = ("data", "network", "optimizer", "iteration", "result")


@dataclass
class NextUpdate:
    """What the session's next update runs on, and where the session was when it was exported."""

    session_id: str
    iterations_finished: int  # when exported
    last_step: str | None  # when exported, e.g. "forward 1"
    iteration: int  # 1-based: the iteration the next update finishes
    sizes: tuple[int, ...]
    activations: list[str]
    loss: str
    parameters: list[np.ndarray]  # [W1, b1, W2, b2, ...] the update starts from
    optimizer: str
    hyper: dict
    state: dict  # {"step": n, vector name: flat vector or None}
    raw_columns: np.ndarray  # (rows, n) the dataset's own columns x1..xn
    targets: np.ndarray  # (rows, n_L)
    features: list[str] | None  # None: the raw columns are the inputs
    held_out: list[int] = field(default_factory=list)  # rows never in a batch
    batch_rows: list[int] | None = None  # None: every training row
    trace: object = None  # engine Trace: everything forward 1 .. backward 1 computed, for this batch
    rows: list[int] = field(default_factory=list)  # the batch's row indices (also when it is every row)

    @property
    def L(self) -> int:
        return len(self.sizes) - 1


def _data_of(runtime) -> tuple[np.ndarray, np.ndarray, list[str] | None, list[int]]:
    """(raw columns, targets, features or None, held-out rows) of a session's dataset."""
    data = runtime.data
    features = None if data.features.identity else list(data.features.names)
    return data.raw_inputs, data.targets, features, [int(r) for r in data.test_rows]


def next_update(runtime) -> NextUpdate:
    """Steps `runtime` (a private copy, never saved) through its next update; NonFiniteError
    propagates from the step that would be refused, as `step {"until": "update"}` would."""
    exported_last = runtime.last_step
    iterations_finished = runtime.iterations_finished
    while not (runtime.stepper.next_step is not None and runtime.stepper.next_step.phase == UPDATE):
        runtime.step()
    stepper = runtime.stepper
    optimizer = stepper.optimizer
    state = {name: value if name == "step" or value is None else value.copy() for name, value in optimizer.state().items()}
    raw, targets, features, held_out = _data_of(runtime)
    batch_rows = [int(r) for r in runtime.batch_rows]
    unheld = set(held_out)
    all_rows = batch_rows == [r for r in range(raw.shape[0]) if r not in unheld]
    snapshot = NextUpdate(
        session_id=runtime.stored.id,
        iterations_finished=iterations_finished,
        last_step=None if exported_last is None else str(exported_last),
        iteration=runtime.iteration_index + 1,
        sizes=tuple(runtime.sizes),
        activations=list(runtime.config["activations"]),
        loss=runtime.config["loss"],
        parameters=[p.copy() for p in split_flat(runtime.network.flat.copy(), runtime.sizes)],
        optimizer=optimizer.name,
        hyper={**optimizer.hyperparameters()},
        state=state,
        raw_columns=np.asarray(raw, dtype=np.float64),
        targets=np.asarray(targets, dtype=np.float64),
        features=list(features) if features else None,
        held_out=held_out,
        batch_rows=None if all_rows else batch_rows,
        trace=stepper.trace,
        rows=batch_rows,
    )
    runtime.step()  # the update itself: refused here exactly when the step would be
    return snapshot


# --- writing numbers ---------------------------------------------------------------------------


_INTEGRAL_TAIL = re.compile(r"(?<!-0)(?<=\d)\.0(?=[,\]])")  # 1.0 -> 1, but -0.0 keeps its sign


def _literal(array: np.ndarray, indent: str = "", short_integers: bool = False) -> str:
    """A Python list literal of float64 numbers, each the shortest text that reads back as the
    same float (repr); a matrix has one row per line. short_integers writes 1.0 as 1 (data)."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 1:
        text = "[" + ", ".join(map(repr, array.tolist())) + "]"
        return _INTEGRAL_TAIL.sub("", text) if short_integers else text
    inner = indent + "    "
    rows = ",\n".join(inner + _literal(row, inner, short_integers) for row in array)
    return "[\n" + rows + ",\n" + indent + "]"


def _comment(text: str) -> str:
    return "\n".join("# " + line for line in text.splitlines())


# --- the parts ---------------------------------------------------------------------------------


def _where_from(update: NextUpdate) -> str:
    if update.last_step is None:
        place = _("with nothing computed yet in iteration {n}").format(n=update.iteration)
    elif update.last_step == "update":
        place = _("after the update of iteration {n}").format(n=update.iterations_finished)
    else:
        place = _("after step \"{step}\" of iteration {n}").format(step=update.last_step, n=update.iteration)
    return _(
        "Backprop Lab, session {id}, exported {place}.\n"
        "Run it with Python 3 and PyTorch: it rebuilds the network in float64 with the session's\n"
        "parameters, its data and its optimizer with its state, runs the session's next update\n"
        "(the one that finishes iteration {n}) and prints, as its last line, what the API shows\n"
        "after POST /api/v1/sessions/{id}/step {{\"until\": \"update\"}}."
    ).format(id=update.session_id, place=place, n=update.iteration)


def _data_part(update: NextUpdate) -> str:
    n_raw = update.raw_columns.shape[1]
    names = [f"x{i}" for i in range(1, n_raw + 1)]
    lines = [
        _comment(_where_from(update)),
        "import json",
        "",
        "import torch",
        "import torch.nn.functional as F",
        "",
        "torch.set_default_dtype(torch.float64)  # " + _("the session computes in float64"),
        "",
        "",
        "def tensor(values):",
        "    return torch.tensor(values, dtype=torch.float64)",
        "",
        "",
        _comment(_("The data: every row of the dataset, one list per column.")),
        "COLUMNS = {",
        *(f'    "{name}": {_literal(update.raw_columns[:, i], short_integers=True)},' for i, name in enumerate(names)),
        "}",
        "TARGETS = {",
        *(f'    "y{k + 1}": {_literal(update.targets[:, k], short_integers=True)},' for k in range(update.targets.shape[1])),
        "}",
        f"{', '.join(names)}{',' if len(names) == 1 else ''} = (tensor(COLUMNS[name]) for name in COLUMNS)",
    ]
    if update.features:
        lines.append(_comment(_("The network's inputs are the features {features}.").format(features=", ".join(update.features))))
    lines.append(f"{code.inputs_line(update.features, n_raw)}  # (rows, {update.sizes[0]})")
    lines.append(f"targets = torch.stack([tensor(column) for column in TARGETS.values()], dim=1)  # (rows, {update.targets.shape[1]})")
    lines.append("")
    if update.held_out:
        lines.append(_comment(_("Rows held out for testing (chosen by the session's permutation seeded by its seed): never in a batch.")))
        lines.append(f"HELD_OUT = {update.held_out!r}")
    else:
        lines.append("HELD_OUT = []")
    lines.append("training_rows = [row for row in range(len(inputs)) if row not in set(HELD_OUT)]")
    if update.batch_rows is None:
        lines.append(_comment(_("Iteration {n} trains on every training row (the full batch).").format(n=update.iteration)))
        lines.append("BATCH = training_rows")
    else:
        lines.append(_comment(_("The rows of iteration {n}'s mini-batch, by index into the dataset.").format(n=update.iteration)))
        lines.append(f"BATCH = {update.batch_rows!r}")
        lines.append('assert not set(BATCH) & set(HELD_OUT), "a held-out row is never in a batch"')
    lines += [
        f"x = inputs[BATCH]  # (B, {update.sizes[0]})",
        f"y = targets[BATCH]  # (B, {update.sizes[-1]})",
    ]
    return "\n".join(lines)


def _network_part(update: NextUpdate) -> str:
    lines = [_comment(_("The network: one torch.nn.Linear per layer, with the session's current parameters."))]
    for l in range(1, update.L + 1):
        lines.append(code.linear_line(l, update.sizes[l - 1], update.sizes[l]) + f"  # {update.activations[l - 1]}")
    lines.append("with torch.no_grad():")
    for l in range(1, update.L + 1):
        W, b = update.parameters[2 * (l - 1)], update.parameters[2 * (l - 1) + 1]
        lines.append(f"    {code.layer_name(l)}.weight.copy_(tensor({_literal(W, '    ')}))  # ({W.shape[0]}, {W.shape[1]})")
        lines.append(f"    {code.layer_name(l)}.bias.copy_(tensor({_literal(b)}))")
    layer_list = ", ".join(code.layer_name(l) for l in range(1, update.L + 1))
    lines.append(f"layers = [{layer_list}]")
    lines.append("parameters = [p for layer in layers for p in (layer.weight, layer.bias)]")
    return "\n".join(lines)


def _state_lists(update: NextUpdate, name: str) -> list[np.ndarray]:
    return split_flat(np.asarray(update.state[name], dtype=np.float64), update.sizes)


def _optimizer_part(update: NextUpdate) -> str:
    lines = [_comment(_("The optimizer, with the state the session's optimizer has now.")), code.optimizer_line(update.optimizer, update.hyper)]
    if update.optimizer == "sgd":
        velocity = update.state.get("velocity")
        if velocity is None:
            lines.append(_comment(_("No momentum buffers yet: without momentum SGD keeps none, and with it the first step starts them at the gradient.")))
        else:
            lines.append(_comment(_("The momentum buffers, one per parameter: v = momentum * v + g at every update so far.")))
            lines.append("MOMENTUM_BUFFERS = [")
            lines += [f"    tensor({_literal(v, '    ')})," for v in _state_lists(update, "velocity")]
            lines.append("]")
            lines.append("for p, buffer in zip(parameters, MOMENTUM_BUFFERS):")
            lines.append('    optimizer.state[p]["momentum_buffer"] = buffer')
    else:
        if update.state.get("m") is None:
            lines.append(_comment(_("No updates yet: Adam's moments start at zero with its first step.")))
        else:
            step = int(update.state["step"])
            lines.append(_comment(_("Adam's state after {n} updates: the step count and both moments of every parameter.").format(n=step)))
            lines.append("EXP_AVG = [")
            lines += [f"    tensor({_literal(m, '    ')})," for m in _state_lists(update, "m")]
            lines.append("]")
            lines.append("EXP_AVG_SQ = [")
            lines += [f"    tensor({_literal(v, '    ')})," for v in _state_lists(update, "v")]
            lines.append("]")
            lines.append("for p, exp_avg, exp_avg_sq in zip(parameters, EXP_AVG, EXP_AVG_SQ):")
            lines.append(f'    optimizer.state[p] = {{"step": tensor({float(step)!r}), "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}}')
    return "\n".join(lines)


def _iteration_part(update: NextUpdate) -> str:
    lines = [_comment(_("Iteration {n}: forward, loss, backward, update.").format(n=update.iteration)), "a0 = x"]
    for l in range(1, update.L + 1):
        lines += code.forward_lines(l, update.activations[l - 1])
    lines.append(code.loss_line(update.loss, update.L))
    retained = ", ".join(f"z{l}, a{l}" for l in range(1, update.L + 1))
    lines.append(f"for t in ({retained}):")
    lines.append("    t.retain_grad()  # " + _("z.grad is delta, a.grad is dL/da"))
    if update.held_out:
        lines += _held_out_lines(update)
    lines.append("optimizer.zero_grad()")
    lines.append("loss.backward()  # " + _("fills p.grad of every parameter"))
    lines.append("gradients = [p.grad.clone() for p in parameters]")
    lines.append("optimizer.step()")
    return "\n".join(lines)


def _held_out_lines(update: NextUpdate) -> list[str]:
    """The held-out rows' loss at the parameters this iteration starts from (history's test_loss)."""
    lines = [
        "with torch.no_grad():  # " + _("the held-out rows' loss at the parameters this iteration starts from: history's test_loss"),
        "    h = inputs[HELD_OUT]",
    ]
    for l in range(1, update.L + 1):
        lines.append(f"    logits = {code.layer_name(l)}(h)")
        lines.append(f"    h = {code.activation_call(update.activations[l - 1], 'logits')}")
    lines.append(f"    held_out_loss = {code.loss_call(update.loss, 'h', 'logits', 'targets[HELD_OUT]')}")
    lines.append('print("held-out loss:", held_out_loss.item())')
    return lines


def _result_part(update: NextUpdate) -> str:
    lines = [_comment(_("The result: the loss, the gradients and the parameters after the update, as the API shows them."))]
    lines += [
        "result = {",
        '    "loss": loss.item(),',
        '    "grad": {"W": [g.tolist() for g in gradients[0::2]], "b": [g.tolist() for g in gradients[1::2]]},',
        '    "W": [layer.weight.tolist() for layer in layers],',
        '    "b": [layer.bias.tolist() for layer in layers],',
        "}",
        "print(json.dumps(result))",
    ]
    return "\n".join(lines)


def parts(update: NextUpdate) -> list[str]:
    """The program's parts, in PART_NAMES order: run one after the other, they print the result."""
    return [_data_part(update), _network_part(update), _optimizer_part(update), _iteration_part(update), _result_part(update)]


def script(update: NextUpdate) -> str:
    return "\n\n\n".join(parts(update)) + "\n"


def notebook(update: NextUpdate) -> str:
    """nbformat 4, not yet run: one code cell per part."""
    cells = []
    for index, (name, source) in enumerate(zip(PART_NAMES, parts(update))):
        lines = source.splitlines(keepends=True)
        cells.append({
            "cell_type": "code",
            "execution_count": None,
            "id": f"{index + 1}-{name}",
            "metadata": {},
            "outputs": [],
            "source": lines,
        })
    document = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"
