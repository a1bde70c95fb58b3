"""Runs the step cycle of one iteration on a network, one step at a time.

A step whose result is not finite raises NonFiniteError before it is recorded in the trace;
the update writes the parameters in place, so callers that must stay unchanged on an error
(the session service) step a copy.
"""
from __future__ import annotations

import math

import numpy as np

from app.engine.losses import Loss
from app.engine.metrics import accuracy
from app.engine.network import Network, split_flat
from app.engine.optimizers import Optimizer
from app.engine.steps import BACKWARD, FORWARD, LOSS, UPDATE, Step, step_cycle
from app.engine.trace import Trace

_sum = np.add.reduce  # without ndarray.sum's Python wrapper: this runs several times an iteration


class NonFiniteError(ArithmeticError):
    """A step produced inf or NaN; `step` and `quantity` say where."""

    def __init__(self, step: Step, quantity: str):
        super().__init__(f"{step}: {quantity} is not finite")
        self.step = step
        self.quantity = quantity


def _require_finite(step: Step, **arrays: np.ndarray) -> None:
    # One sum over everything is finite only if every element is (inf - inf and NaN poison
    # it); only a sum that overflowed from finite values needs the element-wise look.
    total = 0.0
    for array in arrays.values():
        total += _sum(array, axis=None)
    if math.isfinite(total):
        return
    for quantity, array in arrays.items():
        if not np.isfinite(array).all():
            raise NonFiniteError(step, quantity)


class Stepper:
    """`held_out` (x, y): rows never in a batch, whose loss the loss step also computes (one
    forward pass); `with_accuracy`: the targets are classes, so the loss step counts hits too."""

    def __init__(
        self,
        network: Network,
        loss: Loss,
        optimizer: Optimizer | None,
        x: np.ndarray,
        y: np.ndarray,
        held_out: tuple[np.ndarray, np.ndarray] | None = None,
        with_accuracy: bool = False,
    ):
        self.network = network
        self.loss = loss
        self.optimizer = optimizer
        self.held_out = held_out
        self.with_accuracy = with_accuracy
        self.cycle = step_cycle(network.L)
        self._run = {FORWARD: self.forward, LOSS: self.compute_loss, BACKWARD: self.backward, UPDATE: self.update}
        # dW and db of every layer are views of one vector, parallel to network.flat
        self.gradient = np.zeros_like(network.flat)
        views = split_flat(self.gradient, network.sizes)
        self._dW, self._db = [None, *views[0::2]], [None, *views[1::2]]
        self.begin(x, y)

    def begin(self, x: np.ndarray, y: np.ndarray) -> None:
        """Starts an iteration on a batch: nothing computed yet but its inputs."""
        self.trace = Trace(x, y)
        self.done = 0  # how many steps of this iteration have run
        self.thorough = True  # every value computed and checked (False only inside run_iteration)

    @property
    def next_step(self) -> Step | None:
        return self.cycle[self.done] if self.done < len(self.cycle) else None

    @property
    def last_step(self) -> Step | None:
        return self.cycle[self.done - 1] if self.done else None

    def step(self) -> Step:
        step = self.cycle[self.done]
        self._run[step.phase](step)
        self.done += 1
        return step

    def run(self, count: int) -> None:
        for _ in range(count):
            self.step()

    def run_iteration(self) -> None:
        """The rest of the cycle for train's inner iterations, which are never shown: it skips
        the values only a page shows (the fused output dA) and the backward checks, whose
        failures reach the updated parameters anyway, so it refuses exactly what step() refuses
        (maybe at a later step). The arithmetic is step()'s own."""
        self.thorough = False
        try:
            for step in self.cycle[self.done : -1]:
                self._run[step.phase](step)
        finally:
            self.thorough = True
        self.done = len(self.cycle) - 1
        self.step()  # the update, checked: a non-finite gradient makes non-finite parameters

    def forward(self, step: Step) -> None:
        l, net, trace = step.layer, self.network, self.trace
        z = trace.a[l - 1] @ net.W[l].T  # (B, n_out)
        z += net.b[l]
        if not math.isfinite(_sum(z, axis=None)):  # every activation maps finite z to finite a
            _require_finite(step, z=z)  # (tanh(inf) = 1 would hide an overflow further on)
        trace.z[l], trace.a[l] = z, net.activations[l].fn(z)

    def compute_loss(self, step: Step) -> None:
        trace = self.trace
        y_hat = trace.a[self.network.L]
        value = self.loss.value(y_hat, trace.y)
        if not math.isfinite(value):
            raise NonFiniteError(step, "the loss")
        if self.held_out is not None:
            x_test, y_test = self.held_out
            y_hat_test = self.network.predict(x_test)  # the parameters the iteration started from
            test_loss = self.loss.value(y_hat_test, y_test)
            if not math.isfinite(test_loss):
                raise NonFiniteError(step, "the held-out loss")
            trace.test_loss = test_loss
            if self.with_accuracy:
                trace.test_accuracy = accuracy(y_hat_test, y_test)
        if self.with_accuracy:
            trace.accuracy = accuracy(y_hat, trace.y)
        trace.loss = value

    def backward(self, step: Step) -> None:
        l, net, trace = step.layer, self.network, self.trace
        activation = net.activations[l]
        if l == net.L:
            fused = self.loss.fuses_with(activation)
            if self.thorough or not fused:
                dA = self.loss.grad(trace.a[l], trace.y)  # (B, n_L)
            else:  # dA is skipped, but where it would be infinite the step is refused all the same
                dA = None
                if not self.loss.grad_is_finite(trace.a[l], trace.y):
                    raise NonFiniteError(step, "dA")
            delta = self.loss.output_delta(activation, trace.z[l], trace.a[l], trace.y, dA)
        else:
            dA = trace.delta[l + 1] @ net.W[l + 1]  # (B, n_l)
            delta = activation.backward(trace.z[l], trace.a[l], dA)
        dW = np.matmul(delta.T, trace.a[l - 1], out=self._dW[l])  # (n_l, n_{l-1}), the shape of W
        db = _sum(delta, axis=0, out=self._db[l])
        if self.thorough:
            _require_finite(step, dA=dA, dW=dW, db=db)  # db sums delta: it is finite only if delta is
        # else: no activation's backward turns a non-finite dA into a finite delta (inf * 0 is
        # NaN), so a non-finite dA, delta, dW or db makes the updated parameters non-finite
        trace.dA[l], trace.delta[l], trace.dW[l], trace.db[l] = dA, delta, dW, db

    def update(self, step: Step) -> None:
        optimizer = self.optimizer
        optimizer.update(self.network.flat, self.gradient)
        total = _sum(self.network.flat, axis=None)
        for vector in optimizer.state_arrays():
            total += _sum(vector, axis=None)
        if not math.isfinite(total):
            state = {f"the optimizer's {name}": getattr(optimizer, name) for name in optimizer.state_vectors}
            _require_finite(step, parameters=self.network.flat, **{k: v for k, v in state.items() if v is not None})
