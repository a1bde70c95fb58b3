"""A stored session brought to life: its network stepped to where the cursor says.

The state of a session is a cursor: `checkpoint` (the parameters and optimizer state the
iteration started from), its `iteration`, how many of its 2L+2 `steps` have run, and the
`optimizer` in force; after an update, an optimizer PATCH also records `update_optimizer` (the
one that ran, for replay) and `fresh_optimizer` (a renamed optimizer starts from no state).
Every value the session shows is recomputed from that (the same code, so bit for bit the same
numbers), which makes undo exact and cheap to store: an undo entry is one earlier cursor.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable
from operator import itemgetter

import numpy as np

from app.engine.batches import BatchSchedule
from app.engine.losses import get_loss
from app.engine.activations import get_activation
from app.engine.expressions import Assignment
from app.engine.network import Network, flat_index, split_flat
from app.engine.optimizers import Optimizer, make_optimizer
from app.engine.steps import UPDATE, Step
from app.engine.stepper import Stepper
from app.sessions import checkpoints as ckpt
from app.sessions.errors import NothingToUndo
from app.sessions.session_data import SessionData, build as build_session_data
from app.sessions.store import SessionChange, StoredCheckpoint, StoredSession, UndoPacker

UNDO_STEPS = 64
FULL_UNDO_PARAMETERS = 10_000  # up to this size, UNDO_STEPS steps can be undone
LARGE_UNDO_CHECKPOINTS = 16  # beyond it, a bound on what undo may keep (edits write one each)
INITIAL_CHECKPOINT = 0  # the parameters reset goes back to; never deleted
FROM_CHECKPOINT = "initial-checkpoint"  # a config field whose values live in checkpoint 0
EXPLICIT_DATA = "stored-arrays"  # explicit data whose values live in the session's arrays
RUNTIME_OVERHEAD = 8_000  # bytes of Python objects a small runtime holds (measured with tracemalloc: worked example)
UNDO_ENTRY_BYTES = 250  # one undo entry, a dict of a few ints
_checkpoint_of = itemgetter("checkpoint")


class Runtime:
    def __init__(self, stored: StoredSession, checkpoints: dict[int, StoredCheckpoint], fetch_checkpoint, data: SessionData | None = None):
        self.stored = stored
        self.config = stored.config
        self.sizes = tuple(self.config["layers"])
        self.L = len(self.sizes) - 1
        self.parameter_count = sum(self.sizes[l] * (self.sizes[l - 1] + 1) for l in range(1, self.L + 1))
        # the rows it trains on (features applied) and the held-out ones; plain stored rows by default
        self.data = data or build_session_data(stored.inputs, stored.targets, None, self.config["seed"])
        n_train = self.data.train_rows.size
        batch_rows = min(n_train, self.config["batch_size"] or n_train)
        # forward, dW and dA are each about one multiply-add per parameter and batch row
        self.flops_per_iteration = 6 * self.parameter_count * batch_rows
        self.loss = get_loss(self.config["loss"])
        self.loss.prepare(self.data.targets)
        self.activations = [None] + [get_activation(name) for name in self.config["activations"]]
        rows = None if self.data.all_rows_train else self.data.train_rows
        self.schedule = BatchSchedule(n_train, self.config["batch_size"], self.config["seed"], rows)
        self.current: dict = dict(stored.current)
        self.undo: list[dict] = list(stored.undo)
        self._packer = UndoPacker(stored.packed_undo)
        self.next_checkpoint: int = stored.next_checkpoint
        # one row per finished iteration: the values of data.metric_names (loss first)
        self.history: list[list[float]] = stored.history.reshape(-1, len(self.data.metric_names)).tolist()
        self._history_packed = bytearray(stored.history.tobytes())  # as stored: saved without a pass over every row
        self._history_entries: list[dict] = []
        self._fixed_bytes: int | None = None
        self._checkpoint_bytes: int | None = None  # of self.checkpoints, counted when they change
        self.history_changed = False  # since the last save: the history is rewritten only then
        self.version = stored.version  # the stored version this runtime is at
        self.watched: bool | None = None  # the stored watched mark at that version, when known
        self._saved_keep: set[int] | None = None  # the checkpoints stored, as far as known
        self.checkpoints = dict(checkpoints)  # loaded or created by this request
        self.new_checkpoints: dict[int, StoredCheckpoint] = {}
        self.unkept_checkpoints: set[int] = set()  # started by train but too old to be undone to
        self._fetch_checkpoint = fetch_checkpoint
        self._optimizer_config_in_use: dict | None = None
        # for answers (documents.py): (l, size, activation) of each layer, the config as applied
        # and the shown copies of parameters and gradient, each with the key it was made for
        self.layer_names = tuple((l, self.sizes[l], self.config["activations"][l - 1]) for l in range(1, self.L + 1))
        self.applied_config_cache: tuple[dict, dict] | None = None  # (the optimizer config it was made for, it)
        self._shown_parameters: tuple[tuple, list[np.ndarray]] | None = None
        self._shown_gradient: tuple[tuple, list[np.ndarray]] | None = None
        self._restore()

    # --- where the session is ------------------------------------------------------------------

    @property
    def iterations_finished(self) -> int:
        return self.iteration_index + (1 if self.stepper.next_step is None else 0)

    @property
    def last_step(self) -> Step | None:
        return self.stepper.last_step

    @property
    def next_step(self) -> Step:
        return self.stepper.next_step or self.stepper.cycle[0]

    @property
    def steps_per_iteration(self) -> int:
        return len(self.stepper.cycle)

    @property
    def network(self) -> Network:
        return self.stepper.network

    def network_of_gradients(self) -> Network:
        """The parameters the shown gradients were computed with: after the update, those the
        iteration started from (its checkpoint); before it, the current ones."""
        if self.stepper.next_step is not None:
            return self.network
        parameters, _state = ckpt.decode(self.checkpoint(self.current["checkpoint"]), self.parameter_count)
        return Network(self.sizes, self.activations, parameters)

    def shown_parameters(self) -> list[np.ndarray]:
        """Copies of [W1, b1, W2, b2, ...] for answers, which are encoded after the session is
        released (a later step writes the network's in place). Made again only when they change:
        the parameters are those of the cursor's checkpoint until its update runs (a step back
        to a position replays it bit for bit). Shared by answers: never mutate."""
        key = (self.current["checkpoint"], self.stepper.next_step is None)
        if self._shown_parameters is None or self._shown_parameters[0] != key:
            self._shown_parameters = (key, split_flat(self.network.flat.copy(), self.sizes))
        return self._shown_parameters[1]

    def shown_gradient(self) -> list[np.ndarray]:
        """Copies of [dW1, db1, ...] like shown_parameters: a backward step writes one layer's."""
        key = (self.current["checkpoint"], len(self.stepper.trace.dW))
        if self._shown_gradient is None or self._shown_gradient[0] != key:
            self._shown_gradient = (key, split_flat(self.stepper.gradient.copy(), self.sizes))
        return self._shown_gradient[1]

    def checkpoint(self, checkpoint_id: int) -> StoredCheckpoint:
        if checkpoint_id not in self.checkpoints:
            self.checkpoints[checkpoint_id] = self._fetch_checkpoint(checkpoint_id)
            self._checkpoint_bytes = None
        return self.checkpoints[checkpoint_id]

    def _restore(self) -> None:
        """Replays the current iteration from its checkpoint up to the cursor."""
        self._shown_parameters = self._shown_gradient = None  # back and reset: not a step's keys
        checkpoint = self.checkpoint(self.current["checkpoint"])
        parameters, optimizer_state = ckpt.decode(checkpoint, self.parameter_count)
        network = Network(self.sizes, self.activations, parameters)
        optimizer = self._optimizer_at(checkpoint, optimizer_state)
        self._start_stepper(network, optimizer, checkpoint.meta["iteration"])
        self.stepper.run(self.current["steps"])
        if len(self.history) > self.iterations_finished:
            del self.history[self.iterations_finished :]
            del self._history_packed[self.iterations_finished * len(self.data.metric_names) * 8 :]
            self.history_changed = True

    def _optimizer_at(self, checkpoint: StoredCheckpoint, state: dict) -> Optimizer:
        """The optimizer of the current iteration, in the state its checkpoint holds."""
        return _optimizer_in_state(self._iteration_optimizer(), checkpoint, state)

    def _iteration_optimizer(self) -> dict:
        """The optimizer config of the current iteration: a finished iteration replays its
        update with the optimizer that ran it."""
        return self.current.get("update_optimizer") or self.current["optimizer"]

    def update_explainer(self) -> Callable[[int, int, int | None], list[Assignment]] | None:
        """After an update: a function telling what it did to any parameter, in the optimizer's
        own words (old value, gradient, velocity or moments, new value). It keeps what it needs
        (the checkpoint's bytes, the optimizer config, a copy of the gradient), so it holds
        however the session moves on; the checkpoint is decoded only if it is asked. None after
        any other step."""
        if self.stepper.next_step is not None:
            return None
        checkpoint, config = self.checkpoint(self.current["checkpoint"]), self._iteration_optimizer()
        gradient, sizes, count = self.stepper.gradient.copy(), self.sizes, self.parameter_count
        decoded: list = []

        def explain(layer: int, to: int, from_: int | None) -> list[Assignment]:
            if not decoded:
                parameters, state = ckpt.decode(checkpoint, count)  # private copies
                decoded[:] = [parameters, _optimizer_in_state(config, checkpoint, state)]
            parameters, optimizer = decoded
            index = flat_index(sizes, layer, to, from_)
            return optimizer.explain(index, parameters[index], gradient[index])

        return explain

    def _start_stepper(self, network: Network, optimizer: Optimizer, iteration: int) -> None:
        self.iteration_index = iteration
        self.batch_rows, x, y = self.schedule.batch(iteration, self.data.inputs, self.data.targets)
        self.stepper = Stepper(network, self.loss, optimizer, x, y, self.data.held_out, self.data.with_accuracy)

    def _begin_iteration(self, iteration: int, keep_checkpoint: bool = True) -> None:
        """A new checkpoint from the network as it is now, at step 0 of `iteration`."""
        config = self.current["optimizer"]
        optimizer = self.stepper.optimizer
        changed = config is not self._optimizer_config_in_use and self.optimizer_config(optimizer) != config
        if self.current.get("update_optimizer") or changed:
            optimizer = make_optimizer(config)
            if optimizer.name == self.stepper.optimizer.name and not self.current.get("fresh_optimizer"):
                # new hyper-parameters keep momentum / Adam's moments
                optimizer.load_state(self.stepper.optimizer.state())
            self.stepper.optimizer = optimizer
        self._optimizer_config_in_use = config  # train's next iterations skip the comparison
        self.iteration_index = iteration
        checkpoint_id = self._new_checkpoint(optimizer, keep_checkpoint)
        self.current = {"checkpoint": checkpoint_id, "iteration": iteration, "steps": 0, "optimizer": config}
        self.batch_rows, x, y = self.schedule.batch(iteration, self.data.inputs, self.data.targets)
        self.stepper.begin(x, y)

    def _new_checkpoint(self, optimizer: Optimizer, keep: bool = True) -> int:
        """A checkpoint of the network as it is now, at the start of iteration_index."""
        checkpoint_id = self.next_checkpoint
        self.next_checkpoint += 1
        if keep:
            stored = ckpt.encode(self.network, optimizer, self.iteration_index)
            self.checkpoints[checkpoint_id] = self.new_checkpoints[checkpoint_id] = stored
            self._checkpoint_bytes = None
        else:
            self.unkept_checkpoints.add(checkpoint_id)
        return checkpoint_id

    @staticmethod
    def optimizer_config(optimizer: Optimizer) -> dict:
        return {"name": optimizer.name, **optimizer.hyperparameters()}

    # --- what a request can do -----------------------------------------------------------------

    def step(self, keep_checkpoint: bool = True) -> Step:
        """One step; NonFiniteError leaves this runtime half-changed: the caller discards it."""
        self.undo.append(dict(self.current))
        if self.stepper.next_step is None:
            self._begin_iteration(self.iteration_index + 1, keep_checkpoint)
        step = self.stepper.step()
        self.current["steps"] += 1
        if step.phase == UPDATE:
            self._finished_iteration()
        return step

    def _finished_iteration(self) -> None:
        """The history gains the finished iteration's values, in the order of data.metric_names."""
        trace = self.stepper.trace
        row = [getattr(trace, name) for name in self.data.metric_names]
        self._history_packed += array("d", row)  # first: if it raised, the list would be a row ahead
        self.history.append(row)
        self.history_changed = True

    def run_steps(self, count: int) -> None:
        """`count` steps; only the steps the undo window can reach keep a checkpoint."""
        for index in range(count):
            self.step(keep_checkpoint=index >= count - (self.undo_iterations + 1) * self.steps_per_iteration)

    def train(self, iterations: int) -> None:
        """Whole iterations; one in progress is finished first and counts as the first.

        Iterations too old for the undo window run without undo entries or checkpoints, and
        check only what outlives them (Stepper.run_iteration); the last ones run step by step.
        """
        if self.stepper.next_step is not None:
            self.run_steps(self.steps_per_iteration - self.stepper.done)
            iterations -= 1
        fast = max(0, iterations - self.undo_iterations - 1)  # iterations undo can't reach
        for _ in range(fast):
            self._begin_iteration(self.iteration_index + 1, keep_checkpoint=False)
            self.stepper.run_iteration()
            self.current["steps"] = self.steps_per_iteration
            self._finished_iteration()
        self.run_steps((iterations - fast) * self.steps_per_iteration)

    def back(self) -> None:
        if not self.undo:
            raise NothingToUndo("")
        self.current = self.undo.pop()
        self._packer.truncate(len(self.undo))
        self._restore()

    def patch(self, optimizer: dict | None, edits: list[dict] | None) -> None:
        """A PATCH: one step of the undo history, whatever it changes."""
        self._shown_parameters = self._shown_gradient = None  # the update may now run with other values
        self.undo.append(dict(self.current))
        if optimizer is not None:
            self._set_optimizer(optimizer)
        if edits:
            self._edit_parameters(edits)

    def _edit_parameters(self, edits: list[dict]) -> None:
        """Sets weights/biases and restarts the iteration at forward 1 (same batch; after an
        update, the next one)."""
        for edit in edits:
            if edit["from"] is None:
                self.network.b[edit["layer"]][edit["to"]] = edit["value"]
            else:
                self.network.W[edit["layer"]][edit["to"], edit["from"]] = edit["value"]
        self._begin_iteration(self.iterations_finished)

    def _set_optimizer(self, config: dict) -> None:
        """New hyper-parameters keep the optimizer's state; a new name starts it afresh."""
        renamed = config["name"] != self.current["optimizer"]["name"]
        if self.stepper.next_step is None:
            # this iteration's update replays with the optimizer that ran it; the next one starts
            # from its state, unless the name changed (even if changed back since)
            self.current.setdefault("update_optimizer", self.current["optimizer"])
            self.current["optimizer"] = config
            if renamed:
                self.current["fresh_optimizer"] = True
            return
        self.current["optimizer"] = config
        optimizer = make_optimizer(config)
        if renamed:
            # the checkpoint's state belongs to the old optimizer: a new checkpoint, same
            # parameters (no update has run yet) with the fresh state, replays to the same values
            checkpoint_id = self._new_checkpoint(optimizer)
            self.current["checkpoint"] = checkpoint_id
        else:
            optimizer.load_state(self.stepper.optimizer.state())
        self.stepper.optimizer = optimizer

    def reset(self) -> None:
        self.undo.clear()
        self._packer.truncate(0)
        self.history.clear()
        self._history_packed.clear()
        self.history_changed = True
        self.current = {"checkpoint": INITIAL_CHECKPOINT, "iteration": 0, "steps": 0, "optimizer": self.current["optimizer"]}
        self._restore()

    # --- what is stored ------------------------------------------------------------------------

    @property
    def large(self) -> bool:
        """Over FULL_UNDO_PARAMETERS a checkpoint costs megabytes, so undo keeps less."""
        return self.parameter_count > FULL_UNDO_PARAMETERS

    @property
    def undo_iterations(self) -> int:
        """How many of the latest iterations' checkpoints undo uses: enough for UNDO_STEPS steps,
        or for a large network the current iteration and the whole one before it: its update, its
        steps, and the finished iteration it started from."""
        return 3 if self.large else -(-UNDO_STEPS // self.steps_per_iteration) + 1

    def trimmed_undo(self) -> list[dict]:
        """The newest UNDO_STEPS entries. For a large network, only those of the current and the
        previous iteration and at most LARGE_UNDO_CHECKPOINTS checkpoints (an edit writes one),
        but never fewer than reach back past the last update."""
        undo = self.undo[-UNDO_STEPS:]
        if not self.large and not self.unkept_checkpoints:  # the common case, without the walk below
            return undo
        before_update = self.steps_per_iteration - 1
        last_update = next((i for i in range(len(undo) - 1, -1, -1) if undo[i]["steps"] == before_update), len(undo))
        oldest_iteration = self.current["iteration"] - self.undo_iterations + 1
        checkpoints_used = {self.current["checkpoint"]}
        cut = len(undo)
        while cut > 0:
            entry = undo[cut - 1]
            if entry["checkpoint"] in self.unkept_checkpoints:
                break
            if self.large and cut - 1 < last_update:
                checkpoints_used.add(entry["checkpoint"])
                if entry["iteration"] < oldest_iteration or len(checkpoints_used) > LARGE_UNDO_CHECKPOINTS:
                    break
            cut -= 1
        return undo[cut:]

    def undo_available(self) -> int:
        """How many steps back can undo: len(trimmed_undo()), without the slice in the common case."""
        if not self.large and not self.unkept_checkpoints:
            return min(len(self.undo), UNDO_STEPS)
        return len(self.trimmed_undo())

    def to_stored(self) -> SessionChange:
        """What this request changed, for the store; `saved` then makes this runtime what a
        reload of the stored session would give (so the working set can keep it)."""
        undo = self.trimmed_undo()
        keep = set(map(_checkpoint_of, undo))  # map with itemgetter: this runs for every step
        keep.update((INITIAL_CHECKPOINT, self.current["checkpoint"]))
        new = {cid: c for cid, c in self.new_checkpoints.items() if cid in keep}
        history = np.frombuffer(bytes(self._history_packed), dtype=np.float64) if self.history_changed else None
        stale = self._saved_keep is None or not self._saved_keep <= keep
        packed = self._packer.pack(self.undo, len(self.undo) - len(undo))
        self._trimmed, self._keep = undo, keep
        return SessionChange(self._packer.cursor(self.current, self.next_checkpoint), packed, history, new, keep if stale else None)

    def saved(self, version: int, watched: bool | None = None) -> None:
        """The change `to_stored` gave was stored as `version`, with the session's watched mark
        as read (None: not known; the next change then reads it)."""
        self.undo = self._trimmed
        keep = self._keep
        if self.new_checkpoints or not self.checkpoints.keys() <= keep or self._checkpoint_bytes is None:
            self.checkpoints = {cid: c for cid, c in self.checkpoints.items() if cid in keep}
            self._checkpoint_bytes = None  # counted again when next asked
        self.new_checkpoints = {}
        self.unkept_checkpoints = set()
        self.history_changed = False
        self._saved_keep = keep
        self.version = version
        self.watched = watched

    def history_entries(self) -> list[dict]:
        """[{"iteration": n, "loss": x}] for the API, kept between answers: they only grow by one
        an iteration, or are cut (back over an update, reset). Shared by answers: never mutate."""
        entries, losses = self._history_entries, self.history
        if len(entries) > len(losses) or (entries and entries[-1]["loss"] is not losses[len(entries) - 1][0]):
            del entries[:]  # cut and maybe regrown: rebuild (rare)
        names = self.data.metric_names  # loss, and test_loss, accuracy, test_accuracy where they apply
        entries.extend({"iteration": i + 1, **dict(zip(names, losses[i]))} for i in range(len(entries), len(losses)))
        return entries

    # --- what it costs to keep -----------------------------------------------------------------

    def nbytes(self) -> int:
        """About what this runtime holds in memory: dataset, parameters, gradient, optimizer state,
        checkpoints, the iteration's computed values, undo and history (RUNTIME_OVERHEAD covers
        the Python objects)."""
        if self._fixed_bytes is None:  # the dataset, parameters, gradient, optimizer state, a batch's values
            stepper = self.stepper
            fixed = RUNTIME_OVERHEAD + self.data.nbytes
            # parameters, gradient, their shown copies, the optimizer's state
            fixed += (4 + len(stepper.optimizer.state_vectors)) * stepper.network.flat.nbytes
            self._fixed_bytes = fixed + 4 * 8 * len(stepper.trace.x) * sum(self.sizes)  # z, a, dA, delta per layer
        if self._checkpoint_bytes is None:
            self._checkpoint_bytes = sum(len(c.arrays) for c in self.checkpoints.values())
        return self._fixed_bytes + self._checkpoint_bytes + UNDO_ENTRY_BYTES * len(self.undo) + 32 * len(self.history)


def _optimizer_in_state(config: dict, checkpoint: StoredCheckpoint, state: dict) -> Optimizer:
    """An optimizer made from config, holding the checkpoint's state if the checkpoint is its."""
    optimizer = make_optimizer(config)
    if checkpoint.meta["optimizer"] == optimizer.name:
        optimizer.load_state(state)
    return optimizer
