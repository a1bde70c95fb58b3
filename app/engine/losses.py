"""Losses with reduction "mean", as PyTorch defines them: value(y_hat, y) and grad(y_hat, y) = dL/dy_hat.

The batch mean lives here and only here.
"""
from __future__ import annotations

import numpy as np

from app.engine.expressions import Expression, add, const, div, log, mul, neg, power, sub, sym

# torch.nn.BCELoss clamps log() at -100 and its gradient's denominator at 1e-12
_BCE_LOG_FLOOR = -100.0
_BCE_GRAD_EPS = 1e-12


class Loss:
    """What the pages show of a loss comes from here too: `display_name` (an English msgid the
    page translates), `term` (one output's share before the mean: symbols "y_hat" and "y") and
    `averages_rows` (the mean is over batch rows, each summing its outputs' terms, rather than
    over every element)."""

    name: str
    display_name: str
    term: Expression
    averages_rows = False
    requires_output: str | None = None  # the output activation this loss is defined for

    def value(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def fuses_with(self, activation) -> bool:
        """Whether output_delta skips dA for this output activation."""
        return False

    def prepare(self, targets: np.ndarray) -> None:
        """Called once with every target row of the data, before training on it."""

    def output_delta(self, activation, z, y_hat, y, dA) -> np.ndarray:
        """dL/dz of the output layer; a loss paired with its output activation may fuse the two."""
        return activation.backward(z, y_hat, dA)

    def fused_delta_formula(self, y_row: np.ndarray) -> Expression | None:
        """The fused delta_j of output_delta as a formula (symbols y_hat, y, B, sum_y), for the
        target row shown; None when this loss does not fuse."""
        return None


class MSE(Loss):
    """Mean over every batch x output element of (y_hat - y)^2 (torch.nn.MSELoss)."""

    name = "mse"
    display_name = "the mean squared error"
    term = power(sub(sym("y_hat"), sym("y")), const(2))

    def value(self, y_hat, y):
        diff = y_hat - y
        return float(np.vdot(diff, diff) / diff.size)

    def grad(self, y_hat, y):
        return (2.0 / y_hat.size) * (y_hat - y)


class BCE(Loss):
    """Mean over every element of -(y log a + (1-y) log(1-a)) (torch.nn.BCELoss)."""

    name = "bce"
    display_name = "binary cross-entropy"
    term = neg(add(mul(sym("y"), log(sym("y_hat"))), mul(sub(const(1), sym("y")), log(sub(const(1), sym("y_hat"))))))
    requires_output = "sigmoid"

    def value(self, y_hat, y):
        with np.errstate(divide="ignore"):
            log_a = np.maximum(np.log(y_hat), _BCE_LOG_FLOOR)
            log_1ma = np.maximum(np.log(1.0 - y_hat), _BCE_LOG_FLOOR)
        return float(-(y * log_a + (1.0 - y) * log_1ma).sum() / y_hat.size)

    def grad(self, y_hat, y):
        denominator = np.maximum(y_hat * (1.0 - y_hat), _BCE_GRAD_EPS)
        return (y_hat - y) / denominator / y_hat.size


class CrossEntropy(Loss):
    """Mean over the batch of -sum_k y_k log a_k (torch.nn.CrossEntropyLoss, probability targets).

    PyTorch takes logits; we take the softmax output, so log(0) is floored at the smallest
    normal float: it only matters for a saturated softmax, where PyTorch's value is huge too.
    """

    name = "cross_entropy"
    display_name = "cross-entropy"
    term = neg(mul(sym("y"), log(sym("y_hat"))))
    averages_rows = True
    requires_output = "softmax"

    def value(self, y_hat, y):
        log_a = np.log(np.maximum(y_hat, np.finfo(np.float64).tiny))
        return float(-np.vdot(y, log_a) / y_hat.shape[0])

    def grad(self, y_hat, y):
        # -y/a, kept finite where the target is 0 (the product y*log a is 0 there)
        ratio = np.divide(y, y_hat, out=np.zeros_like(y_hat), where=y != 0)
        return -ratio / y_hat.shape[0]

    def fuses_with(self, activation):
        return activation.name == self.requires_output

    def grad_is_finite(self, y_hat, y) -> bool:
        """Whether grad() would be finite: -y/a is infinite only where a softmax output
        underflowed to 0 under a positive target."""
        if np.minimum.reduce(y_hat, axis=None) > 0.0:
            return True
        return not ((y_hat == 0.0) & (y > 0.0)).any()

    rows_sum_to_one = False  # one-hot or probability targets: sum(y) is 1 in every row

    def prepare(self, targets):
        self.rows_sum_to_one = bool((np.add.reduce(targets, axis=1) == 1.0).all())

    def output_delta(self, activation, z, y_hat, y, dA):
        # through softmax the product of -y/a and the Jacobian simplifies to (a sum(y) - y)/B,
        # which stays finite where a has underflowed to 0; a * 1 is a exactly, so rows that sum
        # to one skip the multiplication with the same result
        if self.rows_sum_to_one:
            delta = y_hat - y  # (B, n_L)
        else:
            delta = y_hat * np.add.reduce(y, axis=1, keepdims=True)
            delta -= y
        delta *= 1.0 / y_hat.shape[0]
        return delta

    def fused_delta_formula(self, y_row):
        if float(np.add.reduce(np.asarray(y_row, dtype=float))) == 1.0:
            return div(sub(sym("y_hat"), sym("y")), sym("B"))
        return div(sub(mul(sym("y_hat"), sym("sum_y")), sym("y")), sym("B"))


LOSSES: dict[str, type[Loss]] = {cls.name: cls for cls in (MSE, BCE, CrossEntropy)}


def get_loss(name: str) -> Loss:
    return LOSSES[name]()
