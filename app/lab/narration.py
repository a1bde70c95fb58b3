"""What the last step did: sentences (translated) and MathML formulas with the actual numbers.

Numbers are those of the sample in focus (one row of the batch); the sentences say so when the
batch has more rows. Works on a Session document only, so it is tested without the service.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from markupsafe import Markup

from app.engine.activations import get_activation
from app.engine.expressions import Assignment, symbols
from app.engine.losses import get_loss
from app.engine.optimizers import make_optimizer
from app.i18n import _, lazy, ngettext
from app.lab.idea_links import BY_PHASE, LessonLink, translated
from app.lab.layout import clamp_focus
from app.ui.mathml import (
    expression, indexed, math, mfrac, mi, mn, mo, mover, mrow, msub, msup, mtext, munder, num, partial, weight,
)
from app.ui.numbers import fmt
from app.lab.pytorch_lines import PyTorchLines, pytorch_lines

MAX_TERMS = 4  # longer sums show their first terms, an ellipsis and the last term
UNITS_SHOWN = 2  # formulas for the first units of a layer; the others work the same way

# The engine's words that pages show (loss display names, optimizer summaries), listed so that
# the web catalog holds their translations (tests/lab/test_narration.py checks the list is whole).
ENGINE_MSGIDS = (
    lazy("the mean squared error"), lazy("binary cross-entropy"), lazy("cross-entropy"),
    lazy("Each parameter moves against its gradient: w \u2190 w \u2212 \u03b7 \u00b7 \u2202L/\u2202w."),
    lazy("SGD with momentum %(momentum)s: each parameter moves along a running sum of its gradients."),
    lazy("Adam moves each parameter by its own step size, from running averages of its gradients."),
    lazy("Weight decay \u03bb = %(weight_decay)s: the update uses g + \u03bb \u00b7 w instead of the gradient g "
         "(biases too), so every parameter is also pulled towards zero."),
)

# An update's report (Optimizer.explain) for one parameter, bound to the loaded session:
# (layer, to, from) -> its lines, or None when the last step was no update
UpdateReport = Callable[[int, int, int | None], list[Assignment] | None]


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


def _f_prime() -> Markup:
    """f′ as printed: the prime glyph beside the f (as a superscript it sits detached above it)."""
    return mrow(mi("f"), mo("\u2032"))


def _hat(letter: str) -> Markup:
    return mover(mi(letter), mo("^"))


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


def narrate(doc: dict, focus: int = 0, update_report: UpdateReport | None = None) -> Narration:
    """update_report: what the last update did to a parameter (the optimizer's own account);
    without it the update narration shows the new values only."""
    narration = _narrate(doc, focus, update_report)
    narration.pytorch = pytorch_lines(doc, clamp_focus(doc, focus))  # "In PyTorch" (app/lab/pytorch_lines.py)
    return narration


def _narrate(doc: dict, focus: int, update_report: UpdateReport | None) -> Narration:
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
        narration = _update(doc, update_report)
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
        formulas.append(_z_definition(l, j))
        formulas.append(math(
            mo("="), *_sum_terms(pairs), mo("+"), num(b[j], 4), mo("="), mn(z[j]),
            label=f"z{j} = {fmt(z[j])}",
        ))
        formulas.append(_activation_formula(activation, l, j, z, a))
    if layer["size"] > UNITS_SHOWN:
        others = layer["size"] - UNITS_SHOWN
        sentences.append(ngettext("The %(count)d other unit of the layer works the same way; its value is in the drawing.",
                                  "The other %(count)d units of the layer work the same way; their values are in the drawing.",
                                  others) % {"count": others})
    return Narration(title=_("Forward through layer %(layer)d") % {"layer": l}, sentences=sentences, formulas=formulas)


# The definitions are the same at every step: written once per layer and unit (and activation).

@lru_cache(maxsize=1024)
def _z_definition(l: int, j: int) -> Markup:
    return math(
        indexed("z", str(j), l), mo("="), munder(mo("\u2211"), mi("i")),
        msub(mi("w"), mrow(mn(str(j)), mo(","), mi("i"))),
        indexed("a", "i", l - 1), mo("+"), indexed("b", str(j), l),
        label=f"z{j} = sum w a + b",
    )


@lru_cache(maxsize=1024)
def _activation_definition(activation: str, l: int, j: int) -> Markup:
    """f(z) as the engine writes f, for unit j of layer l."""
    return expression(get_activation(activation).formula, _activation_notation(l, j))


def _activation_notation(l: int, j: int) -> dict[str, Markup]:
    return {"z": indexed("z", str(j), l), "z_k": indexed("z", "k")}


def _activation_formula(activation: str, l: int, j: int, z: np.ndarray, a: np.ndarray) -> Markup:
    """a = f(z) = f(number) = number, as the engine writes f; a formula that needs the other
    units (softmax's sum) shows its value only."""
    formula = get_activation(activation).formula
    parts = [indexed("a", str(j), l), mo("="), _activation_definition(activation, l, j)]
    if formula[0] != "sym" and symbols(formula) == {"z"}:
        parts += [mo("="), expression(formula, _activation_notation(l, j), {"z": float(z[j])})]
    return math(*parts, mo("="), mn(a[j]), label=f"a{j} = {fmt(a[j])}")


def _loss(doc: dict, focus: int) -> Narration:
    loss = get_loss(doc["loss"]["name"])
    value = doc["loss"]["value"]
    L = len(doc["layers"]) - 1
    y_hat = _arr(doc["layers"][L]["a"])
    y = _arr(doc["batch"]["targets"]) if doc.get("batch") else None
    rows, outs = (y_hat.shape if y_hat is not None else (0, 0))
    name = _(loss.display_name)
    if loss.averages_rows:  # mean over rows of each row's sum: -(1/B) sum sum y_k log y_hat_k
        sentences = [_("Loss: %(name)s, the average over the %(rows)d rows of the sum of each row's terms: "
                       "L = %(value)s.") % {"name": name, "rows": rows, "value": fmt(value, 6)}]
        notation = {"y_hat": msub(mi("\u0177"), mi("k")), "y": msub(mi("y"), mi("k"))}
        prefactor, sums, count = mfrac(mn("1"), mi("B")), [mo("\u2211"), munder(mo("\u2211"), mi("k"))], rows
    else:  # mean over every element of the output
        sentences = [_("Loss: %(name)s, the average of its terms over the %(count)d numbers of the output "
                       "(batch rows \u00d7 output units = %(rows)d \u00d7 %(outs)d): L = %(value)s.")
                     % {"name": name, "count": rows * outs, "rows": rows, "outs": outs, "value": fmt(value, 6)}]
        notation = {"y_hat": mi("\u0177"), "y": mi("y")}
        prefactor, sums, count = mfrac(mn("1"), mrow(mi("B"), mo("\u00b7"), mi("n"))), [mo("\u2211")], rows * outs
    formulas = [math(mi("L"), mo("="), prefactor, *sums, expression(loss.term, notation), label="L")]
    worked: list[Markup] = []  # the terms with their numbers, for one row of few outputs
    if rows == 1 and y is not None and outs <= MAX_TERMS:
        terms = []
        for k in range(outs):
            if terms:
                terms.append(mo("+"))
            terms.append(expression(loss.term, notation, {"y_hat": float(y_hat[0, k]), "y": float(y[0, k])}))
        worked = [mo("="), *([mfrac(mn("1"), mn(str(count)))] if count > 1 else []), mrow(mo("["), *terms, mo("]"))]
    formulas.append(math(*worked, mo("="), mn(value, 6), label=f"L = {fmt(value, 6)}"))
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
    activation = get_activation(layer["activation"])
    loss = get_loss(doc["loss"]["name"])
    grad = layer["grad"]
    dA = _arr(grad["a"])
    dA = None if dA is None else dA[focus]
    delta = _arr(grad["z"])[focus]
    z = _arr(layer["z"])[focus]
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
    fused_targets = _arr(doc["batch"]["targets"]) if l == L and doc.get("batch") and loss.fuses_with(activation) else None
    if fused_targets is not None:
        # the loss and the output activation together: delta from y_hat and y, without dL/da
        y_hat_row, y_row = _arr(layer["a"])[focus], fused_targets[focus]
        formula = loss.fused_delta_formula(y_row)
        notation = {"y_hat": indexed("\u0177", str(j)), "y": indexed("y", str(j)), "B": mi("B"),
                    "sum_y": mrow(munder(mo("\u2211"), mi("k")), indexed("y", "k"))}
        numbers = {"y_hat": float(y_hat_row[j]), "y": float(y_row[j]), "B": rows, "sum_y": float(y_row.sum())}
        sentences.append(_("With this loss after this output activation the chain rule simplifies: "
                           "\u03b4 = \u2202L/\u2202z comes straight from the output \u0177 and the target y, "
                           "divided by the %(rows)d rows of the batch.") % {"rows": rows})
        formulas.append(math(indexed("\u03b4", str(j), l), mo("="), partial(mi("L"), indexed("z", str(j), l)),
                             mo("="), expression(formula, notation), label=f"delta{j} = (y_hat - y)/B"))
        formulas.append(math(mo("="), expression(formula, notation, numbers), mo("="), mn(delta[j]),
                             label=f"delta{j} = {fmt(delta[j])}"))
    elif not activation.elementwise:
        sentences.append(_("Softmax couples the units of its layer, so \u03b4 comes from its whole Jacobian, "
                           "not from f\u2032(z) alone."))
        formulas.append(math(indexed("\u03b4", str(j), l), mo("="), partial(mi("L"), indexed("z", str(j), l)),
                             mo("="), mn(delta[j]), label=f"delta{j} = {fmt(delta[j])}"))
    else:
        f_prime = activation.derivative_at(z)
        formulas.append(_delta_definition(l, j))  # the definition, then its numbers: one line was too wide for a projector
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


@lru_cache(maxsize=1024)
def _delta_definition(l: int, j: int) -> Markup:
    return math(
        indexed("\u03b4", str(j), l), mo("="), partial(mi("L"), indexed("a", str(j), l)), mo("\u00b7"),
        _f_prime(), mo("("), indexed("z", str(j), l), mo(")"),
        label=f"delta{j} = dL/da{j} * f'(z{j})",
    )


# how an update report's symbols are written; "w" and "g" are the parameter's own
def _update_notation(parameter: Markup) -> dict[str, Markup]:
    return {
        "w": parameter, "g": partial(mi("L"), parameter), "lr": mi("\u03b7"), "mu": mi("\u03bc"),
        "v": mi("v"), "m": mi("m"), "m_hat": _hat("m"), "v_hat": _hat("v"),
        "beta1": msub(mi("\u03b2"), mn("1")), "beta2": msub(mi("\u03b2"), mn("2")), "t": mi("t"), "eps": mi("\u03b5"),
        "lambda": mi("\u03bb"),  # weight decay
    }


def _update(doc: dict, update_report: UpdateReport | None) -> Narration:
    layers = doc["layers"]
    L = len(layers) - 1
    optimizer = make_optimizer(doc["config"]["optimizer"])
    history = doc.get("history") or []
    loss = history[-1]["loss"] if history else doc["loss"]["value"]
    sentences = [
        _("Update: every weight and bias changes, with learning rate \u03b7 = %(lr)s.") % {"lr": fmt(optimizer.lr)},
        _(optimizer.summary) % {name: fmt(value) for name, value in optimizer.hyperparameters().items()},
        *([_(optimizer.decay_summary) % {"weight_decay": fmt(optimizer.weight_decay)}] if optimizer.decay_summary else []),
        _("Iteration %(iteration)d is done; its loss %(loss)s joins the curve.") % {
            "iteration": doc["iteration"], "loss": fmt(loss, 6)},
    ]
    formulas = []
    for l in sorted({L, 1}, reverse=True):
        w = weight(l, 0, 0)
        lines = update_report(l, 0, 0) if update_report is not None else None
        if not lines:
            new = float(_arr(layers[l]["W"])[0, 0])
            formulas.append(math(w, mo("="), mn(new, 8), label=f"w = {fmt(new, 8)}"))
            continue
        notation = _update_notation(w)
        for line in lines:  # each line: its rule, then its numbers (one line is too wide for a projector)
            formulas.append(math(notation[line.target], mo("\u2190"), expression(line.expression, notation),
                                 label=f"{line.target} <- {line.target}"))
            digits = 8 if line.target == "w" else 5  # the new value in full; the steps to it short, to fit a line
            formulas.append(math(mo("="), expression(line.expression, notation, line.values), mo("="),
                                 mn(line.result, digits), label=f"{line.target} = {fmt(line.result, digits)}"))
    return Narration(title=_("Update"), sentences=sentences, formulas=formulas)
