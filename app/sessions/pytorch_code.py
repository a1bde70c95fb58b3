"""The PyTorch lines that compute what a session computes, as text: one source for the exported
program and for the "In PyTorch" lines beside each step, so what the page shows is what runs.

Names follow the session: layer l is `layer{l}` (a torch.nn.Linear), its pre-activation `z{l}`
and activation `a{l}`, the batch `a0` (= x) and `y`. Nothing here imports torch.
"""
from __future__ import annotations

from app.engine.optimizers import OPTIMIZER_DEFAULTS

# activation name -> the call that applies it to a (B, n) tensor of pre-activations
_ACTIVATION_CALLS = {
    "linear": "{z}",
    "sigmoid": "torch.sigmoid({z})",
    "tanh": "torch.tanh({z})",
    "relu": "torch.relu({z})",
    "leaky_relu": "F.leaky_relu({z}, negative_slope=0.01)",
    "softmax": "torch.softmax({z}, dim=1)",
}

OPTIMIZER_CLASSES = {"sgd": "torch.optim.SGD", "adam": "torch.optim.Adam"}


def layer_name(l: int) -> str:
    return f"layer{l}"


def linear_line(l: int, n_in: int, n_out: int) -> str:
    return f"{layer_name(l)} = torch.nn.Linear({n_in}, {n_out})"


def activation_call(activation: str, z: str) -> str:
    return _ACTIVATION_CALLS[activation].format(z=z)


def forward_lines(l: int, activation: str) -> list[str]:
    """z{l} = layer{l}(a{l-1}); a{l} = f(z{l})."""
    return [f"z{l} = {layer_name(l)}(a{l - 1})", f"a{l} = {activation_call(activation, f'z{l}')}"]


def fuses_softmax(loss: str) -> bool:
    """F.cross_entropy takes the logits z_L and applies softmax itself, as our fused delta does."""
    return loss == "cross_entropy"


def loss_call(loss: str, output: str, logits: str, target: str) -> str:
    """The loss of outputs `output` (whose pre-activations are `logits`) against `target`."""
    if loss == "mse":
        return f"F.mse_loss({output}, {target})"
    if loss == "bce":
        return f"F.binary_cross_entropy({output}, {target})"
    return f"F.cross_entropy({logits}, {target})"  # probability (or one-hot) targets


def loss_line(loss: str, L: int) -> str:
    return f"loss = {loss_call(loss, f'a{L}', f'z{L}', 'y')}"


def _number(value: float) -> str:
    return repr(float(value))


def optimizer_line(name: str, hyper: dict, parameters: str = "parameters") -> str:
    """optimizer = torch.optim.SGD(parameters, lr=..., ...), only the fields that differ from
    torch's defaults besides lr (torch's SGD has no default lr; ours is given always)."""
    hyper = {**OPTIMIZER_DEFAULTS[name], **hyper}
    args = [parameters, f"lr={_number(hyper['learning_rate'])}"]
    if name == "sgd":
        if hyper.get("momentum", 0.0):
            args.append(f"momentum={_number(hyper['momentum'])}")
    else:
        args.append(f"betas=({_number(hyper['beta1'])}, {_number(hyper['beta2'])})")
        args.append(f"eps={_number(hyper['eps'])}")
    if hyper.get("weight_decay", 0.0):
        args.append(f"weight_decay={_number(hyper['weight_decay'])}")
    return f"optimizer = {OPTIMIZER_CLASSES[name]}({', '.join(args)})"


def feature_expression(feature: str) -> str:
    """A feature name of API.md (xi, xi^2, xi*xj, sin(xi), cos(xi)) as a torch expression of
    the raw column tensors x1..xn."""
    if feature.startswith(("sin(", "cos(")):
        return f"torch.{feature}"
    if feature.endswith("^2"):
        column = feature[:-2]
        return f"{column} * {column}"
    return feature.replace("*", " * ")


def inputs_line(features: list[str] | None, n_columns: int) -> str:
    """inputs = torch.stack([...]): the network's inputs from the raw column tensors x1..xn."""
    names = features or [f"x{i}" for i in range(1, n_columns + 1)]
    return f"inputs = torch.stack([{', '.join(feature_expression(name) for name in names)}], dim=1)"
