"""Runs the step cycle of one iteration on a network, one step at a time.

A step whose result is not finite raises NonFiniteError before it is recorded in the trace;
the update writes the parameters in place, so callers that must stay unchanged on an error
(the session service) step a copy.
"""
from __future__ import annotations

import numpy as np

from app.engine.losses import Loss
from app.engine.network import Network
from app.engine.optimizers import Optimizer
from app.engine.steps import BACKWARD, FORWARD, LOSS, UPDATE, Step, step_cycle
from app.engine.trace import Trace


class NonFiniteError(ArithmeticError):
    """A step produced inf or NaN; `step` and `quantity` say where."""

    def __init__(self, step: Step, quantity: str):
        super().__init__(f"{step}: {quantity} is not finite")
        self.step = step
        self.quantity = quantity


def _require_finite(step: Step, **arrays: np.ndarray) -> None:
    for quantity, array in arrays.items():
        if not np.isfinite(array).all():
            raise NonFiniteError(step, quantity)


class Stepper:
    def __init__(self, network: Network, loss: Loss, optimizer: Optimizer | None, x: np.ndarray, y: np.ndarray):
        self.network = network
        self.loss = loss
        self.optimizer = optimizer
        self.trace = Trace(x, y)
        self.cycle = step_cycle(network.L)
        self.done = 0  # how many steps of this iteration have run
        self._run = {FORWARD: self.forward, LOSS: self.compute_loss, BACKWARD: self.backward, UPDATE: self.update}

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

    def forward(self, step: Step) -> None:
        l, net, trace = step.layer, self.network, self.trace
        z = trace.a[l - 1] @ net.W[l].T  # (B, n_out)
        z += net.b[l]
        a = net.activations[l].fn(z)
        _require_finite(step, z=z, a=a)
        trace.z[l], trace.a[l] = z, a

    def compute_loss(self, step: Step) -> None:
        trace = self.trace
        value = self.loss.value(trace.a[self.network.L], trace.y)
        if not np.isfinite(value):
            raise NonFiniteError(step, "the loss")
        trace.loss = value

    def backward(self, step: Step) -> None:
        l, net, trace = step.layer, self.network, self.trace
        activation = net.activations[l]
        if l == net.L:
            dA = self.loss.grad(trace.a[l], trace.y)  # (B, n_L)
            delta = self.loss.output_delta(activation, trace.z[l], trace.a[l], trace.y, dA)
        else:
            dA = trace.delta[l + 1] @ net.W[l + 1]  # (B, n_l)
            delta = activation.backward(trace.z[l], trace.a[l], dA)
        dW = delta.T @ trace.a[l - 1]  # (n_l, n_{l-1}), the shape of W
        db = delta.sum(axis=0)
        _require_finite(step, dA=dA, delta=delta, dW=dW, db=db)
        trace.dA[l], trace.delta[l], trace.dW[l], trace.db[l] = dA, delta, dW, db

    def gradients(self) -> list[np.ndarray]:
        """[dW1, db1, dW2, db2, ...], parallel to network.parameters()."""
        return [g for l in range(1, self.network.L + 1) for g in (self.trace.dW[l], self.trace.db[l])]

    def update(self, step: Step) -> None:
        params = self.network.parameters()
        self.optimizer.update(params, self.gradients())
        for param in params:
            _require_finite(step, parameters=param)
        for state in self.optimizer.state_arrays():
            _require_finite(step, optimizer_state=state)
