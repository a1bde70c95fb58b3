"""What a page reads besides the Session document, bound to the state its request loaded.

A reader holds copies of the parameters (and of those the shown gradients belong to), the
dataset and the batch, taken while the session was held: it answers the unit maps, the data
plot and the inspector's numeric partials from that state, however the session moves on
meanwhile, and without another trip to the store.
"""
from __future__ import annotations

import numpy as np

from app.engine.gradients import PerturbedLoss, central_difference
from app.engine.network import Network
from app.i18n import _, lazy
from app.sessions import checkpoints as ckpt
from app.sessions.config import MAX_BATCH_VALUES, MAX_ROWS
from app.sessions.errors import InvalidInput, StepRefused
from app.sessions.runtime import Runtime

OVERFLOWING_INPUTS = lazy(
    "These inputs make the network's values overflow (infinite or NaN): use smaller inputs, "
    "or lower the weights (reset, or edit them)."
)


def finite_or_refused(arrays: list[np.ndarray], message: str) -> list[np.ndarray]:
    """Answers the arrays if every value is finite; JSON has no inf or NaN to show them with."""
    if all(np.isfinite(a).all() for a in arrays):
        return arrays
    raise StepRefused(_(message))


def checked_edits(sizes, edits: list[dict]) -> list[dict]:
    """Each edit names a parameter of a network of these layer sizes (422 naming the field if not)."""
    L = len(sizes) - 1
    for index, edit in enumerate(edits):
        l, to, source = edit["layer"], edit["to"], edit["from"]
        where = ["edits", index]
        if not 1 <= l <= L:
            raise InvalidInput.at([*where, "layer"], _("layer must be 1 to {L} (the layers with weights), not {l}").format(L=L, l=l))
        if not 0 <= to < sizes[l]:
            raise InvalidInput.at([*where, "to"], _("to must be a unit of layer {l}: 0 to {m}, not {to}").format(l=l, m=sizes[l] - 1, to=to))
        if source is not None and not 0 <= source < sizes[l - 1]:
            raise InvalidInput.at(
                [*where, "from"],
                _("from must be a unit of layer {p}: 0 to {m} (or null for the bias), not {i}").format(p=l - 1, m=sizes[l - 1] - 1, i=source),
            )
    return edits


def checked_inputs(sizes, inputs, field: str = "inputs", n_columns: int | None = None) -> np.ndarray:
    """n_columns: the dataset's raw input columns (default sizes[0]); features are computed from them."""
    n_in = sizes[0] if n_columns is None else n_columns
    rows_ok = isinstance(inputs, np.ndarray) and inputs.ndim == 2 and inputs.shape[1] == n_in
    if not isinstance(inputs, np.ndarray):
        rows_ok = all(isinstance(row, (list, tuple)) and len(row) == n_in for row in inputs)
    if not rows_ok or not 1 <= len(inputs) <= MAX_ROWS:
        raise InvalidInput.at(
            [field],
            _("{field} must be 1 to {rows} rows of {n} numbers each (the data's input columns)").format(field=field, rows=MAX_ROWS, n=n_in),
        )
    if len(inputs) * sum(sizes) > MAX_BATCH_VALUES:
        raise InvalidInput.at(
            [field],
            _("{rows} rows through layers {layers} make more than {limit} values: send at most {most} rows at a time").format(
                rows=len(inputs), layers=list(sizes), limit=f"{MAX_BATCH_VALUES:,}", most=MAX_BATCH_VALUES // sum(sizes)
            ),
        )
    return np.asarray(inputs, dtype=np.float64)


class SessionReader:
    def __init__(self, runtime: Runtime):
        self.sizes = runtime.sizes
        self.network = runtime.network.copy()
        self._activations = runtime.activations
        self._loss = runtime.loss
        self._inputs, self._targets = runtime.data.raw_inputs, runtime.data.targets  # never written
        self.data = runtime.data  # features, held-out rows
        trace = runtime.stepper.trace
        self._x, self._y = trace.x, trace.y
        # after an update the gradients shown belong to the parameters the iteration started from
        after_update = runtime.stepper.next_step is None
        self._gradients_checkpoint = runtime.checkpoint(runtime.current["checkpoint"]) if after_update else None
        self._parameter_count = runtime.parameter_count
        self._explain_update = runtime.update_explainer()  # None unless the last step was the update

    def dataset(self) -> tuple[np.ndarray, np.ndarray]:
        """Every row of the session's data (inputs, targets), not only the batch."""
        return self._inputs, self._targets

    def held_out_rows(self) -> np.ndarray:
        """The numbers of the rows held out as a test (never in a batch)."""
        return self.data.test_rows

    def predict(self, inputs) -> np.ndarray:
        with np.errstate(all="ignore"):
            outputs = self.network.predict(self._features(inputs))
        return finite_or_refused([outputs], OVERFLOWING_INPUTS)[0]

    def layer_outputs(self, inputs) -> list[np.ndarray]:
        """a_0..a_L for any inputs at the current parameters (the pages' heatmaps)."""
        with np.errstate(all="ignore"):
            outputs = self.network.forward(self._features(inputs))
        return finite_or_refused(outputs, OVERFLOWING_INPUTS)

    def _features(self, inputs) -> np.ndarray:
        """Raw columns in (as predict takes them), the network's input features out."""
        features = self.data.features
        return features.map(checked_inputs(self.sizes, inputs, n_columns=features.n_columns))

    def network_of_gradients(self) -> Network:
        if self._gradients_checkpoint is None:
            return self.network
        parameters, _state = ckpt.decode(self._gradients_checkpoint, self._parameter_count)
        return Network(self.sizes, self._activations, parameters)

    def update_report(self, layer: int, to: int, from_: int | None):
        """What the last step, if an update, did to one parameter, as its optimizer reports it
        (Optimizer.explain: old value, gradient, velocity or moments, new value); else None."""
        checked_edits(self.sizes, [{"layer": layer, "to": to, "from": from_, "value": 0.0}])
        return None if self._explain_update is None else self._explain_update(layer, to, from_)

    def numeric_partial(self, layer: int, to: int, from_: int | None, eps: float = 1e-5) -> dict:
        """The central difference of the batch loss for one parameter, where the session's
        gradients were computed: the shown batch, and after an update the parameters from
        before it (the gradients shown belong to those). "at" is that parameter's value."""
        checked_edits(self.sizes, [{"layer": layer, "to": to, "from": from_, "value": 0.0}])
        network = self.network_of_gradients()
        with np.errstate(all="ignore"):
            result = central_difference(PerturbedLoss(network, self._loss, self._x, self._y), layer, to, from_, eps)
        finite_or_refused([np.array([result["loss_plus"], result["loss_minus"], result["numeric"]])], lazy(
            "The loss overflows within eps of this parameter, so the central difference is not finite: "
            "use a smaller eps, step back, or reset."
        ))
        result["at"] = float(network.b[layer][to] if from_ is None else network.W[layer][to, from_])
        return result
