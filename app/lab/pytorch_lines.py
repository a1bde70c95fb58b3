""""In PyTorch": the PyTorch lines that compute what the last step computed, for this session's
network (its layer names and shapes, its loss and optimizer), beside the narration.

The code comes from app/sessions/pytorch_code, the source of the exported program too, so
every line shown here is a line that runs in the export. Numbers in the comments are those of
the sample in focus, printed as Python prints them (ASCII, 4 significant digits).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

import numpy as np

from app.i18n import _
from app.sessions import pytorch_code as code
from app.ui.numbers import plain

ROW_VALUES = 4  # a comment shows at most this many numbers of a row


@dataclass
class CodeLine:
    code: str
    comment: str = ""


@dataclass
class PyTorchLines:
    session_id: str
    lines: list[CodeLine] = field(default_factory=list)
    note: str = ""  # one sentence under the code
    graph_url: str = ""  # the lesson's autograd graph of this network, for the sample in focus


def _short(value: float) -> str:
    return plain(value, 4)  # ASCII, as Python prints it: the comments sit in code


def _row(values) -> str:
    values = np.asarray(values, dtype=float).ravel()
    shown = [_short(v) for v in values[:ROW_VALUES]]
    if values.size > ROW_VALUES:
        shown.append("...")
    return "[" + ", ".join(shown) + "]"


def _shape(array) -> str:
    """As Python writes a tuple: (3, 6), (3,)."""
    shape = np.shape(array)
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(str(n) for n in shape) + ")"


def _batch_rows(doc: dict) -> int:
    a0 = doc["layers"][0].get("a")
    return int(np.shape(a0)[0]) if a0 is not None else 0


@lru_cache(maxsize=1024)  # the same for every step of a session: urlencode costs more than the lines
def _graph_url(session_id: str, focus: int) -> str:
    return f"/learn/pytorch?{urlencode({'session': session_id, 'focus': focus})}"


def pytorch_lines(doc: dict, focus: int = 0) -> PyTorchLines:
    """The lines for the session's last step (the model itself before the first one)."""
    step = doc.get("last_step")
    view = PyTorchLines(session_id=doc["id"], graph_url=_graph_url(doc["id"], focus))
    if not step:
        _model(doc, view)
    elif step["phase"] == "forward":
        _forward(doc, step["layer"], focus, view)
    elif step["phase"] == "loss":
        _loss(doc, view)
    elif step["phase"] == "backward":
        _backward(doc, step["layer"], focus, view)
    else:
        _update(doc, view)
    return view


def _model(doc: dict, view: PyTorchLines) -> None:
    layers = doc["layers"]
    sizes = [layer["size"] for layer in layers]
    for l in range(1, len(layers)):
        view.lines.append(CodeLine(
            code.linear_line(l, sizes[l - 1], sizes[l]),
            _("weight {shape} is W of layer {l}, bias ({n},) is b").format(shape=_shape(layers[l]["W"]), l=l, n=sizes[l]),
        ))
    view.lines.append(CodeLine(f"layers = [{', '.join(code.layer_name(l) for l in range(1, len(layers)))}]", ""))
    data = doc["config"].get("data")
    features = data.get("features") if isinstance(data, dict) else None
    if features:
        view.lines.append(CodeLine(code.inputs_line(features, 0), _("the features, from the raw columns x1..xn")))
    view.lines.append(CodeLine("x = inputs[BATCH]", _("this iteration's rows of the dataset, by index")))
    view.lines.append(CodeLine("a0 = x", _("the batch: {rows} rows of {n} inputs, {shape}").format(
        rows=_batch_rows(doc), n=sizes[0], shape=f"({_batch_rows(doc)}, {sizes[0]})")))
    view.note = _("The network as PyTorch builds it: one torch.nn.Linear per layer, in float64 "
                  "(torch.set_default_dtype(torch.float64)), its weights copied from this session.")


def _forward(doc: dict, l: int, focus: int, view: PyTorchLines) -> None:
    layer = doc["layers"][l]
    z_line, a_line = code.forward_lines(l, layer["activation"])
    rows = _batch_rows(doc)
    view.lines.append(CodeLine(z_line, _("{shape}: a{p} @ layer{l}.weight.T + layer{l}.bias; row {row} = {values}").format(
        shape=_shape(layer["z"]), p=l - 1, l=l, row=focus, values=_row(np.asarray(layer["z"])[focus]))))
    view.lines.append(CodeLine(a_line, _("{shape}; row {row} = {values}").format(
        shape=_shape(layer["a"]), row=focus, values=_row(np.asarray(layer["a"])[focus]))))
    view.note = _("PyTorch computes all {rows} rows of the batch at once; autograd records both "
                  "operations so that backward can run them in reverse.").format(rows=rows)


def _loss(doc: dict, view: PyTorchLines) -> None:
    L = len(doc["layers"]) - 1
    name = doc["loss"]["name"]
    value = _short(doc["loss"]["value"])
    comments = {
        "mse": _("the mean of (a{L} - y)**2 over every number of the batch = {value}"),
        "bce": _("the mean of -(y log a{L} + (1 - y) log(1 - a{L})) = {value}"),
        "cross_entropy": _("takes the logits z{L}, not a{L}: softmax is inside it; y holds probability rows; = {value}"),
    }
    view.lines.append(CodeLine(code.loss_line(name, L), comments[name].format(L=L, value=value)))
    view.lines.append(CodeLine("loss.item()", value))
    if code.fuses_softmax(name):
        view.note = _("F.cross_entropy fuses softmax with the loss, as this session does: its gradient "
                      "with respect to z is (a - y) / B, which stays exact where a softmax output is tiny.")
    else:
        view.note = _("reduction='mean', PyTorch's default, is what this session uses too.")


def _backward(doc: dict, l: int, focus: int, view: PyTorchLines) -> None:
    layers = doc["layers"]
    L = len(layers) - 1
    layer = layers[l]
    grad = layer["grad"]
    if l == L:
        retained = ", ".join(f"z{k}, a{k}" for k in range(1, L + 1))
        view.lines.append(CodeLine(f"for t in ({retained}):", ""))
        view.lines.append(CodeLine("    t.retain_grad()", _("before backward: keep z.grad and a.grad, which PyTorch frees otherwise")))
        view.lines.append(CodeLine("loss.backward()", _("runs every backward step at once, layer {L} down to 1").format(L=L)))
        view.note = _("PyTorch does the whole backward pass in one call; this page runs it one layer at a "
                      "time so you can see each gradient appear.")
    else:
        view.lines.append(CodeLine("# loss.backward()", _("already ran: layer {l}'s gradients were filled by the same call").format(l=l)))
        view.note = _("Layer {l}'s numbers come from the same loss.backward(): autograd sent delta back "
                      "through layer{next}.weight, as the formula above does.").format(l=l, next=l + 1)
    name = code.layer_name(l)
    dW, db = np.asarray(grad["W"]), np.asarray(grad["b"])
    view.lines.append(CodeLine(f"{name}.weight.grad", _("{shape}, row 0 = {values}: the numbers just shown").format(
        shape=_shape(dW), values=_row(dW[0]))))
    view.lines.append(CodeLine(f"{name}.bias.grad", _("{shape} = {values}").format(shape=_shape(db), values=_row(db))))
    view.lines.append(CodeLine(f"z{l}.grad", _("delta {shape}; row {row} = {values}").format(
        shape=_shape(grad["z"]), row=focus, values=_row(np.asarray(grad["z"])[focus]))))
    if l == L and code.fuses_softmax(doc["loss"]["name"]):
        view.lines.append(CodeLine(f"a{l}.grad", _("None: the loss took z{l}, so a{l} is not on its path (the page still shows dL/da)").format(l=l)))
    else:
        view.lines.append(CodeLine(f"a{l}.grad", _("dL/da {shape}; row {row} = {values}").format(
            shape=_shape(grad["a"]), row=focus, values=_row(np.asarray(grad["a"])[focus]))))


def _update(doc: dict, view: PyTorchLines) -> None:
    optimizer = doc["config"]["optimizer"]
    name = optimizer["name"]
    view.lines.append(CodeLine("parameters = [p for layer in layers for p in (layer.weight, layer.bias)]", ""))
    view.lines.append(CodeLine(code.optimizer_line(name, optimizer), _("made once, before the first iteration")))
    if optimizer.get("weight_decay", 0.0):
        view.lines.append(CodeLine("# g = p.grad + weight_decay * p", _("weight decay first, biases included")))
    if name == "adam":
        view.lines.append(CodeLine("optimizer.step()", _("m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; p -= lr * m_hat / (sqrt(v_hat) + eps)")))
        view.note = _("Adam keeps, in optimizer.state[p], the step count and two running averages per parameter "
                      "(exp_avg and exp_avg_sq); the export carries them over.")
    elif optimizer.get("momentum", 0.0):
        view.lines.append(CodeLine("optimizer.step()", _("buf = momentum*buf + g; p -= lr * buf, for every parameter")))
        view.note = _("SGD with momentum keeps one buffer per parameter in optimizer.state[p][\"momentum_buffer\"]; "
                      "the export carries it over.")
    else:
        view.lines.append(CodeLine("optimizer.step()", _("p -= lr * g, for every parameter")))
        view.note = _("Plain SGD keeps no state: the step uses only this iteration's gradients.")
    W1 = np.asarray(doc["layers"][1]["W"])
    view.lines.append(CodeLine("layer1.weight", _("{shape}, row 0 = {values} now").format(shape=_shape(W1), values=_row(W1[0]))))
    view.lines.append(CodeLine("optimizer.zero_grad()", _("before the next backward: PyTorch adds gradients up, it does not replace them")))
