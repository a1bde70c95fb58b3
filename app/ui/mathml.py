"""Server-side MathML: small builders that return Markup, escaping every text node.

No JavaScript maths library: browsers render MathML Core natively. Build a formula from
mi (identifiers), mn (numbers), mo (operators) and the layout elements, then wrap it in math().
"""
from __future__ import annotations

from markupsafe import Markup, escape

from app.ui.numbers import MINUS, fmt


def _element(tag: str, children, **attrs) -> Markup:
    attributes = "".join(f' {name.rstrip("_")}="{escape(value)}"' for name, value in attrs.items())
    inner = Markup("").join(child if isinstance(child, Markup) else mtext(child) for child in children)
    return Markup(f"<{tag}{attributes}>") + inner + Markup(f"</{tag}>")


def _text(tag: str, text: str, **attrs) -> Markup:
    attributes = "".join(f' {name.rstrip("_")}="{escape(value)}"' for name, value in attrs.items())
    return Markup(f"<{tag}{attributes}>") + escape(str(text)) + Markup(f"</{tag}>")


def mi(name: str, normal: bool = False) -> Markup:
    """An identifier; multi-letter names (tanh, ReLU) are upright as in print."""
    return _text("mi", name, mathvariant="normal") if normal else _text("mi", name)


def mn(value: float | str, digits: int = 5) -> Markup:
    """A number; negative numbers get a true minus sign inside the mn so the sign is not lost."""
    text = value if isinstance(value, str) else fmt(value, digits)
    return _text("mn", text)


def num(value: float, digits: int = 5) -> Markup:
    """A number as a factor: negative ones in parentheses, so '0.5 × (−0.2)' reads right."""
    if float(value) < 0:
        return mrow(mo("("), mn(value, digits), mo(")"))
    return mn(value, digits)


def mo(op: str) -> Markup:
    return _text("mo", MINUS if op == "-" else op)  # a true minus sign, as in print


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




def munder(base, under) -> Markup:
    return _element("munder", [base, under])


# A formula may break before these operators when it sits at the top level of math(): browsers
# do not wrap MathML, so a long line is sent as pieces that wrap like words (.formula in app.css).
BREAK_BEFORE = {"=", "+", MINUS, "\u2192", "\u2190", "\u2248"}


def _breaks_before(child) -> bool:
    text = str(child)
    return text.startswith("<mo>") and text[4:-5] in BREAK_BEFORE


def math(*children, label: str = "") -> Markup:
    """A display formula; label is read by screen readers (alttext). It is one <math> per piece
    between top-level = and + signs, in a wrapping row: a total is never cut off on the right."""
    pieces: list[list] = [[]]
    for child in children:
        if _breaks_before(child) and pieces[-1]:
            pieces.append([])
        pieces[-1].append(child)
    if len(pieces) == 1:
        attrs = {"display": "block", **({"alttext": label} if label else {})}
        return _element("math", [mrow(*children)], **attrs)
    parts = []
    for index, piece in enumerate(pieces):
        if index and _breaks_before(piece[0]):  # alone at the start of a piece it is still infix: keep its spacing
            piece = [Markup(str(piece[0]).replace("<mo>", '<mo form="infix">', 1)), *piece[1:]]
        attrs = {"alttext": label} if label and index == 0 else {}
        parts.append(_element("math", [mrow(*piece)], **attrs))
    return Markup('<div class="formula">') + Markup("").join(parts) + Markup("</div>")


# --- the symbols of this app, named once -------------------------------------------------



def indexed(symbol: str, index: str, layer: int | None = None) -> Markup:
    """x_j or x_j^(l)."""
    sub = mn(index) if index.isdigit() else mi(index)
    if layer is None:
        return msub(mi(symbol), sub)
    return msubsup(mi(symbol), sub, mrow(mo("("), mn(str(layer)), mo(")")))


def weight(layer: int, to: int, from_: int) -> Markup:
    return msubsup(mi("w"), mrow(mn(str(to)), mo(","), mn(str(from_))), mrow(mo("("), mn(str(layer)), mo(")")))


def partial(numerator, denominator) -> Markup:
    """∂num/∂den."""
    return mfrac(mrow(mo("\u2202"), numerator), mrow(mo("\u2202"), denominator))
