"""The session service: what the API and the pages can do to a session, applied whole or not at all.

Each request that changes a session holds its lock, loads it, works on that private copy and
saves it only if every step succeeded: a refused step (409) or bad input (422) leaves the
stored session exactly as it was.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable

import numpy as np
from pydantic import ValidationError

from app.engine import datasets
from app.engine.gradients import PerturbedLoss, central_difference, gradcheck
from app.engine.network import init_network
from app.engine.optimizers import make_optimizer
from app.engine.stepper import NonFiniteError
from app.i18n import _, lazy
from app.sessions.presets import PRESETS, get_preset
from app.sessions.pytorch_export import NextUpdate, next_update
from app.sessions import checkpoints as ckpt
from app.sessions.config import MAX_BATCH_VALUES, MAX_ROWS, AdamConfig, SGDConfig, applied_config, pydantic_errors
from app.sessions.documents import export_config, session_document
from app.sessions.errors import InvalidInput, NothingToUndo, SessionNotFound, StepRefused
from app.sessions.runtime import EXPLICIT_DATA, FROM_CHECKPOINT, FULL_UNDO_PARAMETERS, INITIAL_CHECKPOINT, UNDO_STEPS, Runtime
from app.sessions.store import SessionStore, StoredSession
from app.sessions.datasets import LEGACY_EXPLICIT_DATA, Dataset, DatasetStore, make_dataset
from app.sessions.session_data import SessionData, SessionDataCache, build as build_session_data

OPTIMIZER_MODELS = {"sgd": SGDConfig, "adam": AdamConfig}
# one request's work at most, in multiply-adds of the forward and backward passes: about half
# a minute on a small server, so no request holds a session and a server thread for minutes
WORK_BUDGET_FLOPS = 6e11


def _refusal(error: NonFiniteError) -> StepRefused:
    return StepRefused(
        _(
            "{step} was not applied: it would make {quantity} infinite or NaN (the numbers overflowed). "
            "Nothing was changed. Lower the learning rate, step back, or reset the session."
        ).format(step=error.step, quantity=error.quantity),
        step=error.step.as_dict(),
    )


_OVERFLOWING_INPUTS = lazy(
    "These inputs make the network's values overflow (infinite or NaN): use smaller inputs, "
    "or lower the weights (reset, or edit them)."
)


def _finite_or_refused(arrays: list[np.ndarray], message: str) -> list[np.ndarray]:
    """Answers the arrays if every value is finite; JSON has no inf or NaN to show them with."""
    if all(np.isfinite(a).all() for a in arrays):
        return arrays
    raise StepRefused(_(message))


class SessionService:
    EXPIRY_INTERVAL = 3600.0  # seconds between two sweeps for idle sessions, per process

    def __init__(self, store: SessionStore, session_days: float = 0.0, datasets: DatasetStore | None = None):
        self.store = store
        self.datasets = datasets if datasets is not None else DatasetStore(store.path)
        self._session_data = SessionDataCache()
        self.idle_seconds = session_days * 86400
        self._next_sweep = 0.0

    def _sweep_idle_sessions(self) -> None:
        """Deletes sessions idle for longer than session_days, at most once an hour: a classroom
        server that runs for months does not keep every session forever."""
        now = time.monotonic()
        if self.idle_seconds > 0 and now >= self._next_sweep:
            self._next_sweep = now + self.EXPIRY_INTERVAL
            self.store.delete_idle(self.idle_seconds)

    # --- loading and saving ----------------------------------------------------------------------

    def _load(self, session_id: str) -> Runtime:
        def wanted(stored: StoredSession) -> list[int]:
            # explicit weights in the config are read from the initial checkpoint: same snapshot
            initial = [INITIAL_CHECKPOINT] if FROM_CHECKPOINT in (stored.config["weights"], stored.config["biases"]) else []
            return [stored.cursor["current"]["checkpoint"], *initial]

        self.datasets.ready()  # sessions stored before datasets are moved there first, once
        loaded = self.store.load(session_id, wanted) if isinstance(session_id, str) else None
        if loaded is None:
            raise SessionNotFound(session_id)
        stored, checkpoints = loaded
        data = self._data_of(stored)

        def fetch(checkpoint_id: int):
            checkpoint = self.store.load_checkpoint(session_id, checkpoint_id)
            if checkpoint is None:  # deleted by a request that ran meanwhile
                raise SessionNotFound(session_id)
            return checkpoint

        try:
            with np.errstate(all="ignore"):
                return Runtime(stored, checkpoints, fetch, data)
        except NonFiniteError:  # replayed steps succeeded once; only other arithmetic can fail them
            raise StepRefused(_(
                "This session's stored steps no longer replay on this server (its numbers overflow "
                "here): reset the session, or export it and create it again."
            )) from None

    def _change(self, session_id: str, change: Callable[[Runtime], None], view: str = "full", history: int | None = None) -> dict:
        """Runs `change` on a private copy under the session's lock; saves it only if it succeeded."""
        with self._locked(session_id):
            runtime = self._load(session_id)
            try:
                with np.errstate(all="ignore"):  # overflow is detected and refused, not logged
                    change(runtime)
            except NonFiniteError as error:
                raise _refusal(error) from None
            self.store.save(*runtime.to_stored())
        return session_document(runtime, view, history)

    def _locked(self, session_id: str):
        try:
            return self.store.locked(session_id)
        except TimeoutError:
            raise StepRefused(_("The session is busy with another long request (training?). Try again in a moment.")) from None

    # --- sessions --------------------------------------------------------------------------------

    def create(self, body: dict, view: str = "full", history: int | None = None) -> dict:
        config = applied_config(self._expand_preset(body), self.datasets.meta)
        self._sweep_idle_sessions()
        config["data"] = self._stored_data(config)
        network = init_network(config["layers"], config["activations"], config["init"], config["seed"], config["weights"], config["biases"])
        optimizer = make_optimizer(config["optimizer"])
        stored_config = {
            **config,
            "weights": FROM_CHECKPOINT if config["weights"] is not None else None,
            "biases": FROM_CHECKPOINT if config["biases"] is not None else None,
        }
        cursor = {
            "current": {"checkpoint": INITIAL_CHECKPOINT, "iteration": 0, "steps": 0, "optimizer": config["optimizer"]},
            "undo": [],
            "next_checkpoint": INITIAL_CHECKPOINT + 1,
        }
        # the rows live in the datasets table (or are generated again): the session row holds none
        no_rows = np.zeros((0, config["layers"][0])), np.zeros((0, config["layers"][-1]))
        session = StoredSession(secrets.token_urlsafe(16), stored_config, cursor, np.zeros(0), *no_rows)
        initial = {INITIAL_CHECKPOINT: ckpt.encode(network, optimizer, 0)}
        data = self._data_of(session)
        self.store.insert(session, initial)
        runtime = Runtime(session, initial, None, data)
        return session_document(runtime, view, history)

    @staticmethod
    def _expand_preset(body: dict) -> dict:
        if not isinstance(body, dict) or body.get("preset") is None:
            return {k: v for k, v in body.items() if k != "preset"} if isinstance(body, dict) else body
        name = body["preset"]
        preset = get_preset(name) if isinstance(name, str) else None
        if preset is None:
            names = ", ".join(p["name"] for p in PRESETS)
            raise InvalidInput.at(["preset"], _("there is no preset named \"{name}\": choose one of {names}").format(name=name, names=names))
        overrides = {k: v for k, v in body.items() if k != "preset"}
        config = {**preset["config"], **overrides}
        if "layers" in overrides:  # new layers don't fit the preset's parameters
            for field in ("weights", "biases"):
                if field not in overrides:
                    config[field] = None
        return config

    # --- data ------------------------------------------------------------------------------------

    def _stored_data(self, config: dict) -> dict:
        """The data fields a session keeps: explicit rows become a dataset, named by its id."""
        data = config["data"]
        if "inputs" not in data:
            return data
        dataset = make_dataset(np.array(data["inputs"], dtype=np.float64), np.array(data["targets"], dtype=np.float64))
        self.datasets.put(dataset)
        return {"dataset_id": dataset.id, "test_fraction": data["test_fraction"], "features": data["features"]}

    def _data_of(self, stored: StoredSession) -> SessionData:
        """A stored session's rows, features applied and held-out rows split off (cached)."""
        config, data = stored.config, stored.config["data"]
        if data == LEGACY_EXPLICIT_DATA:  # stored by an older server after the migration ran
            dataset = make_dataset(stored.inputs, stored.targets)
            self.datasets.put(dataset)
            data = config["data"] = {"dataset_id": dataset.id, "test_fraction": 0.0, "features": None}
        options = (data.get("test_fraction", 0.0), tuple(data.get("features") or ()) or None, config["seed"])
        if "dataset_id" in data:
            def make() -> SessionData:
                dataset = self.datasets.get(data["dataset_id"])
                if dataset is None:
                    raise SessionNotFound(stored.id)
                return build_session_data(dataset.inputs, dataset.targets, data, config["seed"])

            return self._session_data.get(("dataset", data["dataset_id"], *options), make)
        if stored.inputs.shape[0]:  # a generated dataset stored with its session (before datasets)
            return build_session_data(stored.inputs, stored.targets, data, config["seed"])
        n_out = config["layers"][-1]
        key = ("generated", data["dataset"], data["samples"], data["noise"], data["seed"], n_out, *options)
        return self._session_data.get(key, lambda: build_session_data(
            *datasets.generate(data["dataset"], data["samples"], data["noise"], data["seed"], n_out), data, config["seed"]))

    def upload_dataset(self, dataset: Dataset) -> bool:
        """Stores a dataset; False when that content was stored already."""
        return self.datasets.put(dataset)

    def get_dataset(self, dataset_id: str) -> Dataset | None:
        return self.datasets.get(dataset_id) if isinstance(dataset_id, str) else None

    def get(self, session_id: str, view: str = "full", history: int | None = None) -> dict:
        return session_document(self._load(session_id), view, history)

    def delete(self, session_id: str) -> None:
        with self._locked(session_id):
            if not self.store.delete(session_id):
                raise SessionNotFound(session_id)

    # --- stepping --------------------------------------------------------------------------------

    @staticmethod
    def _within_budget(runtime: Runtime, iterations: float, field: str) -> None:
        """Refuses work that would hold the session (and a server thread) for minutes."""
        if iterations * runtime.flops_per_iteration <= WORK_BUDGET_FLOPS:
            return
        most = max(1, int(WORK_BUDGET_FLOPS // runtime.flops_per_iteration))
        raise InvalidInput.at(
            [field],
            _("this network is too large to train {n} iterations in one request (it would take minutes): "
              "ask for at most {most} iterations at a time").format(n=int(iterations), most=most),
        )

    def step(self, session_id: str, count: int | None = None, until: str | None = None, **view) -> dict:
        def run(runtime: Runtime) -> None:
            if count is not None:
                self._within_budget(runtime, count / runtime.steps_per_iteration, "count")
            if until is not None:
                for _i in range(runtime.steps_per_iteration):
                    if runtime.step().phase == until:
                        return
                return
            runtime.run_steps(count or 1)

        return self._change(session_id, run, **view)

    def train(self, session_id: str, iterations: int, **view) -> dict:
        def run(runtime: Runtime) -> None:
            self._within_budget(runtime, iterations, "iterations")
            runtime.train(iterations)

        return self._change(session_id, run, **view)

    def back(self, session_id: str, **view) -> dict:
        def run(runtime: Runtime) -> None:
            if not runtime.undo:
                raise NothingToUndo(
                    _("There is nothing to undo: this is the oldest state kept (a new or reset session, or as far "
                      "back as the undo history reaches: {n} steps, fewer for networks over {p} parameters).").format(
                        n=UNDO_STEPS, p=f"{FULL_UNDO_PARAMETERS:,}"
                    )
                )
            runtime.back()

        return self._change(session_id, run, **view)

    def reset(self, session_id: str, **view) -> dict:
        return self._change(session_id, Runtime.reset, **view)

    def patch(self, session_id: str, optimizer: dict | None = None, edits: list[dict] | None = None, **view) -> dict:
        if optimizer is None and not edits:
            raise InvalidInput.at([], _("a PATCH changes something: give optimizer (some of its fields) and/or a non-empty list of edits"))

        def run(runtime: Runtime) -> None:
            merged = self._merged_optimizer(runtime.current["optimizer"], optimizer) if optimizer is not None else None
            runtime.patch(merged, self._checked_edits(runtime, edits) if edits else None)

        return self._change(session_id, run, **view)

    @staticmethod
    def _merged_optimizer(current: dict, change: dict) -> dict:
        name = change.get("name", current["name"])
        if name not in OPTIMIZER_MODELS:
            raise InvalidInput.at(["optimizer", "name"], _("optimizer.name must be sgd or adam, not \"{name}\"").format(name=name))
        merged = {**current, **change} if name == current["name"] else {**change, "name": name}
        try:
            return OPTIMIZER_MODELS[name].model_validate(merged).model_dump()
        except ValidationError as error:
            raise InvalidInput(pydantic_errors(error, ("body", "optimizer"))) from None

    @staticmethod
    def _checked_edits(runtime: Runtime, edits: list[dict]) -> list[dict]:
        sizes = runtime.sizes
        for index, edit in enumerate(edits):
            l, to, source = edit["layer"], edit["to"], edit["from"]
            where = ["edits", index]
            if not 1 <= l <= runtime.L:
                raise InvalidInput.at([*where, "layer"], _("layer must be 1 to {L} (the layers with weights), not {l}").format(L=runtime.L, l=l))
            if not 0 <= to < sizes[l]:
                raise InvalidInput.at([*where, "to"], _("to must be a unit of layer {l}: 0 to {m}, not {to}").format(l=l, m=sizes[l] - 1, to=to))
            if source is not None and not 0 <= source < sizes[l - 1]:
                raise InvalidInput.at(
                    [*where, "from"],
                    _("from must be a unit of layer {p}: 0 to {m} (or null for the bias), not {i}").format(p=l - 1, m=sizes[l - 1] - 1, i=source),
                )
        return edits

    # --- reading the network -----------------------------------------------------------------------

    def _checked_inputs(self, runtime: Runtime, inputs, field: str = "inputs") -> np.ndarray:
        n_in = runtime.data.features.n_columns  # the dataset's raw columns; the features follow from them
        rows_ok = isinstance(inputs, np.ndarray) and inputs.ndim == 2 and inputs.shape[1] == n_in
        if not isinstance(inputs, np.ndarray):
            rows_ok = all(isinstance(row, (list, tuple)) and len(row) == n_in for row in inputs)
        if not rows_ok or not 1 <= len(inputs) <= MAX_ROWS:
            raise InvalidInput.at(
                [field],
                _("{field} must be 1 to {rows} rows of {n} numbers each (the data's input columns)").format(field=field, rows=MAX_ROWS, n=n_in),
            )
        if len(inputs) * sum(runtime.sizes) > MAX_BATCH_VALUES:
            raise InvalidInput.at(
                [field],
                _("{rows} rows through layers {layers} make more than {limit} values: send at most {most} rows at a time").format(
                    rows=len(inputs), layers=list(runtime.sizes), limit=f"{MAX_BATCH_VALUES:,}", most=MAX_BATCH_VALUES // sum(runtime.sizes)
                ),
            )
        return runtime.data.features.map(np.asarray(inputs, dtype=np.float64))

    def predict(self, session_id: str, inputs) -> np.ndarray:
        runtime = self._load(session_id)
        with np.errstate(all="ignore"):
            outputs = runtime.network.predict(self._checked_inputs(runtime, inputs))
        return _finite_or_refused([outputs], _OVERFLOWING_INPUTS)[0]

    def layer_outputs(self, session_id: str, inputs) -> list[np.ndarray]:
        """a_0..a_L for any inputs at the current parameters (the pages' heatmaps)."""
        runtime = self._load(session_id)
        with np.errstate(all="ignore"):
            outputs = runtime.network.forward(self._checked_inputs(runtime, inputs))
        return _finite_or_refused(outputs, _OVERFLOWING_INPUTS)

    def dataset(self, session_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Every row of the session's data (its raw input columns, targets), not only the batch."""
        data = self.session_data(session_id)
        return data.raw_inputs, data.targets

    def session_data(self, session_id: str) -> SessionData:
        """The session's rows with their split: which are held out, the features."""
        self.datasets.ready()
        loaded = self.store.load(session_id, lambda stored: []) if isinstance(session_id, str) else None
        if loaded is None:
            raise SessionNotFound(session_id)
        return self._data_of(loaded[0])

    def gradcheck(self, session_id: str, eps: float = 1e-5) -> dict:
        runtime = self._load(session_id)
        trace = runtime.stepper.trace
        with np.errstate(all="ignore"):
            try:
                result = gradcheck(runtime.network, runtime.loss, trace.x, trace.y, eps, runtime.config["seed"])
            except NonFiniteError as error:
                raise _refusal(error) from None
        values = [[e["analytic"], e["numeric"], e["rel_error"]] for e in result["entries"]]
        _finite_or_refused([np.array(values)], lazy(
            "The loss overflows within eps of the current parameters, so central differences are "
            "not finite: use a smaller eps, lower the learning rate and step back, or reset."
        ))
        return result

    def numeric_partial(self, session_id: str, layer: int, to: int, from_: int | None, eps: float = 1e-5) -> dict:
        """The central difference of the batch loss for one parameter, where the session's
        gradients were computed: the shown batch, and after an update the parameters from
        before it (the gradients shown belong to those). "at" is that parameter's value."""
        runtime = self._load(session_id)
        self._checked_edits(runtime, [{"layer": layer, "to": to, "from": from_, "value": 0.0}])
        trace = runtime.stepper.trace
        network = runtime.network_of_gradients()
        with np.errstate(all="ignore"):
            result = central_difference(PerturbedLoss(network, runtime.loss, trace.x, trace.y), layer, to, from_, eps)
        _finite_or_refused([np.array([result["loss_plus"], result["loss_minus"], result["numeric"]])], lazy(
            "The loss overflows within eps of this parameter, so the central difference is not finite: "
            "use a smaller eps, step back, or reset."
        ))
        result["at"] = float(network.b[layer][to] if from_ is None else network.W[layer][to, from_])
        return result

    def export(self, session_id: str) -> dict:
        return export_config(self._load(session_id))

    def next_update(self, session_id: str) -> NextUpdate:
        """What the session's next update starts from, for the PyTorch export: stepped on a
        private copy that is never saved, and refused (409) exactly when that step would be."""
        runtime = self._load(session_id)
        try:
            with np.errstate(all="ignore"):
                return next_update(runtime)
        except NonFiniteError as error:
            raise _refusal(error) from None
