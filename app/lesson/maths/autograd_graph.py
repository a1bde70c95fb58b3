"""The autograd graph of a network for one sample, as micrograd's draw_dot draws it: a value node
for every number (with its data and its grad) and an operation node for every op that made one.

The numbers come from the engine's trace of one iteration (forward 1 .. backward 1), so every
value and gradient is the one the session shows for that row; only a leaf's grad is this
sample's share of the batch's (the batch's is the sum over its rows). `backward_order` is the
order reverse-mode autodiff fills the grads in: reversed topological order, from the loss.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.engine.activations import get_activation

OP_SYMBOLS = {"mul": "\u00d7", "sum": "+", "linear": "id", "sigmoid": "\u03c3", "tanh": "tanh", "relu": "ReLU",
              "leaky_relu": "lrelu", "softmax": "smax", "mse": "MSE", "bce": "BCE", "cross_entropy": "CE"}


@dataclass
class Term:
    """One term of a grad: grad of the consumer `via` times the local derivative `local`."""

    via: str  # node id of the consumer value
    grad: float
    local: float


@dataclass
class Node:
    id: str
    kind: str  # "value" or "op"
    label: str  # value: its name (w[2][0,1], z[1][0], ...); op: its op name
    layer: int = 0
    data: float | None = None
    grad: float | None = None
    role: str = ""  # value: input | weight | bias | product | z | a | loss
    terms: list[Term] = field(default_factory=list)  # how grad was summed from the consumers'


@dataclass
class Graph:
    nodes: dict[str, Node]
    edges: list[tuple[str, str]]  # (from, to): value -> op -> value
    backward_order: list[str]  # value ids, the loss first
    row: int
    rows: int  # the batch's rows: leaves' grads here are this row's share


def _value(graph: Graph, id_: str, label: str, layer: int, data: float, role: str) -> Node:
    node = Node(id_, "value", label, layer, float(data), None, role)
    graph.nodes[id_] = node
    return node


def _op(graph: Graph, id_: str, op: str, layer: int, inputs: list[str], output: str) -> None:
    graph.nodes[id_] = Node(id_, "op", op, layer)
    graph.edges.extend((source, id_) for source in inputs)
    graph.edges.append((id_, output))


def build_graph(W: list, b: list, activations: list[str], loss: str, trace, row: int, input_names: list[str] | None = None) -> Graph:
    """W[l], b[l] for l = 1..L (index 0 unused); trace with a, z, dA, delta of every layer and the
    loss; row: the sample in focus; input_names: the inputs' features (default x[0], x[1], ...)."""
    L = len(activations)
    a = {l: np.asarray(trace.a[l])[row] for l in range(L + 1)}
    z = {l: np.asarray(trace.z[l])[row] for l in range(1, L + 1)}
    dA = {l: np.asarray(trace.dA[l])[row] for l in range(1, L + 1)}
    delta = {l: np.asarray(trace.delta[l])[row] for l in range(1, L + 1)}
    rows = int(np.asarray(trace.a[0]).shape[0])
    graph = Graph({}, [], [], row, rows)
    names = input_names or [f"x[{i}]" for i in range(len(a[0]))]
    for i, value in enumerate(a[0]):
        _value(graph, f"a0_{i}", names[i], 0, value, "input")
    for l in range(1, L + 1):
        Wl, bl = np.asarray(W[l]), np.asarray(b[l])
        for j in range(Wl.shape[0]):
            products = []
            for i in range(Wl.shape[1]):
                w_id, p_id = f"w{l}_{j}_{i}", f"p{l}_{j}_{i}"
                _value(graph, w_id, f"w[{l}][{j},{i}]", l, Wl[j, i], "weight")
                source = names[i] if l == 1 else f"a[{l - 1}][{i}]"
                _value(graph, p_id, f"w[{l}][{j},{i}]\u00b7{source}", l, Wl[j, i] * a[l - 1][i], "product")
                _op(graph, f"mul{l}_{j}_{i}", "mul", l, [w_id, f"a{l - 1}_{i}"], p_id)
                products.append(p_id)
            b_id = f"b{l}_{j}"
            _value(graph, b_id, f"b[{l}][{j}]", l, bl[j], "bias")
            _value(graph, f"z{l}_{j}", f"z[{l}][{j}]", l, z[l][j], "z")
            _op(graph, f"sum{l}_{j}", "sum", l, [*products, b_id], f"z{l}_{j}")
        softmax = activations[l - 1] == "softmax"
        for j in range(Wl.shape[0]):
            _value(graph, f"a{l}_{j}", f"a[{l}][{j}]", l, a[l][j], "a")
            inputs = [f"z{l}_{k}" for k in range(Wl.shape[0])] if softmax else [f"z{l}_{j}"]
            _op(graph, f"act{l}_{j}", activations[l - 1], l, inputs, f"a{l}_{j}")
    _value(graph, "loss", "L", L + 1, trace.loss, "loss")
    _op(graph, "loss_op", loss, L + 1, [f"a{L}_{k}" for k in range(len(a[L]))], "loss")
    _fill_grads(graph, W, activations, a, z, dA, delta, L)
    return graph


def _fill_grads(graph: Graph, W, activations, a, z, dA, delta, L) -> None:
    """Every grad with the terms it sums, in the order reverse mode visits the nodes."""
    nodes, order = graph.nodes, graph.backward_order
    nodes["loss"].grad = 1.0
    order.append("loss")
    for l in range(L, 0, -1):
        Wl = np.asarray(W[l])
        n_out, n_in = Wl.shape
        for j in range(n_out):
            node = nodes[f"a{l}_{j}"]
            node.grad = float(dA[l][j])
            if l == L:
                node.terms = [Term("loss", 1.0, float(dA[l][j]))]  # the loss's own slope in a
            else:
                node.terms = [Term(f"p{l + 1}_{k}_{j}", float(delta[l + 1][k]), float(W[l + 1][k, j])) for k in range(len(delta[l + 1]))]
            order.append(node.id)
        for j in range(n_out):
            node = nodes[f"z{l}_{j}"]
            node.grad = float(delta[l][j])
            if activations[l - 1] == "softmax":  # da_k/dz_j = a_k (1[k = j] - a_j)
                node.terms = [Term(f"a{l}_{k}", float(dA[l][k]), float(a[l][k] * ((k == j) - a[l][j]))) for k in range(n_out)]
            else:  # f'(z) as the engine defines it (relu 0 and leaky_relu 0.01 at 0, as PyTorch)
                slope = float(get_activation(activations[l - 1]).grad(np.array([[z[l][j]]]))[0, 0])
                node.terms = [Term(f"a{l}_{j}", float(dA[l][j]), slope)]
            order.append(node.id)
        for j in range(n_out):
            bias = nodes[f"b{l}_{j}"]
            bias.grad, bias.terms = float(delta[l][j]), [Term(f"z{l}_{j}", float(delta[l][j]), 1.0)]
            order.append(bias.id)
            for i in range(n_in):
                product = nodes[f"p{l}_{j}_{i}"]
                product.grad, product.terms = float(delta[l][j]), [Term(f"z{l}_{j}", float(delta[l][j]), 1.0)]
                weight = nodes[f"w{l}_{j}_{i}"]
                weight.grad = float(delta[l][j] * a[l - 1][i])
                weight.terms = [Term(product.id, float(delta[l][j]), float(a[l - 1][i]))]
                order += [product.id, weight.id]
    for i, value in enumerate(a[0]):  # the inputs' grads: PyTorch computes them if x requires grad
        node = nodes[f"a0_{i}"]
        node.terms = [Term(f"p1_{k}_{i}", float(delta[1][k]), float(W[1][k, i])) for k in range(len(delta[1]))]
        node.grad = float(sum(t.grad * t.local for t in node.terms))
        order.append(node.id)


def layout_columns(graph: Graph) -> dict[str, int]:
    """Each node's column, left to right as draw_dot's rankdir=LR: one more than its inputs'."""
    inputs: dict[str, list[str]] = {}
    for source, target in graph.edges:
        inputs.setdefault(target, []).append(source)
    column: dict[str, int] = {}

    def depth(node_id: str) -> int:
        if node_id not in column:
            column[node_id] = 1 + max((depth(s) for s in inputs.get(node_id, [])), default=-1)
        return column[node_id]

    for node_id in graph.nodes:
        depth(node_id)
    consumers: dict[str, list[str]] = {}
    for source, target in graph.edges:
        consumers.setdefault(source, []).append(target)
    for node_id in graph.nodes:  # a leaf sits just before the op that uses it, not far left
        if node_id not in inputs and node_id in consumers:
            column[node_id] = min(column[c] for c in consumers[node_id]) - 1
    return column


def engine_trace(sizes, activations: list[str], loss_name: str, W: list, b: list, x, y):
    """A trace with every value of one iteration up to backward 1 (no update), by the engine."""
    from app.engine.losses import get_loss
    from app.engine.network import init_network
    from app.engine.stepper import Stepper

    network = init_network(sizes, activations, weights=W, biases=b)
    loss = get_loss(loss_name)
    loss.prepare(np.asarray(y, dtype=float))
    stepper = Stepper(network, loss, None, np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    stepper.run(2 * network.L + 1)
    return stepper.trace
