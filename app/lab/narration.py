"""What the last step did: sentences (translated) and MathML formulas with the actual numbers.

Numbers are those of the sample in focus (one row of the batch); the sentences say so when the
batch has more rows. Works on a Session document only, so it is tested without the service.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from markupsafe import Markup

from app.engine.activations import get_activation
from app.i18n import _
from app.lab.layout import clamp_focus
from app.ui.mathml import (
    indexed, math, mfrac, mi, mn, mo, mrow, msub, msup, mtext, munder, num, partial, weight,
)
from app.ui.numbers import fmt
from app.lab.idea_links import BY_PHASE, LessonLink, translated
from app.lab.pytorch_lines import PyTorchLines, pytorch_lines

MAX_TERMS = 4  # longer sums show their first terms, an ellipsis and the last term
UNITS_SHOWN = 2  # formulas for the first units of a layer; the others work the same way


@dataclass
class Narration:
    title: str
    sentences: list[str] = field(default_factory=list)
    formulas: list[Markup] = field(default_factory=list)
    phase: str = ""
    lessons: list[LessonLink] = field(default_factory=list)  # the lesson pages of the ideas it uses
    pytorch: PyTorchLines | None = None  # "In PyTorch": the same step as PyTorch lines


def _arr(value) -> np.ndarray | None:
    return None if value is None else np.asarray(value, dtype=float)


def f_symbol(activation: str) -> Markup:
    symbols = {"sigmoid": mi("\u03c3"), "tanh": mi("tanh", True), "relu": mi("ReLU", True),
               "leaky_relu": mi("LeakyReLU", True), "linear": mi("id", True), "softmax": mi("softmax", True)}
    return symbols[activation]


def _f_prime() -> Markup:
    return msup(mi("f"), mo("\u2032"))


def _sum_terms(pairs: list[tuple[float, float]]) -> list[Markup]:
    """w·a + w·a + ... with an ellipsis for long sums."""
    shown = list(enumerate(pairs))
    if len(pairs) > MAX_TERMS:
        shown = shown[: MAX_TERMS - 1] + [(None, None)] + shown[-1:]
    parts: list[Markup] = []
    for index, pair in shown:
        if parts:
            parts.append(mo("+"))
        if index is None:
            parts.append(mo("\u22ef"))
            continue
        parts.append(mrow(num(pair[0], 4), mo("\u00b7"), num(pair[1], 4)))
    return parts


def narrate(doc: dict, focus: int = 0, before: dict | None = None) -> Narration:
    narration = _narrate(doc, focus, before)
    narration.pytorch = pytorch_lines(doc, clamp_focus(doc, focus))
    return narration


def _narrate(doc: dict, focus: int, before: dict | None) -> Narration:
    step = doc.get("last_step")
    focus = clamp_focus(doc, focus)
    if not step:
        return Narration(
            title=_("Ready"),
            sentences=[_("Nothing is computed yet in this iteration: the batch is loaded into layer 0. "
                         "Press Step (or the right arrow key) to run the forward pass of layer 1.")],
        )
    phase = step["phase"]
    if phase == "forward":
        narration = _forward(doc, step["layer"], focus)
    elif phase == "loss":
        narration = _loss(doc, focus)
    elif phase == "backward":
        narration = _backward(doc, step["layer"], focus)
    else:
        narration = _update(doc, before)
    narration.phase = phase
    narration.lessons = translated(BY_PHASE[phase])
    rows = int(np.asarray(doc["layers"][0]["a"]).shape[0]) if doc["layers"][0].get("a") is not None else 0
    if rows > 1 and phase != "update":
        narration.sentences.append(
            _("The numbers are those of sample %(row)d of %(rows)d in the batch; every row is computed the same way.")
            % {"row": focus, "rows": rows}
        )
    return narration


def _forward(doc: dict, l: int, focus: int) -> Narration:
    layer = doc["layers"][l]
    activation = layer["activation"]
    prev_a = _arr(doc["layers"][l - 1]["a"])[focus]
    z = _arr(layer["z"])[focus]
    a = _arr(layer["a"])[focus]
    W = _arr(layer["W"])
    b = _arr(layer["b"])
    sentences = [
        _("Forward, layer %(layer)d: each unit adds up its inputs times their weights, plus its bias, "
          "which gives z; then it applies its activation function %(f)s, which gives a.")
        % {"layer": l, "f": activation}
    ]
    formulas = []
    for j in range(min(UNITS_SHOWN, layer["size"])):
        pairs = [(W[j, i], prev_a[i]) for i in range(W.shape[1])]
        # two lines, the definition and then its numbers, so a 1366-pixel screen shows them whole
        formulas.append(math(
            indexed("z", str(j), l), mo("="), munder(mo("\u2211"), mi("i")),
            msub(mi("w"), mrow(mn(str(j)), mo(","), mi("i"))),
            indexed("a", "i", l - 1), mo("+"), indexed("b", str(j), l),
            label=f"z{j} = sum w a + b",
        ))
        formulas.append(math(
            mo("="), *_sum_terms(pairs), mo("+"), num(b[j], 4), mo("="), mn(z[j]),
            label=f"z{j} = {fmt(z[j])}",
        ))
        formulas.append(_activation_formula(activation, l, j, z, a))
    if layer["size"] > UNITS_SHOWN:
        sentences.append(_("The other %(count)d units of the layer work the same way; their values are in the drawing.")
                         % {"count": layer["size"] - UNITS_SHOWN})
    return Narration(title=_("Forward through layer %(layer)d") % {"layer": l}, sentences=sentences, formulas=formulas)


def _activation_formula(activation: str, l: int, j: int, z: np.ndarray, a: np.ndarray) -> Markup:
    label = f"a{j} = {fmt(a[j])}"
    if activation == "softmax":
        return math(
            indexed("a", str(j), l), mo("="),
            mfrac(msup(mi("e"), indexed("z", str(j))), mrow(munder(mo("\u2211"), mi("k")), msup(mi("e"), indexed("z", "k")))),
            mo("="), mn(a[j]), label=label,
        )
    if activation == "linear":
        return math(indexed("a", str(j), l), mo("="), indexed("z", str(j), l), mo("="), mn(a[j]), label=label)
    return math(
        indexed("a", str(j), l), mo("="), f_symbol(activation), mo("("), indexed("z", str(j), l), mo(")"),
        mo("="), f_symbol(activation), mo("("), mn(z[j]), mo(")"), mo("="), mn(a[j]), label=label,
    )


def _loss(doc: dict, focus: int) -> Narration:
    name = doc["loss"]["name"]
    value = doc["loss"]["value"]
    L = len(doc["layers"]) - 1
    y_hat = _arr(doc["layers"][L]["a"])
    y = _arr(doc["batch"]["targets"]) if doc.get("batch") else None
    rows, outs = (y_hat.shape if y_hat is not None else (0, 0))
    y_hat_sym, y_sym = mi("\u0177"), mi("y")
    worked: list[Markup] = []  # the terms with their numbers, for one row of few outputs
    if name == "mse":
        sentences = [_("Loss: the mean squared error, the average of (\u0177 \u2212 y)\u00b2 over the %(count)d numbers "
                       "of the output (batch rows \u00d7 output units = %(rows)d \u00d7 %(outs)d): L = %(value)s.")
                     % {"count": rows * outs, "rows": rows, "outs": outs, "value": fmt(value, 6)}]
        generic = [mi("L"), mo("="), mfrac(mn("1"), mrow(mi("B"), mo("\u00b7"), mi("n"))), mo("\u2211"),
                   msup(mrow(mo("("), y_hat_sym, mo("\u2212"), y_sym, mo(")")), mn("2"))]
        if rows == 1 and y is not None and outs <= MAX_TERMS:
            terms = []
            for k in range(outs):
                if terms:
                    terms.append(mo("+"))
                terms.append(msup(mrow(mo("("), mn(y_hat[0, k]), mo("\u2212"), mn(y[0, k]), mo(")")), mn("2")))
            worked = [mfrac(mn("1"), mn(str(outs))), mrow(mo("["), *terms, mo("]"))]
    elif name == "bce":
        sentences = [_("Loss: binary cross-entropy, the average of \u2212[y log \u0177 + (1 \u2212 y) log(1 \u2212 \u0177)] "
                       "over the %(count)d outputs of the batch: L = %(value)s.") % {"count": rows * outs, "value": fmt(value, 6)}]
        generic = [mi("L"), mo("="), mo("\u2212"), mfrac(mn("1"), mrow(mi("B"), mo("\u00b7"), mi("n"))), mo("\u2211"),
                   mrow(mo("["), y_sym, mi("log", True), y_hat_sym, mo("+"), mrow(mo("("), mn("1"), mo("\u2212"), y_sym, mo(")")),
                        mi("log", True), mrow(mo("("), mn("1"), mo("\u2212"), y_hat_sym, mo(")")), mo("]"))]
    else:
        sentences = [_("Loss: cross-entropy, the average over the %(rows)d rows of \u2212\u2211 y log \u0177: "
                       "L = %(value)s.") % {"rows": rows, "value": fmt(value, 6)}]
        generic = [mi("L"), mo("="), mo("\u2212"), mfrac(mn("1"), mi("B")), mo("\u2211"), mo("\u2211"),
                   msub(mi("y"), mi("k")), mi("log", True), msub(y_hat_sym, mi("k"))]
    formulas = [math(*generic, label="L")]
    worked_out = [mo("="), *worked] if worked else []
    formulas.append(math(*worked_out, mo("="), mn(value, 6), label=f"L = {fmt(value, 6)}"))
    if y is not None and y_hat is not None:
        sentences.append(_("For sample %(row)d the output is \u0177 = %(y_hat)s and the target is y = %(y)s.")
                         % {"row": focus, "y_hat": _vector(y_hat[focus]), "y": _vector(y[focus])})
    return Narration(title=_("Loss"), sentences=sentences, formulas=formulas)


def _vector(values: np.ndarray) -> str:
    shown = [fmt(v) for v in values[:MAX_TERMS]]
    if len(values) > MAX_TERMS:
        shown.append("\u2026")
    return "(" + ", ".join(shown) + ")"


def _backward(doc: dict, l: int, focus: int) -> Narration:
    layers = doc["layers"]
    L = len(layers) - 1
    layer = layers[l]
    activation = layer["activation"]
    grad = layer["grad"]
    dA = _arr(grad["a"])[focus]
    delta = _arr(grad["z"])[focus]
    z = _arr(layer["z"])[focus]
    f_prime = get_activation(activation).grad(z[None, :])[0]  # a (1, n) row: softmax works on rows
    prev_a = _arr(layers[l - 1]["a"])
    dW = _arr(grad["W"])
    rows = prev_a.shape[0]
    sentences = [
        _("Backward, layer %(layer)d: each unit's error signal is \u03b4 = \u2202L/\u2202a \u00b7 f\u2032(z); "
          "the gradient of a weight is the \u03b4 of the unit it enters times the activation it comes from.")
        % {"layer": l}
    ]
    if l == L:
        sentences.append(_("At the output, \u2202L/\u2202a comes straight from the loss."))
    else:
        sentences.append(_("Here \u2202L/\u2202a is the \u03b4 of layer %(next)d sent back through its weights.") % {"next": l + 1})
    formulas = []
    j = 0
    if l < L:
        W_next = _arr(layers[l + 1]["W"])
        delta_next = _arr(layers[l + 1]["grad"]["z"])[focus]
        pairs = [(W_next[k, j], delta_next[k]) for k in range(W_next.shape[0])]
        formulas.append(math(
            partial(mi("L"), indexed("a", str(j), l)), mo("="), munder(mo("\u2211"), mi("k")),
            msub(mi("w"), mrow(mi("k"), mo(","), mn(str(j)))), indexed("\u03b4", "k", l + 1),
            mo("="), *_sum_terms(pairs), mo("="), mn(dA[j]), label=f"dL/da{j} = {fmt(dA[j])}",
        ))
    if activation == "softmax":
        sentences.append(_("Softmax couples the units of its layer, so \u03b4 comes from its whole Jacobian, "
                           "not from f\u2032(z) alone."))
        formulas.append(math(indexed("\u03b4", str(j), l), mo("="), partial(mi("L"), indexed("z", str(j), l)),
                             mo("="), mn(delta[j]), label=f"delta{j} = {fmt(delta[j])}"))
    else:
        formulas.append(math(  # the definition, then its numbers: one line was too wide for a projector
            indexed("\u03b4", str(j), l), mo("="), partial(mi("L"), indexed("a", str(j), l)), mo("\u00b7"),
            _f_prime(), mo("("), indexed("z", str(j), l), mo(")"),
            label=f"delta{j} = dL/da{j} * f'(z{j})",
        ))
        formulas.append(math(
            mo("="), num(dA[j]), mo("\u00d7"), num(f_prime[j]), mo("="), mn(delta[j]),
            label=f"delta{j} = {fmt(delta[j])}",
        ))
    for i in range(min(UNITS_SHOWN, layers[l - 1]["size"])):
        parts = [partial(mi("L"), weight(l, j, i)), mo("=")]
        if rows == 1:
            parts += [indexed("\u03b4", str(j), l), mo("\u00b7"), indexed("a", str(i), l - 1), mo("="),
                      num(delta[j]), mo("\u00d7"), num(prev_a[focus, i])]
        else:
            parts += [munder(mo("\u2211"), mtext(_("rows"))), indexed("\u03b4", str(j), l), mo("\u00b7"),
                      indexed("a", str(i), l - 1)]
        parts += [mo("="), mn(dW[j, i])]
        formulas.append(math(*parts, label=f"dL/dw{j}{i} = {fmt(dW[j, i])}"))
    if rows > 1:
        sentences.append(_("A weight's gradient adds up \u03b4 \u00b7 a over the %(rows)d rows of the batch "
                           "(the loss is their mean, which is already inside \u03b4).") % {"rows": rows})
    return Narration(title=_("Backward through layer %(layer)d") % {"layer": l}, sentences=sentences, formulas=formulas)


def old_parameter(doc: dict, before: dict | None, layer: int, to: int, from_: int | None) -> float | None:
    """A parameter's value before the last update: from the document before the step when the route
    has it, else recovered exactly for plain SGD (w_old = w_new + lr * g)."""
    if before is not None:
        source = before["layers"][layer]
        return float(_arr(source["b"])[to] if from_ is None else _arr(source["W"])[to, from_])
    optimizer = doc["config"]["optimizer"]
    if optimizer["name"] != "sgd" or optimizer.get("momentum", 0.0):
        return None
    grad = doc["layers"][layer]["grad"]
    g = grad["b"] if from_ is None else grad["W"]
    if g is None:
        return None
    new = _arr(doc["layers"][layer]["b"])[to] if from_ is None else _arr(doc["layers"][layer]["W"])[to, from_]
    g_value = _arr(g)[to] if from_ is None else _arr(g)[to, from_]
    return float(new + optimizer["learning_rate"] * g_value)


def _update(doc: dict, before: dict | None) -> Narration:
    layers = doc["layers"]
    L = len(layers) - 1
    optimizer = doc["config"]["optimizer"]
    lr = optimizer["learning_rate"]
    history = doc.get("history") or []
    loss = history[-1]["loss"] if history else doc["loss"]["value"]
    if optimizer["name"] == "adam":
        rule = _("Adam moves each parameter by its own step size, from running averages of its gradients.")
    elif optimizer.get("momentum", 0.0):
        rule = _("SGD with momentum %(momentum)s: each parameter moves along a running sum of its gradients.") % {
            "momentum": fmt(optimizer["momentum"])}
    else:
        rule = _("Each parameter moves against its gradient: w \u2190 w \u2212 \u03b7 \u00b7 \u2202L/\u2202w.")
    sentences = [
        _("Update: every weight and bias changes, with learning rate \u03b7 = %(lr)s.") % {"lr": fmt(lr)},
        rule,
        _("Iteration %(iteration)d is done; its loss %(loss)s joins the curve.") % {
            "iteration": doc["iteration"], "loss": fmt(loss, 6)},
    ]
    formulas = []
    plain_sgd = optimizer["name"] == "sgd" and not optimizer.get("momentum", 0.0)
    for l in sorted({L, 1}, reverse=True):
        new = float(_arr(layers[l]["W"])[0, 0])
        old = old_parameter(doc, before, l, 0, 0)
        g = layers[l]["grad"]["W"]
        if plain_sgd and old is not None and g is not None:
            formulas.append(math(weight(l, 0, 0), mo("\u2190"), weight(l, 0, 0), mo("\u2212"), mi("\u03b7"),
                                 partial(mi("L"), weight(l, 0, 0)), label="w <- w - lr * dL/dw"))
            formulas.append(math(mo("="), num(old), mo("\u2212"), num(lr), mo("\u00d7"), num(float(_arr(g)[0, 0])),
                                 mo("="), mn(new, 8), label=f"w = {fmt(new, 8)}"))
        elif old is not None:
            formulas.append(math(weight(l, 0, 0), mo(":"), mn(old, 8), mo("\u2192"), mn(new, 8),
                                 label=f"w = {fmt(new, 8)}"))
        else:
            formulas.append(math(weight(l, 0, 0), mo("="), mn(new, 8), label=f"w = {fmt(new, 8)}"))
    return Narration(title=_("Update"), sentences=sentences, formulas=formulas)


