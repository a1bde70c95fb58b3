"""The inspector: one edge or one unit, with the chain-rule ledger and the numeric estimate.

The ledger uses the sample in focus; the batch gradient sums the same product over the rows.
The central difference (L(w+eps) - L(w-eps)) / 2eps comes from service.numeric_partial.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from markupsafe import Markup

from app.engine.activations import get_activation
from app.engine.gradients import rel_error
from app.i18n import _
from app.lab.layout import clamp_focus
from app.ui.mathml import indexed, math, mfrac, mi, mn, mo, mrow, mtext, munder, num, partial, weight
from app.ui.numbers import attr, fmt
from app.lab.idea_links import EDGE, LessonLink, translated


@dataclass
class Reading:
    """One labelled number of the inspector (value '' when not computed yet)."""
    label: str
    value: str
    hook: str = ""  # a data-* name for tests and tools


@dataclass
class InspectorView:
    kind: str  # edge | unit
    layer: int
    to: int
    from_: int | None
    title: str
    readings: list[Reading] = field(default_factory=list)
    ledger: list[Markup] = field(default_factory=list)
    ledger_note: str = ""
    lessons: list[LessonLink] = field(default_factory=list)  # the lesson pages behind the ledger
    numeric: list[Markup] = field(default_factory=list)
    numeric_note: str = ""
    numeric_value: str = ""
    analytic_value: str = ""
    edit_value: str = ""  # the exact current value for the edit field ('' when not editable)
    edit_label: str = ""


def _arr(value):
    return None if value is None else np.asarray(value, dtype=float)


def _shown(value: float | None) -> str:
    """A reading's value, empty while it is not computed yet."""
    return "" if value is None else fmt(value, 6)


def _numeric_block(estimate: dict, symbol: Markup, analytic: float | None, after_update: bool = False) -> tuple[list[Markup], str]:
    eps = estimate["eps"]
    definition = math(
        mfrac(mrow(mi("L"), mo("("), symbol, mo("+"), mi("\u03b5"), mo(")"), mo("\u2212"),
                   mi("L"), mo("("), symbol, mo("\u2212"), mi("\u03b5"), mo(")")),
              mrow(mn("2"), mi("\u03b5"))),
        label="(L(w+eps) - L(w-eps)) / 2eps",
    )
    formula = math(
        mo("="),
        mfrac(mrow(mn(estimate["loss_plus"], 10), mo("\u2212"), mn(estimate["loss_minus"], 10)),
              mrow(mn("2"), mo("\u00d7"), mn(eps, 3))),
        mo("="), mn(estimate["numeric"], 7),
        label=_("central difference %(value)s") % {"value": fmt(estimate["numeric"], 7)},
    )
    note = _("A derivative is the limit of a difference quotient: nudging the parameter by \u03b5 = %(eps)s "
             "each way and re-running the batch gives nearly the same slope.") % {"eps": fmt(eps, 3)}
    if after_update:  # the gradients shown were computed before the update, and so is this check
        note += " " + _("The update has changed the parameter; the gradient and this check belong to its value "
                        "before the update, %(old)s.") % {"old": fmt(estimate["at"], 6)}
    if analytic is not None:
        difference = rel_error(analytic, estimate["numeric"])  # what the API's gradcheck reports
        note += " " + _("Relative difference from backpropagation: %(diff)s.") % {"diff": fmt(difference, 2)}
    return [definition, formula], note


def _after_update(doc: dict) -> bool:
    return (doc.get("last_step") or {}).get("phase") == "update"


def edge_view(doc: dict, layer: int, to: int, from_: int, focus: int,
              numeric_partial: Callable[..., dict] | None) -> InspectorView:
    layers = doc["layers"]
    focus = clamp_focus(doc, focus)
    target = layers[layer]
    w = float(_arr(target["W"])[to, from_])
    grad = target["grad"]
    dW = _arr(grad["W"])
    analytic = None if dW is None else float(dW[to, from_])
    view = InspectorView(
        kind="edge", layer=layer, to=to, from_=from_,
        title=_("Weight from unit %(from)d of layer %(prev)d to unit %(to)d of layer %(layer)d")
        % {"from": from_, "prev": layer - 1, "to": to, "layer": layer},
        edit_value=attr(w), edit_label=_("New weight"), lessons=translated(EDGE),
    )
    view.readings = [Reading("w", fmt(w, 6), "w"), Reading("\u2202L/\u2202w", fmt(analytic, 6) if analytic is not None else "", "grad")]
    view.analytic_value = attr(analytic)
    a_prev = _arr(layers[layer - 1]["a"])
    w_sym = weight(layer, to, from_)
    if grad["z"] is None or a_prev is None:
        view.ledger_note = _("Run the backward step of layer %(layer)d to fill in the chain-rule ledger.") % {"layer": layer}
    else:
        dA = float(_arr(grad["a"])[focus, to])
        delta = float(_arr(grad["z"])[focus, to])
        a_i = float(a_prev[focus, from_])
        a_j, z_j = indexed("a", str(to), layer), indexed("z", str(to), layer)
        activation = get_activation(target["activation"])
        if not activation.elementwise:
            view.ledger = [math(partial(mi("L"), w_sym), mo("="), partial(mi("L"), z_j), mo("\u00b7"),
                                partial(z_j, w_sym), mo("="), num(delta, 6), mo("\u00d7"), num(a_i, 6),
                                mo("="), mn(delta * a_i, 6), label=_("chain rule %(value)s") % {"value": fmt(delta * a_i, 6)})]
            view.ledger_note = _("Softmax couples its units: \u2202L/\u2202z comes from its whole Jacobian.")
        else:
            f_prime = float(activation.derivative_at(_arr(target["z"])[focus])[to])
            product = dA * f_prime * a_i
            view.ledger = [
                math(partial(mi("L"), w_sym), mo("="), partial(mi("L"), a_j), mo("\u00b7"), partial(a_j, z_j),
                     mo("\u00b7"), partial(z_j, w_sym), label="dL/dw = dL/da * da/dz * dz/dw"),
                math(mo("="), num(dA, 6), mo("\u00d7"), num(f_prime, 6), mo("\u00d7"), num(a_i, 6),
                     mo("="), mn(product, 6), label=_("chain rule %(value)s") % {"value": fmt(product, 6)}),
            ]
            view.readings += [Reading("\u2202L/\u2202a\u2c7c", fmt(dA, 6), "dl-da"),
                              Reading("f\u2032(z\u2c7c)", fmt(f_prime, 6), "f-prime"),
                              Reading("a\u1d62", fmt(a_i, 6), "a-from")]
        rows = a_prev.shape[0]
        if rows > 1:
            view.ledger.append(math(partial(mi("L"), w_sym), mo("="), munder(mo("\u2211"), mtext(_("rows"))),
                                    mtext("\u2026"), mo("="), mn(analytic, 6), label=_("sum over the batch %(value)s") % {"value": fmt(analytic, 6)}))
            view.ledger_note = (view.ledger_note + " " + _("The ledger is for sample %(row)d; the batch gradient "
                                "adds up the same product over its %(rows)d rows.") % {"row": focus, "rows": rows}).strip()
    if numeric_partial is not None:
        estimate = numeric_partial(layer, to, from_)
        view.numeric, view.numeric_note = _numeric_block(estimate, w_sym, analytic, _after_update(doc))
        view.numeric_value = attr(estimate["numeric"])
    return view


def unit_view(doc: dict, layer: int, unit: int, focus: int,
              numeric_partial: Callable[..., dict] | None) -> InspectorView:
    layers = doc["layers"]
    focus = clamp_focus(doc, focus)
    target = layers[layer]
    a = _arr(target.get("a"))
    a_value = None if a is None else float(a[focus, unit])
    view = InspectorView(kind="unit", layer=layer, to=unit, from_=None,
                         title=_("Unit %(unit)d of layer %(layer)d") % {"unit": unit, "layer": layer})
    if layer == 0:
        view.readings = [Reading(_("input a"), fmt(a_value, 6), "a")]
        view.ledger_note = _("An input unit holds one column of the sample in focus; it has no weights or bias.")
        return view
    grad = target["grad"]
    z = _arr(target["z"])
    z_value = None if z is None else float(z[focus, unit])
    f_prime = None if z is None else float(get_activation(target["activation"]).derivative_at(z[focus])[unit])
    dA = _arr(grad["a"])
    delta = _arr(grad["z"])
    b = float(_arr(target["b"])[unit])
    db = _arr(grad["b"])
    view.readings = [
        Reading("z", _shown(z_value), "z"),
        Reading("a", _shown(a_value), "a"),
        Reading("f\u2032(z)", _shown(f_prime), "f-prime"),
        Reading("\u2202L/\u2202a", _shown(None if dA is None else float(dA[focus, unit])), "dl-da"),
        Reading("\u03b4 = \u2202L/\u2202z", _shown(None if delta is None else float(delta[focus, unit])), "delta"),
        Reading("b", _shown(b), "b"),
        Reading("\u2202L/\u2202b", _shown(None if db is None else float(db[unit])), "grad-b"),
    ]
    if z is None:
        view.ledger_note = _("Run the forward step of layer %(layer)d to compute z and a.") % {"layer": layer}
    elif delta is None:
        view.ledger_note = _("Run the backward step of layer %(layer)d to compute \u2202L/\u2202a and \u03b4.") % {"layer": layer}
    view.edit_value, view.edit_label = attr(b), _("New bias")
    view.analytic_value = attr(None if db is None else float(db[unit]))
    if numeric_partial is not None:
        estimate = numeric_partial(layer, unit, None)
        view.numeric, view.numeric_note = _numeric_block(
            estimate, indexed("b", str(unit), layer), None if db is None else float(db[unit]), _after_update(doc))
        view.numeric_value = attr(estimate["numeric"])
    return view
