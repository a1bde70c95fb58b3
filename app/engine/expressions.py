"""Formulas as data: how an activation, a loss or an optimizer writes its maths, so the pages
draw any of them with one renderer and never ask which one it is.

An expression is a nested tuple: ("sym", name) is a symbol ("z", "y_hat", "lr"...), ("num", x)
a constant, and (op, *operands) an operation of OPS. No markup here: the web layer renders
them (app/ui/mathml.py), substituting numbers for symbols when it shows a worked line.
"""
from __future__ import annotations

from dataclasses import dataclass, field

Expression = tuple

# op -> operand count (None: the first operand is a name, then one expression)
OPS = {"add": 2, "sub": 2, "mul": 2, "div": 2, "neg": 1, "pow": 2, "sqrt": 1, "log": 1, "exp": 1,
       "call": None, "sum": None}


def sym(name: str) -> Expression:
    return ("sym", name)


def const(value: float) -> Expression:
    return ("num", value)


def add(a, b) -> Expression:
    return ("add", a, b)


def sub(a, b) -> Expression:
    return ("sub", a, b)


def mul(a, b) -> Expression:
    return ("mul", a, b)


def div(a, b) -> Expression:
    return ("div", a, b)


def neg(a) -> Expression:
    return ("neg", a)


def power(a, b) -> Expression:
    return ("pow", a, b)


def sqrt(a) -> Expression:
    return ("sqrt", a)


def log(a) -> Expression:
    return ("log", a)


def exp(a) -> Expression:
    return ("exp", a)


def call(function: str, argument) -> Expression:
    """function(argument), the function written by its symbol (sigma, tanh, ReLU)."""
    return ("call", function, argument)


def total(index: str, body) -> Expression:
    """The sum of body over index."""
    return ("sum", index, body)


def symbols(expression: Expression) -> set[str]:
    """Every symbol an expression uses."""
    if expression[0] == "sym":
        return {expression[1]}
    if expression[0] == "num":
        return set()
    operands = expression[2:] if OPS[expression[0]] is None else expression[1:]
    return set().union(*(symbols(operand) for operand in operands))


@dataclass(frozen=True)
class Assignment:
    """One line of a worked computation: target <- expression, with the numbers it used.

    `values` holds a number for every symbol of `expression` (the values before the line ran),
    `result` what the engine computed."""
    target: str
    expression: Expression
    values: dict[str, float] = field(default_factory=dict)
    result: float = 0.0
