"""Server-side MathML for the lab and the lesson: small builders that return Markup, escaping
every text node, and one renderer for the formulas the engine and the lesson's maths hold as
data (app/engine/expressions.py).

No JavaScript maths library: browsers render MathML Core natively. Build a formula from
mi (identifiers), mn (numbers), mo (operators) and the layout elements, then wrap it in math().
Negative numbers carry a true minus sign inside their mn, so the sign is never split off.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

from markupsafe import Markup, escape

from app.engine.expressions import Expression, symbols as symbols_of
from app.ui.numbers import MINUS, fmt


# Each element is written as one plain string and made Markup once: Markup's own + and join
# escape every piece again and make a new Markup of each, which cost most of a step's narration.

def _attributes(attrs: dict) -> str:
    if not attrs:
        return ""
    return "".join([f' {name.rstrip("_")}="{escape(value)}"' for name, value in attrs.items()])


def _element(tag: str, children, **attrs) -> Markup:
    inner = "".join([child if isinstance(child, Markup) else _text("mtext", child) for child in children])
    return Markup(f"<{tag}{_attributes(attrs)}>{inner}</{tag}>")


def _text(tag: str, text: str, **attrs) -> Markup:
    return Markup(f"<{tag}{_attributes(attrs)}>{escape(str(text))}</{tag}>")


@lru_cache(maxsize=1024)  # a formula's letters and operators are a small set, asked for again and again
def mi(name: str, normal: bool = False) -> Markup:
    """An identifier; multi-letter names (tanh, ReLU, sin) are upright as in print."""
    return _text("mi", name, mathvariant="normal") if normal else _text("mi", name)


def mn(value: float | str, digits: int = 5) -> Markup:
    """A number; negative numbers get a true minus sign inside the mn so the sign is not lost."""
    text = value if isinstance(value, str) else fmt(value, digits)
    return _text("mn", text.replace("-", MINUS))


def num(value: float, digits: int = 5) -> Markup:
    """A number as a factor: negative ones in parentheses, so '0.5 × (−0.2)' reads right."""
    if float(value) < 0:
        return mrow(mo("("), mn(value, digits), mo(")"))
    return mn(value, digits)


@lru_cache(maxsize=1024)
def mo(op: str) -> Markup:
    return _text("mo", MINUS if op == "-" else op)  # a true minus sign, as in print


@lru_cache(maxsize=1024)
def mtext(text: str) -> Markup:
    return _text("mtext", text)


def mrow(*children) -> Markup:
    return _element("mrow", children)


def msub(base, sub) -> Markup:
    return _element("msub", [base, sub])


def msup(base, sup) -> Markup:
    return _element("msup", [base, sup])


def msubsup(base, sub, sup) -> Markup:
    return _element("msubsup", [base, sub, sup])


def mfrac(numerator, denominator) -> Markup:
    return _element("mfrac", [numerator, denominator])


def msqrt(*children) -> Markup:
    return _element("msqrt", children)


def munder(base, under) -> Markup:
    return _element("munder", [base, under])


def mover(base, over) -> Markup:
    return _element("mover", [base, over])


# A formula may break before these operators when it sits at the top level of math(): browsers
# do not wrap MathML, so a long line is sent as pieces that wrap like words (.formula in app.css).
BREAK_BEFORE = {"=", "+", MINUS, "\u2192", "\u2190", "\u2248"}


_BREAKING_MO = frozenset(f"<mo>{op}</mo>" for op in BREAK_BEFORE)  # an <mo> of one of them, as mo() writes it


def _breaks_before(child) -> bool:
    return isinstance(child, str) and child in _BREAKING_MO


def math(*children, label: str = "", display: str = "block") -> Markup:
    """A formula, on its own line (display="block") or in the text ("inline"); label is read by
    screen readers (alttext). A block formula is one <math> per piece between its top-level = and
    + signs, in a wrapping row: a total is never cut off on the right."""
    pieces: list[list] = [[]]
    for child in children:
        if _breaks_before(child) and pieces[-1]:
            pieces.append([])
        pieces[-1].append(child)
    if display != "block" or len(pieces) == 1:
        attrs = {"display": display} if display == "block" else {}
        if label:
            attrs["alttext"] = label
        return _element("math", [mrow(*children)], **attrs)
    parts = []
    for index, piece in enumerate(pieces):
        if index and _breaks_before(piece[0]):  # alone at the start of a piece it is still infix: keep its spacing
            piece = [Markup(str.replace(piece[0], "<mo>", '<mo form="infix">', 1)), *piece[1:]]  # Markup.replace would escape
        attrs = {"alttext": label} if label and index == 0 else {}
        parts.append(_element("math", [mrow(*piece)], **attrs))
    return Markup('<div class="formula">' + "".join(parts) + "</div>")


# --- small shapes both products write ----------------------------------------------------------

APPLY = "\u2061"  # invisible "function application": screen readers say "sigma of z", not "sigma times z"


def paren(*children) -> Markup:
    return mrow(mo("("), *children, mo(")"))


def call(name: str, *args) -> Markup:
    """f(x), sin(u): a function applied to its arguments."""
    inner: list[Markup] = []
    for position, arg in enumerate(args):
        if position:
            inner.append(mo(","))
        inner.append(arg)
    return mrow(mi(name, normal=len(name) > 1), mo(APPLY), paren(*inner))


def equation(*sides) -> Markup:
    """a = b = c."""
    items: list[Markup] = []
    for position, side in enumerate(sides):
        if position:
            items.append(mo("="))
        items.append(side)
    return mrow(*items)


def d(var: str) -> Markup:
    """'dx' with an upright d."""
    return mrow(mi("d", normal=True), mi(var))


def ratio(top: str, bottom: str, symbol: str = "d") -> Markup:
    """dy/dx, or with symbol="partial" the partial derivative, as a fraction."""
    if symbol == "d":
        return mfrac(d(top), d(bottom))
    return partial(mi(top), mi(bottom))


def prime(name: str) -> Markup:
    """F' as F with a prime (a superscript, so it sits where print puts it)."""
    return msup(mi(name), mo("\u2032"))


def x_sub(var: str, index: str) -> Markup:
    return msub(mi(var), mn(index))


# --- the symbols of the lab, named once ----------------------------------------------------------

@lru_cache(maxsize=1024)  # the lab's symbols are few: z_0^(1), a_i^(0), ...
def indexed(symbol: str, index: str, layer: int | None = None) -> Markup:
    """x_j or x_j^(l)."""
    sub = mn(index) if index.isdigit() else mi(index)
    if layer is None:
        return msub(mi(symbol), sub)
    return msubsup(mi(symbol), sub, mrow(mo("("), mn(str(layer)), mo(")")))


@lru_cache(maxsize=1024)
def weight(layer: int, to: int, from_: int) -> Markup:
    return msubsup(mi("w"), mrow(mn(str(to)), mo(","), mn(str(from_))), mrow(mo("("), mn(str(layer)), mo(")")))


def partial(numerator, denominator) -> Markup:
    """∂num/∂den."""
    return mfrac(mrow(mo("\u2202"), numerator), mrow(mo("\u2202"), denominator))


# --- formulas held as data ---------------------------------------------------------------------

_PRECEDENCE = {"add": 1, "sub": 1, "neg": 2, "mul": 3, "div": 4, "pow": 5}  # the rest bind tightest


def expression(tree: Expression, symbols: Mapping[str, Markup] | Callable[[str], Markup],
               values: Mapping[str, float] | None = None, digits: int = 5) -> Markup:
    """An engine or lesson formula as MathML. `symbols` names each symbol ("z" -> z_j^(l));
    symbols found in `values` are written as those numbers instead (a worked line). A product
    is written side by side (2x, μv) unless both factors are numbers in a worked line (0.5 × 0.2)."""
    values = values or {}
    name_of = symbols if callable(symbols) else symbols.__getitem__

    def is_number(node) -> bool:
        """Nothing left to name: a product of two such is written with ×."""
        return all(name in values for name in symbols_of(node)) and (node[0] != "num" or bool(values))

    def one(node, bare: bool = True) -> Markup:
        """node as one element (the child of a fraction, a power, a root)."""
        pieces = render(node, bare)
        return pieces[0] if len(pieces) == 1 else mrow(*pieces)

    def operand(node, least: int) -> list[Markup]:
        """node's pieces, in parentheses when it binds more loosely than `least`."""
        if _PRECEDENCE.get(node[0], 9) < least:
            return [paren(*render(node, True))]
        return render(node, False)

    def render(node, bare: bool) -> list[Markup]:
        """The pieces of node, side by side; `bare`: a negative number needs no parentheses here."""
        op = node[0]
        if op == "num":
            return [mn(str(int(node[1])) if float(node[1]).is_integer() else node[1], digits)]
        if op == "sym":
            if node[1] not in values:
                return [name_of(node[1])]
            return [mn(values[node[1]], digits) if bare else num(values[node[1]], digits)]
        if op in ("add", "sub"):
            left = operand(node[1], 1) if _PRECEDENCE.get(node[1][0], 9) < 1 else render(node[1], bare)
            return [*left, mo("+" if op == "add" else "-"), *operand(node[2], 2 if op == "sub" else 1)]
        if op == "neg":
            return [mo("-"), *operand(node[1], 3)]
        if op == "mul":
            both_numbers = is_number(node[1]) and is_number(node[2])
            return [*operand(node[1], 3), *([mo("\u00d7")] if both_numbers else []), *operand(node[2], 4)]
        if op == "div":
            return [mfrac(one(node[1]), one(node[2]))]
        if op == "pow":
            base = operand(node[1], 9)
            if len(base) == 1 and str(base[0]).startswith("<mfrac"):  # a symbol written as a fraction (dL/dw)
                base = [paren(base[0])]
            return [msup(base[0] if len(base) == 1 else mrow(*base), one(node[2]))]
        if op == "sqrt":
            return [msqrt(*render(node[1], True))]
        if op == "exp":
            return [msup(mi("e"), one(node[1]))]
        if op == "log":
            return [mi("log", normal=True), *operand(node[1], 9)]
        if op == "call":
            return [call(node[1], one(node[2]))]
        if op == "sum":
            return [munder(mo("\u2211"), mi(node[1])), *operand(node[2], 3)]
        raise ValueError(f"unknown operation {op!r}")

    return Markup("".join(render(tree, True)))  # every piece is Markup already
