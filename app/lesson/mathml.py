"""A tiny MathML tree: Python builds formulas as data, templates/lesson/partials/math.html renders them.

No markup is built from strings here: each node holds a tag from a fixed set, its text (escaped by
the template) and its children.
"""
from __future__ import annotations

from dataclasses import dataclass

TAGS = frozenset({"mi", "mn", "mo", "mtext", "mrow", "mfrac", "msup", "msub", "msqrt", "mspace", "munder"})


@dataclass(frozen=True)
class Node:
    tag: str
    text: str | None = None
    children: tuple[Node, ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        if self.tag not in TAGS:
            raise ValueError(f"unknown MathML tag {self.tag!r}")


def mi(name: str, normal: bool = False) -> Node:
    """An identifier; normal=True for multi-letter names (sin, cos) and the upright d."""
    return Node("mi", name, attrs=(("mathvariant", "normal"),) if normal else ())


def mn(value: str | float) -> Node:
    text = value if isinstance(value, str) else format_number(value)
    if text.startswith("-"):
        return row(mo("−"), Node("mn", text[1:]))
    return Node("mn", text)


def mo(op: str) -> Node:
    return Node("mo", op)


def mtext(text: str) -> Node:
    return Node("mtext", text)


def row(*children: Node) -> Node:
    return Node("mrow", children=tuple(children))


def frac(numerator: Node, denominator: Node) -> Node:
    return Node("mfrac", children=(numerator, denominator))


def sup(base: Node, exponent: Node) -> Node:
    return Node("msup", children=(base, exponent))


def sub(base: Node, index: Node) -> Node:
    return Node("msub", children=(base, index))


def under(base: Node, below: Node) -> Node:
    return Node("munder", children=(base, below))


def paren(*children: Node) -> Node:
    return row(mo("("), *children, mo(")"))


def d(var: str) -> Node:
    """'dx' with an upright d."""
    return row(mi("d", normal=True), mi(var))


def partial(var: str) -> Node:
    return row(mo("∂"), mi(var))


def ratio(top: str, bottom: str, symbol: str = "d") -> Node:
    """dy/dx or ∂z/∂x as a fraction."""
    make = d if symbol == "d" else partial
    return frac(make(top), make(bottom))


def call(name: str, *args: Node) -> Node:
    """f(x), sin(u): a function applied to arguments."""
    head = mi(name, normal=len(name) > 1)
    inner: list[Node] = []
    for position, arg in enumerate(args):
        if position:
            inner.append(mo(","))
        inner.append(arg)
    return row(head, mo("\u2061"), paren(*inner))


def equation(*sides: Node) -> Node:
    """a = b = c."""
    items: list[Node] = []
    for position, side in enumerate(sides):
        if position:
            items.append(mo("="))
        items.append(side)
    return row(*items)


def format_number(value: float, digits: int = 6) -> str:
    if value == 0:
        return "0"
    return format(float(value), f".{digits}g")


def prime(name: str) -> Node:
    """F' as F with a prime."""
    return row(mi(name), mo("′"))


def x_sub(var: str, index: str) -> Node:
    return sub(mi(var), mn(index))
