"""The session service: what the API and the pages can do to a session, applied whole or not at all.

Each request that changes a session is one call: it waits for the session (in arrival order,
in this process and across processes), takes its live runtime from the working set (or loads
it when the stored version says the cached one is stale), applies the change, saves it and
answers, all while holding the session. A refused step (409) or bad input (422) saves nothing
and drops the runtime it half-changed: the stored session stays exactly as it was.

A page's call (`page=True`) answers a `PageState`: the Session after, a summary of it before, and a reader
bound to that state (layer outputs for the unit maps, the dataset, numeric partials), so a page
request never comes back for more. Reads (`get`, `show`, `gradcheck`, ...) use the cached runtime
when nobody in this process holds the session, else a snapshot from the store: they never wait.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from pydantic import ValidationError

from app.engine import datasets
from app.engine.gradients import gradcheck
from app.engine.network import init_network
from app.engine.optimizers import make_optimizer
from app.engine.stepper import NonFiniteError
from app.i18n import _, lazy
from app.sessions.presets import PRESETS, get_preset
from app.sessions.pytorch_export import NextUpdate, next_update
from app.sessions import checkpoints as ckpt
from app.sessions.config import AdamConfig, SGDConfig, applied_config, pydantic_errors
from app.sessions.documents import COMPACT, export_config, session_document, step_summary
from app.sessions.clients import current_client
from app.sessions.errors import (
    InvalidInput,
    NothingToUndo,
    NotFinite,
    QuotaExceeded,
    SessionBusy,
    SessionNotFound,
    StepRefused,
    VersionMismatch,
    clip,
)
from app.sessions.locks import SessionQueues
from app.sessions.reader import SessionReader, checked_edits, finite_or_refused
from app.sessions.runtime import EXPLICIT_DATA, FROM_CHECKPOINT, FULL_UNDO_PARAMETERS, INITIAL_CHECKPOINT, UNDO_STEPS, Runtime
from app.sessions.store import LOCK_TIMEOUT, LockTimeout, SessionStore, Stale, StoredSession
from app.sessions.working_set import DEFAULT_CACHE_MB, WorkingSet
from app.sessions.datasets import LEGACY_EXPLICIT_DATA, Dataset, DatasetStore, datasets_for, make_dataset
from app.sessions.session_data import SessionData, SessionDataCache, build as build_session_data
from app.settings import ClientQuota

OPTIMIZER_MODELS = {"sgd": SGDConfig, "adam": AdamConfig}
# A session answered on the event loop itself (inline=True) is at most this large: its step,
# its answer and, if another worker changed it, its reload (a replay of up to 2L+1 steps of its
# batch) take about a millisecond at most, cheaper than the hop to a worker thread.
INLINE_PARAMETERS = 10_000
INLINE_DATA_BYTES = 2**20
INLINE_FLOPS_PER_ITERATION = 2e6  # 2-8-8-8-1 on a full batch of 500 is 0.5e6
# An inline commit that finds SQLite's writer lock taken (another process's commit: tens of
# microseconds) tries again this long, yielding the core, before it queues for the lock. With
# two workers, handing such commits to a worker thread instead took 50-60 ms at the median (the
# thread waited for the interpreter's lock behind a busy loop, and held the session meanwhile);
# queueing at once woke the loop late. Past the spin the holder lost its core: queue.
INLINE_WRITER_SPIN = 0.001
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


def _read_refusal(error: NonFiniteError) -> NotFinite:
    """A read (gradcheck) met a non-finite value: nothing was stepped, so say what overflows."""
    return NotFinite(
        _(
            "At the current parameters, {step} makes {quantity} infinite or NaN on the shown batch (the numbers "
            "overflowed), so there are no gradients to check. Nothing was changed: lower the learning rate and "
            "step back, or reset the session."
        ).format(step=error.step, quantity=error.quantity),
        step=error.step.as_dict(),
    )


# a step request of at most this many steps takes a small live session's version on trust
# (SessionService._change): if it turns out stale, the steps run twice, which costs less than
# a version read for every step; a train or a long count reads it first
TRUSTED_STEPS = 16


def _matches(if_match, version: int) -> bool:
    """If-Match: None accepts any version; else a version or a collection of them."""
    if if_match is None:
        return True
    return version in if_match if isinstance(if_match, (set, frozenset, list, tuple)) else version == if_match


def _inline_sized(runtime: Runtime | None) -> bool:
    """Small enough to be stepped, answered and reloaded on the event loop (see INLINE_PARAMETERS)."""
    return runtime is not None and runtime.parameter_count <= INLINE_PARAMETERS and \
        runtime.data.nbytes <= INLINE_DATA_BYTES and runtime.flops_per_iteration <= INLINE_FLOPS_PER_ITERATION


class WouldWait(Exception):
    """inline=True: the session is held by another request, or not live and small, or the store
    is not local: call again without inline (from a worker thread). Nothing was changed."""


@dataclass(slots=True)
class PageState:
    """What one page request needs, from one hold of the session."""
    doc: dict  # the Session (after the change, for a change)
    before: dict | None  # documents.step_summary of the session just before the change (None for a read)
    reader: SessionReader  # bound to the state `doc` shows


class SessionService:
    EXPIRY_INTERVAL = 3600.0  # seconds between two sweeps for idle sessions, per process

    def __init__(self, store: SessionStore, session_days: float = 0.0, cache_mb: float = DEFAULT_CACHE_MB,
                 lock_timeout: float = LOCK_TIMEOUT, quota: ClientQuota | None = None, datasets: DatasetStore | None = None):
        self.store = store
        self.quota = quota or ClientQuota()
        self.datasets = datasets if datasets is not None else datasets_for(store)
        self._session_data = SessionDataCache()
        self.idle_seconds = session_days * 86400
        self.lock_timeout = lock_timeout
        self.queues = SessionQueues()
        self.working_set = WorkingSet(int(cache_mb * 2**20))
        self._next_sweep = 0.0
        # app/rooms' hook: a guard may refuse a change of a watched session (watch()) before it
        # runs (a room's session is the teacher's); it raises, and nothing changes. Changes of
        # watched sessions are published by store.add_listener.
        self.change_guards: list[Callable[[str], None]] = []

    def _sweep_idle_sessions(self) -> None:
        """Deletes sessions idle for longer than session_days, at most once an hour: a classroom
        server that runs for months does not keep every session forever."""
        now = time.monotonic()
        if self.idle_seconds > 0 and now >= self._next_sweep:
            self._next_sweep = now + self.EXPIRY_INTERVAL
            self.store.delete_idle(self.idle_seconds)
            self.datasets.delete_unused(self.idle_seconds)  # and the datasets no session names any more

    # --- holding, loading and saving --------------------------------------------------------------

    @staticmethod
    def _busy() -> StepRefused:
        return SessionBusy(_("The session is busy with another long request (training?). Try again in a moment."))

    @contextmanager
    def _held(self, session_id: str, inline: bool = False, trust: bool = False):
        """The session, held: first in this process's queue for it, then against other processes.
        inline: at once or WouldWait (the caller is the event loop: it waits for nobody's session).
        trust: the store may take the version and watched mark of a small runtime live here on
        trust (Held.assumed), as they are once this process's requests before it are done."""
        if not isinstance(session_id, str):
            raise SessionNotFound(session_id)
        if inline:
            if not self.store.local or not self.queues.try_acquire(session_id):
                raise WouldWait()
        else:
            deadline = time.monotonic() + self.lock_timeout
            if not self.queues.acquire(session_id, self.lock_timeout):
                raise self._busy()
        try:
            known = self.working_set.known(session_id) if trust and _inline_sized(self.working_set.peek(session_id)) else None
            try:
                locked = self.store.locked(session_id, 0.0 if inline else max(0.0, deadline - time.monotonic()), known)
                held = locked.__enter__()
            except LockTimeout:
                if inline:
                    raise WouldWait() from None
                raise self._busy() from None
            try:
                yield held
            except BaseException as error:
                if not locked.__exit__(type(error), error, error.__traceback__):
                    raise
            else:
                locked.__exit__(None, None, None)
        finally:
            self.queues.release(session_id)

    def _guarded(self, held, session_id: str) -> None:
        """A watched session's change goes past the change guards first (they raise to refuse it)."""
        if held.watched:
            for guard in self.change_guards:
                guard(session_id)

    def watch(self, session_id: str) -> None:
        """From now on the session's changes run the change guards and are published (a room's
        session). Marked while held: a change already running finishes first, every later one
        sees the mark."""
        with self._held(session_id) as held:
            if held.version is None:
                raise SessionNotFound(session_id)
            held.watch()
            live = self.working_set.peek(session_id)
            if live is not None and live.version == held.version:
                live.watched = True  # its next change is guarded at once, not found stale first

    def may_answer_inline(self, session_id: str) -> bool:
        """Whether an inline call could answer: the store is local and the session live here and
        small (it may still be held: then WouldWait)."""
        return self.store.local and _inline_sized(self.working_set.peek(session_id))

    def _fetcher(self, session_id: str):
        def fetch(checkpoint_id: int):
            checkpoint = self.store.load_checkpoint(session_id, checkpoint_id)
            if checkpoint is None:  # deleted by a request that ran meanwhile
                raise SessionNotFound(session_id)
            return checkpoint

        return fetch

    def _load(self, session_id: str) -> Runtime:
        def wanted(stored: StoredSession) -> list[int]:
            # explicit weights in the config are read from the initial checkpoint: same snapshot
            initial = [INITIAL_CHECKPOINT] if FROM_CHECKPOINT in (stored.config["weights"], stored.config["biases"]) else []
            return [stored.current["checkpoint"], *initial]

        self.datasets.ready()  # sessions stored before datasets are moved there first, once
        loaded = self.store.load(session_id, wanted) if isinstance(session_id, str) else None
        if loaded is None:
            raise SessionNotFound(session_id)
        stored, checkpoints = loaded
        data = self._data_of(stored)
        try:
            with np.errstate(all="ignore"):
                return Runtime(stored, checkpoints, self._fetcher(session_id), data)
        except NonFiniteError:  # replayed steps succeeded once; only other arithmetic can fail them
            raise StepRefused(_(
                "This session's stored steps no longer replay on this server (its numbers overflow "
                "here): reset the session, or export it and create it again."
            )) from None

    def _runtime(self, session_id: str, version: int | None, inline: bool = False) -> Runtime:
        """The runtime at the stored `version`: the working set's, or loaded (and kept)."""
        if version is None:  # deleted, maybe by another process: this one's copy goes too
            self.working_set.discard(session_id)
            raise SessionNotFound(session_id)
        if inline:
            # a small session live here, even if another process changed it since: its reload
            # (about 0.5 ms: the row, a checkpoint, a replay; its rows are cached) costs less
            # than the hop to a worker thread
            if not _inline_sized(self.working_set.peek(session_id)):
                raise WouldWait()
        runtime = self.working_set.get(session_id, version)
        if runtime is None:
            runtime = self._load(session_id)
            self.working_set.put(session_id, runtime)
        return runtime

    @contextmanager
    def _reading(self, session_id: str, inline: bool = False):
        """A runtime to read: the working set's when no request of this process holds the
        session (it stays unchanged while held here), else a private snapshot from the store."""
        if not isinstance(session_id, str):
            raise SessionNotFound(session_id)
        if inline and not self.store.local:
            raise WouldWait()
        if not self.queues.try_acquire(session_id):
            if inline:
                raise WouldWait()
            yield self._load(session_id)
            return
        try:
            yield self._runtime(session_id, self.store.version(session_id), inline)
        finally:
            self.queues.release(session_id)

    def _change(self, session_id: str, change: Callable[[Runtime], None], view: str = "full", history: int | None = None,
                if_match=None, page: bool = False, inline: bool = False, trust: bool = False):
        """Runs `change` on the session's runtime while holding it; saves only if it succeeded.
        inline: only at once, on a small live session, else WouldWait (see INLINE_PARAMETERS).
        trust (a cheap change): a small live runtime's version and watched mark are checked by
        the save itself (Held.assumed). If another process changed the session meanwhile, or a
        refusal came from a copy that turns out stale, nothing is written and the change runs
        again on the stored session."""
        with self._held(session_id, inline, trust) as held:
            known = (held.version, held.watched) if held.assumed else None
            stale = False
            while True:
                try:
                    self._guarded(held, session_id)
                    # inline: a small session live here (once found stale, its reload is just as small)
                    runtime = self._runtime(session_id, held.version, inline and not stale)
                    if not _matches(if_match, held.version):
                        raise VersionMismatch(held.version)
                    before = step_summary(runtime) if page else None
                    try:
                        with np.errstate(all="ignore"):  # overflow is detected and refused, not logged
                            change(runtime)
                        saved = runtime.to_stored()
                        # on the event loop: tries for the writer's lock before queueing for it (see INLINE_WRITER_SPIN)
                        version = held.save(saved, spin=INLINE_WRITER_SPIN if inline else 0.0)
                    except BaseException:
                        self.working_set.discard(session_id)  # half-changed (or stale): the next use reloads
                        raise
                except Stale:  # changed by another process since this one's copy: again, on what is stored
                    held.confirm()
                    stale = True
                    continue
                except Exception as error:
                    # a refusal judged on a copy taken on trust stands only if the copy was current
                    if held.confirm() and (held.version, held.watched) != known:
                        self.working_set.discard(session_id)
                        stale = True
                        continue
                    if isinstance(error, NonFiniteError):
                        raise _refusal(error) from None
                    raise
                break
            if version is None:  # deleted by the sweep for idle sessions meanwhile
                self.working_set.discard(session_id)
                raise SessionNotFound(session_id)
            runtime.saved(version, held.watched)
            self.working_set.put(session_id, runtime)
            doc = session_document(runtime, view, history)
            return PageState(doc, before, SessionReader(runtime)) if page else doc

    # --- sessions --------------------------------------------------------------------------------

    def create(self, body: dict, view: str = "full", history: int | None = None, steps: int = 0) -> dict:
        """A new session (version 0); with `steps`, then stepped that far in the same call."""
        config = applied_config(self._expand_preset(body), self.datasets.meta)
        self._sweep_idle_sessions()
        client, stored_bytes = current_client.get(), _stored_bytes(config)
        if client is not None:
            self._within_quota(client, stored_bytes)
        config["data"] = self._stored_data(config)
        network = init_network(config["layers"], config["activations"], config["init"], config["seed"], config["weights"], config["biases"])
        optimizer = make_optimizer(config["optimizer"])
        stored_config = {
            **config,
            "weights": FROM_CHECKPOINT if config["weights"] is not None else None,
            "biases": FROM_CHECKPOINT if config["biases"] is not None else None,
        }
        current = {"checkpoint": INITIAL_CHECKPOINT, "iteration": 0, "steps": 0, "optimizer": config["optimizer"]}
        session_id = secrets.token_urlsafe(16)
        # the rows live in the datasets table (or are generated again): the session row holds none
        no_rows = np.zeros((0, config["layers"][0])), np.zeros((0, config["layers"][-1]))
        session = StoredSession(session_id, stored_config, current, INITIAL_CHECKPOINT + 1, [], np.zeros(0), *no_rows)
        initial = {INITIAL_CHECKPOINT: ckpt.encode(network, optimizer, 0)}
        data = self._data_of(session)
        self.store.insert(session, initial)
        if client is not None:
            self.store.record_owner(session_id, client, stored_bytes)
        if steps:
            return self.step(session_id, count=steps, view=view, history=history)
        runtime = Runtime(session, initial, self._fetcher(session_id), data)
        runtime.to_stored()
        runtime.saved(0, watched=False)  # as inserted
        self.working_set.put(session_id, runtime)
        return session_document(runtime, view, history)

    def _within_quota(self, client: str, stored_bytes: int) -> None:
        """Refuses a new session past the client's quota (429), before anything is allocated."""
        sessions, used = self.store.client_usage(client)
        most_sessions, most_bytes = self.quota.max_sessions, self.quota.max_stored_bytes
        if most_sessions and sessions >= most_sessions:
            raise QuotaExceeded(
                _("Your address ({client}) already holds {n} sessions, the most one address may hold "
                  "(BPLAB_MAX_SESSIONS_PER_CLIENT): delete the sessions you no longer need "
                  "(DELETE /api/v1/sessions/ID), wait for idle ones to expire, or ask the server's operator "
                  "to raise the limit.").format(client=clip(client), n=sessions),
                "max_sessions_per_client", most_sessions,
            )
        if most_bytes and used + stored_bytes > most_bytes:
            raise QuotaExceeded(
                _("Your address ({client}) already stores {used} MiB of sessions; this one would pass the "
                  "{most} MiB one address may store (BPLAB_MAX_STORED_MB_PER_CLIENT): delete sessions you no "
                  "longer need (DELETE /api/v1/sessions/ID), use less data, or ask the server's operator to "
                  "raise the limit.").format(client=clip(client), used=used // 2**20, most=most_bytes // 2**20),
                "max_stored_bytes_per_client", most_bytes,
            )

    @staticmethod
    def _expand_preset(body: dict) -> dict:
        if not isinstance(body, dict) or body.get("preset") is None:
            return {k: v for k, v in body.items() if k != "preset"} if isinstance(body, dict) else body
        name = body["preset"]
        preset = get_preset(name) if isinstance(name, str) else None
        if preset is None:
            names = ", ".join(p["name"] for p in PRESETS)
            raise InvalidInput.at(["preset"], _("there is no preset named \"{name}\": choose one of {names}").format(name=clip(name), names=names))
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
        # asarray: explicit rows the body parser made float64 arrays are not copied
        dataset = make_dataset(np.asarray(data["inputs"], dtype=np.float64), np.asarray(data["targets"], dtype=np.float64))
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

    def session_data(self, session_id: str) -> SessionData:
        """The session's rows with their split (which are held out) and its features."""
        with self._reading(session_id) as runtime:
            return runtime.data

    def get(self, session_id: str, view: str = "full", history: int | None = None, inline: bool = False) -> dict:
        with self._reading(session_id, inline) as runtime:
            return session_document(runtime, view, history)

    def show(self, session_id: str, view: str = "full", history: int | None = None) -> PageState:
        """A page's read: the Session and a reader on the same state, from one load at most."""
        with self._reading(session_id) as runtime:
            return PageState(session_document(runtime, view, history), None, SessionReader(runtime))

    def version(self, session_id: str) -> int:
        version = self.store.version(session_id) if isinstance(session_id, str) else None
        if version is None:
            raise SessionNotFound(session_id)
        return version

    def delete(self, session_id: str, if_match=None) -> None:
        with self._held(session_id) as held:
            if held.version is None:
                raise SessionNotFound(session_id)
            self._guarded(held, session_id)
            if not _matches(if_match, held.version):
                raise VersionMismatch(held.version)
            held.delete()
            self.working_set.discard(session_id)

    # --- stepping --------------------------------------------------------------------------------

    @staticmethod
    def _within_budget(runtime: Runtime, iterations: float, field: str) -> None:
        """Refuses work that would hold the session (and a server thread) for minutes."""
        if iterations * runtime.flops_per_iteration <= WORK_BUDGET_FLOPS:
            return
        most = max(1, int(WORK_BUDGET_FLOPS // runtime.flops_per_iteration))
        raise InvalidInput.over_limit(
            [field],
            _("this network is too large to train {n} iterations in one request (it would take minutes): "
              "ask for at most {most} iterations at a time").format(n=int(iterations), most=most),
            "max_iterations_per_request", most,
        )

    def step(self, session_id: str, count: int | None = None, until: str | None = None, **options):
        def run(runtime: Runtime) -> None:
            if count is not None:
                self._within_budget(runtime, count / runtime.steps_per_iteration, "count")
            if until is not None:
                for _i in range(runtime.steps_per_iteration):
                    if runtime.step().phase == until:
                        return
                return
            runtime.run_steps(count or 1)

        # a few steps of a small session cost less than reading its version: taken on trust
        return self._change(session_id, run, trust=count is None or count <= TRUSTED_STEPS, **options)

    def train(self, session_id: str, iterations: int, **options):
        def run(runtime: Runtime) -> None:
            self._within_budget(runtime, iterations, "iterations")
            runtime.train(iterations)

        return self._change(session_id, run, **options)

    def back(self, session_id: str, **options):
        def run(runtime: Runtime) -> None:
            if not runtime.undo:
                raise NothingToUndo(
                    _("There is nothing to undo: this is the oldest state kept (a new or reset session, or as far "
                      "back as the undo history reaches: {n} steps, fewer for networks over {p} parameters).").format(
                        n=UNDO_STEPS, p=f"{FULL_UNDO_PARAMETERS:,}"
                    )
                )
            runtime.back()

        return self._change(session_id, run, trust=True, **options)

    def reset(self, session_id: str, **options):
        return self._change(session_id, Runtime.reset, trust=True, **options)

    def patch(self, session_id: str, optimizer: dict | None = None, edits: list[dict] | None = None, **options):
        if optimizer is None and not edits:
            raise InvalidInput.at([], _("a PATCH changes something: give optimizer (some of its fields) and/or a non-empty list of edits"))

        def run(runtime: Runtime) -> None:
            merged = self._merged_optimizer(runtime.current["optimizer"], optimizer) if optimizer is not None else None
            runtime.patch(merged, checked_edits(runtime.sizes, edits) if edits else None)

        return self._change(session_id, run, trust=True, **options)

    @staticmethod
    def _merged_optimizer(current: dict, change: dict) -> dict:
        name = change.get("name", current["name"])
        if name not in OPTIMIZER_MODELS:
            raise InvalidInput.at(["optimizer", "name"], _("optimizer.name must be sgd or adam, not \"{name}\"").format(name=clip(name)))
        merged = {**current, **change} if name == current["name"] else {**change, "name": name}
        try:
            return OPTIMIZER_MODELS[name].model_validate(merged).model_dump()
        except ValidationError as error:
            raise InvalidInput(pydantic_errors(error, ("body", "optimizer"))) from None

    # --- reading the network -----------------------------------------------------------------------

    def predict(self, session_id: str, inputs) -> np.ndarray:
        with self._reading(session_id) as runtime:
            reader = SessionReader(runtime)
        return reader.predict(inputs)

    def layer_outputs(self, session_id: str, inputs) -> list[np.ndarray]:
        """a_0..a_L for any inputs at the current parameters."""
        return self.show(session_id, COMPACT).reader.layer_outputs(inputs)

    def dataset(self, session_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Every row of the session's data (inputs, targets), not only the batch."""
        return self.show(session_id, COMPACT).reader.dataset()

    def gradcheck(self, session_id: str, eps: float = 1e-5) -> dict:
        with self._reading(session_id) as runtime:
            network, loss, trace, seed = runtime.network.copy(), runtime.loss, runtime.stepper.trace, runtime.config["seed"]
        with np.errstate(all="ignore"):
            try:
                result = gradcheck(network, loss, trace.x, trace.y, eps, seed)
            except NonFiniteError as error:
                raise _read_refusal(error) from None
        values = [[e["analytic"], e["numeric"], e["rel_error"]] for e in result["entries"]]
        finite_or_refused([np.array(values)], lazy(
            "The loss overflows within eps of the current parameters, so central differences are "
            "not finite: use a smaller eps, lower the learning rate and step back, or reset."
        ))
        return result

    def numeric_partial(self, session_id: str, layer: int, to: int, from_: int | None, eps: float = 1e-5) -> dict:
        """The central difference of the batch loss for one parameter (see SessionReader)."""
        return self.show(session_id, COMPACT).reader.numeric_partial(layer, to, from_, eps)

    def update_report(self, session_id: str, layer: int, to: int, from_: int | None) -> list | None:
        """What the last step, if an update, did to one parameter (see SessionReader)."""
        return self.show(session_id, COMPACT).reader.update_report(layer, to, from_)

    def export(self, session_id: str) -> dict:
        with self._reading(session_id) as runtime:
            return export_config(runtime)

    def next_update(self, session_id: str, wanted: Callable[[tuple[int, ...]], bool] | None = None) -> NextUpdate | None:
        """What the session's next update starts from, for the PyTorch export: stepped on a
        private copy from the store (never the working set's, never saved), and refused (409)
        exactly when that step would be. None, without stepping, when wanted(layer sizes) is false."""
        runtime = self._load(session_id)
        if wanted is not None and not wanted(runtime.sizes):
            return None
        try:
            with np.errstate(all="ignore"):
                return next_update(runtime)
        except NonFiniteError as error:
            raise _refusal(error) from None


def _stored_bytes(config: dict) -> int:
    """What a new session stores, about: its data and its first checkpoint (parameters and
    optimizer state), in float64. Counted before anything is allocated."""
    sizes = config["layers"]
    parameters = sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, len(sizes)))
    data = config["data"]
    # a stored dataset's rows are stored once, whoever names them: a session on one adds none
    rows = data["samples"] if "samples" in data else (len(data["inputs"]) if "inputs" in data else 0)
    return 8 * (rows * (sizes[0] + sizes[-1]) + 3 * parameters)
