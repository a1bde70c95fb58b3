"""A stored session brought to life: its network stepped to where the cursor says.

The state of a session is a cursor: `checkpoint` (the parameters and optimizer state the
iteration started from), its `iteration`, how many of its 2L+2 `steps` have run, and the
`optimizer` in force; after an update, an optimizer PATCH also records `update_optimizer` (the
one that ran, for replay) and `fresh_optimizer` (a renamed optimizer starts from no state).
Every value the session shows is recomputed from that (the same code, so bit for bit the same
numbers), which makes undo exact and cheap to store: an undo entry is one earlier cursor.
"""
from __future__ import annotations

import numpy as np

from app.engine.batches import BatchSchedule
from app.engine.losses import get_loss
from app.engine.activations import get_activation
from app.engine.network import Network
from app.engine.optimizers import Optimizer, make_optimizer
from app.engine.steps import UPDATE, Step
from app.engine.stepper import Stepper
from app.sessions import checkpoints as ckpt
from app.sessions.errors import NothingToUndo
from app.sessions.session_data import SessionData, build as build_session_data
from app.sessions.store import StoredCheckpoint, StoredSession

UNDO_STEPS = 64
FULL_UNDO_PARAMETERS = 10_000  # up to this size, UNDO_STEPS steps can be undone
LARGE_UNDO_CHECKPOINTS = 16  # beyond it, a bound on what undo may keep (edits write one each)
INITIAL_CHECKPOINT = 0  # the parameters reset goes back to; never deleted
FROM_CHECKPOINT = "initial-checkpoint"  # a config field whose values live in checkpoint 0
EXPLICIT_DATA = "stored-arrays"  # explicit data whose values live in the session's arrays


class Runtime:
    def __init__(self, stored: StoredSession, checkpoints: dict[int, StoredCheckpoint], fetch_checkpoint, data: SessionData | None = None):
        self.stored = stored
        self.config = stored.config
        # the rows it trains on (features applied) and the held-out ones; plain stored rows by default
        self.data = data or build_session_data(stored.inputs, stored.targets, None, self.config["seed"])
        self.sizes = tuple(self.config["layers"])
        self.L = len(self.sizes) - 1
        self.parameter_count = sum(self.sizes[l] * (self.sizes[l - 1] + 1) for l in range(1, self.L + 1))
        n_train = self.data.train_rows.size
        batch_rows = min(n_train, self.config["batch_size"] or n_train)
        # forward, dW and dA are each about one multiply-add per parameter and batch row
        self.flops_per_iteration = 6 * self.parameter_count * batch_rows
        self.loss = get_loss(self.config["loss"])
        self.loss.prepare(self.data.targets)
        self.activations = [None] + [get_activation(name) for name in self.config["activations"]]
        rows = None if self.data.all_rows_train else self.data.train_rows
        self.schedule = BatchSchedule(n_train, self.config["batch_size"], self.config["seed"], rows)
        self.current: dict = dict(stored.cursor["current"])
        self.undo: list[dict] = list(stored.cursor["undo"])
        self.next_checkpoint: int = stored.cursor["next_checkpoint"]
        # one row per finished iteration: the values of data.metric_names (loss first)
        self.history: list[list[float]] = stored.history.reshape(-1, len(self.data.metric_names)).tolist()
        self.checkpoints = dict(checkpoints)  # loaded or created by this request
        self.new_checkpoints: dict[int, StoredCheckpoint] = {}
        self.unkept_checkpoints: set[int] = set()  # started by train but too old to be undone to
        self._fetch_checkpoint = fetch_checkpoint
        self._optimizer_config_in_use: dict | None = None
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

    def checkpoint(self, checkpoint_id: int) -> StoredCheckpoint:
        if checkpoint_id not in self.checkpoints:
            self.checkpoints[checkpoint_id] = self._fetch_checkpoint(checkpoint_id)
        return self.checkpoints[checkpoint_id]

    def _restore(self) -> None:
        """Replays the current iteration from its checkpoint up to the cursor."""
        checkpoint = self.checkpoint(self.current["checkpoint"])
        parameters, optimizer_state = ckpt.decode(checkpoint, self.parameter_count)
        network = Network(self.sizes, self.activations, parameters)
        # a finished iteration replays its update with the optimizer that ran it
        optimizer = make_optimizer(self.current.get("update_optimizer") or self.current["optimizer"])
        if checkpoint.meta["optimizer"] == optimizer.name:
            optimizer.load_state(optimizer_state)
        self._start_stepper(network, optimizer, checkpoint.meta["iteration"])
        self.stepper.run(self.current["steps"])
        del self.history[self.iterations_finished :]

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
            self.history.append(self._metrics())
        return step

    def _metrics(self) -> list[float]:
        """The finished iteration's history values, in the order of data.metric_names."""
        trace = self.stepper.trace
        return [getattr(trace, name) for name in self.data.metric_names]

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
            self.history.append(self._metrics())
        self.run_steps((iterations - fast) * self.steps_per_iteration)

    def back(self) -> None:
        if not self.undo:
            raise NothingToUndo("")
        self.current = self.undo.pop()
        self._restore()

    def patch(self, optimizer: dict | None, edits: list[dict] | None) -> None:
        """A PATCH: one step of the undo history, whatever it changes."""
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
        self.history.clear()
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

    def to_stored(self) -> tuple[StoredSession, dict[int, StoredCheckpoint], set[int]]:
        undo = self.trimmed_undo()
        cursor = {"current": self.current, "undo": undo, "next_checkpoint": self.next_checkpoint}
        keep = {INITIAL_CHECKPOINT, self.current["checkpoint"], *(e["checkpoint"] for e in undo)}
        new = {cid: c for cid, c in self.new_checkpoints.items() if cid in keep}
        config = {**self.config, "optimizer": self.current["optimizer"]}
        stored = StoredSession(
            self.stored.id, config, cursor, np.array(self.history, dtype=np.float64).ravel(), self.stored.inputs, self.stored.targets
        )
        return stored, new, keep
