"""Page 7's view, "What PyTorch does for you": the autograd graph of a session's network (or of
the worked example) for the sample in focus, drawn as micrograd's draw_dot draws it, and walked
backwards one node at a time.

The numbers are the session's own: its next iteration run by its own code up to backward 1
(the service's next_update, as the PyTorch export runs it). The view places the nodes (columns
left to right, rows in order) and formats the numbers; the template only draws.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np

from app.engine.network import split_flat
from app.i18n import _, lazy
from app.lesson.maths.autograd_graph import OP_SYMBOLS, Graph, build_graph, engine_trace, layout_columns
from app.lesson.params import FieldError, NumberField
from app.sessions.errors import SessionNotFound, StepRefused
from app.sessions.presets import get_preset
from app.ui.numbers import attr, plain

MAX_VALUES = 80  # value nodes drawn at most: a 2-4-1 network has 42, the worked example 31
VALUE_WIDTH, VALUE_HEIGHT, OP_RADIUS = 128, 46, 17
VALUE_COLUMN, OP_COLUMN, ROW_GAP, MARGIN = 150, 46, 56, 12
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class SessionField:
    """?session=ID: the session whose network is drawn (default: the worked example)."""

    name: str = "session"
    label: str = lazy("Session")
    default: str = ""

    def parse(self, raw: str) -> str:
        if not SESSION_ID.match(raw):
            raise FieldError(self, raw)
        return raw

    def allowed(self) -> str:
        return _("the id of a session (letters, digits, - and _), as in /s/ID")


SESSION = SessionField()
FOCUS = NumberField("focus", lazy("Sample in focus"), 0, 9999, 1, 0, integer=True)
STEP = NumberField("step", lazy("Backward steps done"), 0, 100000, 1, 0, integer=True)
FIELDS = (SESSION, FOCUS, STEP)
WORKED_EXAMPLE_LINK = "/open/worked-example?steps=5"  # forward 1, 2, loss, backward 2, 1: every grad shown


@dataclass
class Source:
    """Where the graph's numbers come from: parameters, the batch's trace, and who to link to."""

    sizes: tuple[int, ...]
    activations: list[str]
    loss: str
    W: list  # index 0 unused
    b: list
    trace: object
    session_id: str | None
    iteration: int
    note: str = ""  # why the worked example is shown instead of the session asked for
    input_names: list[str] | None = None  # the features, when the session has them


def worked_example_source(note: str = "") -> Source:
    config = get_preset("worked-example")["config"]
    W = [None, *(np.array(w, dtype=float) for w in config["weights"])]
    b = [None, *(np.array(v, dtype=float) for v in config["biases"])]
    trace = engine_trace(config["layers"], config["activations"], config["loss"], config["weights"], config["biases"],
                         config["data"]["inputs"], config["data"]["targets"])
    return Source(tuple(config["layers"]), list(config["activations"]), config["loss"], W, b, trace, None, 1, note)


def value_count(sizes) -> int:
    """Value nodes of the graph for one sample: inputs, then per layer w, w*a, b, z, a; the loss."""
    per_layer = sum(2 * sizes[l] * sizes[l - 1] + 3 * sizes[l] for l in range(1, len(sizes)))
    return sizes[0] + per_layer + 1


def session_source(update) -> Source:
    """From the service's NextUpdate (what its next iteration computes up to backward 1)."""
    views = split_flat(np.concatenate([p.ravel() for p in update.parameters]), update.sizes)
    return Source(tuple(update.sizes), update.activations, update.loss, [None, *views[0::2]], [None, *views[1::2]],
                  update.trace, update.session_id, update.iteration, input_names=update.features)


def _positions(graph: Graph) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Centre of every node: its column left to right (value and op columns alternate in width),
    its place in the column top to bottom; and the drawing's width and height."""
    column = layout_columns(graph)
    columns: dict[int, list[str]] = {}
    for node_id in graph.nodes:
        columns.setdefault(column[node_id], []).append(node_id)
    tallest = max(len(ids) for ids in columns.values())
    height = tallest * ROW_GAP + 2 * MARGIN
    x_left, positions = MARGIN, {}
    for index in sorted(columns):
        ids = columns[index]
        width = VALUE_COLUMN if any(graph.nodes[i].kind == "value" for i in ids) else OP_COLUMN
        top = (height - len(ids) * ROW_GAP) / 2
        for place, node_id in enumerate(ids):
            positions[node_id] = (x_left + width / 2, top + (place + 0.5) * ROW_GAP)
        x_left += width
    return positions, x_left + MARGIN, height


def _edge_path(start: tuple[float, float], end: tuple[float, float], start_half: float, end_half: float) -> str:
    x0, y0 = start[0] + start_half, start[1]
    x1, y1 = end[0] - end_half, end[1]
    bend = (x1 - x0) / 2
    return f"M{x0:.1f},{y0:.1f} C{x0 + bend:.1f},{y0:.1f} {x1 - bend:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"


def _half_width(node) -> float:
    return VALUE_WIDTH / 2 if node.kind == "value" else OP_RADIUS


def _explain(graph: Graph, node_id: str) -> dict:
    """The current node's grad as the sum it is: grad = sum of (consumer's grad x local derivative)."""
    node = graph.nodes[node_id]
    if node_id == "loss":
        return {"label": node.label, "formula": "grad(L) = 1", "why": _("The walk starts at the loss: dL/dL = 1.")}
    terms = " + ".join(f"{plain(t.grad, 4)} \u00d7 {plain(t.local, 4)}" for t in node.terms)
    formula = f"grad({node.label}) = {terms} = {plain(node.grad, 6)}"
    consumers = ", ".join(sorted({graph.nodes[t.via].label for t in node.terms}))
    why = {
        "a": _("Each use of {label} adds its consumer's grad times the local derivative (from: {via})."),
        "z": _("The activation's local derivative times the grad of its output ({via})."),
        "product": _("A sum passes its grad to each of its terms unchanged (from {via})."),
        "bias": _("A sum passes its grad to each of its terms unchanged (from {via})."),
        "weight": _("A product sends each factor the grad times the other factor: here the activation it multiplies (from {via})."),
        "input": _("The inputs get grads too; PyTorch keeps them only if x.requires_grad (from {via})."),
    }[node.role].format(label=node.label, via=consumers)
    if node.role in ("weight", "bias") and graph.rows > 1:
        why += " " + _("This is sample {row}'s share: PyTorch's .grad, like the session, adds the shares of all {rows} rows.").format(
            row=graph.row, rows=graph.rows)
    return {"label": node.label, "formula": formula, "why": why}


def _url(values: dict, **changes) -> str:
    query = {**values, **changes}
    return "/learn/pytorch?" + urlencode({k: v for k, v in query.items() if v not in ("", None)})


def build_for(values: dict, source: Source) -> dict:
    rows = int(np.asarray(source.trace.a[0]).shape[0])
    focus = min(int(values["focus"]), rows - 1)
    graph = build_graph(source.W, source.b, source.activations, source.loss, source.trace, focus, source.input_names)
    total = len(graph.backward_order)
    done_count = min(int(values["step"]), total)
    done = set(graph.backward_order[:done_count])
    current = graph.backward_order[done_count - 1] if done_count else None
    positions, width, height = _positions(graph)
    nodes = []
    for node_id, node in graph.nodes.items():
        x, y = positions[node_id]
        view = {"id": node_id, "kind": node.kind, "x": round(x, 1), "y": round(y, 1),
                "classes": " ".join(["ag-" + node.kind, "ag-" + (node.role or node.label)]
                                    + (["ag-done"] if node_id in done else []) + (["ag-current"] if node_id == current else []))}
        if node.kind == "value":
            view.update(
                label=node.label, data=plain(node.data, 4), data_exact=attr(node.data),
                grad=plain(node.grad, 4) if node_id in done else "?", grad_exact=attr(node.grad) if node_id in done else "",
                left=round(x - VALUE_WIDTH / 2, 1), top=round(y - VALUE_HEIGHT / 2, 1),
                label_y=round(y - 8, 1), data_y=round(y + 5, 1), grad_y=round(y + 17, 1),
            )
        else:
            view.update(symbol=OP_SYMBOLS.get(node.label, node.label), text_y=round(y + 4, 1))
        nodes.append(view)
    edges = [{"d": _edge_path(positions[s], positions[t], _half_width(graph.nodes[s]), _half_width(graph.nodes[t])),
              "classes": "ag-edge" + (" ag-edge-done" if t in done else "")} for s, t in graph.edges]
    session_values = {"session": source.session_id or "", "focus": focus}
    if source.session_id:
        session_link = f"/s/{source.session_id}?focus={focus}"
    else:
        session_link = WORKED_EXAMPLE_LINK
    return {
        "nodes": nodes,
        "edges": edges,
        "width": round(width, 1),
        "height": round(height, 1),
        "value_width": VALUE_WIDTH,
        "value_height": VALUE_HEIGHT,
        "op_radius": OP_RADIUS,
        "total": total,
        "done": done_count,
        "current": _explain(graph, current) if current else None,
        "first_url": _url(session_values, step=0),
        "back_url": _url(session_values, step=max(0, done_count - 1)),
        "next_url": _url(session_values, step=min(total, done_count + 1)),
        "all_url": _url(session_values, step=total),
        "at_start": done_count == 0,
        "at_end": done_count == total,
        "session_link": session_link,
        "session_id": source.session_id,
        "iteration": source.iteration,
        "focus": focus,
        "rows": rows,
        "sizes": "-".join(str(n) for n in source.sizes),
        "loss_name": source.loss,
        "note": source.note,
        "announce": _("{done} of {total} grads filled.").format(done=done_count, total=total),
    }


def source_for(values: dict, service) -> Source:
    """The session asked for, or the worked example with a note saying why."""
    session_id = values["session"]
    if not session_id:
        return worked_example_source()
    try:  # one load of the session; a network too large to draw is not stepped at all
        update = service.next_update(session_id, wanted=lambda sizes: value_count(sizes) <= MAX_VALUES)
    except SessionNotFound:
        return worked_example_source(_("There is no session {id} (any more): here is the worked example instead.").format(id=session_id))
    except StepRefused as error:
        return worked_example_source(_("Session {id} cannot run its next iteration ({reason}): here is the worked example instead.").format(
            id=session_id, reason=error.message))
    if update is None:
        return worked_example_source(_(
            "Session {id}'s graph has more than {most} values for one sample, more than this page draws: "
            "here is the worked example instead (the same operations, fewer of them)."
        ).format(id=session_id, most=MAX_VALUES))
    return session_source(update)
