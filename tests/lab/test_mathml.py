"""Server MathML: every text node escaped, numbers with a true minus sign, structure as built."""
from app.ui.mathml import math, mfrac, mi, mn, mo, mrow, mtext, num, weight


def test_text_nodes_are_escaped():
    html = str(math(mi("<script>"), mo("&"), mtext('"x" < y'), label="a<b"))
    assert "<script>" not in html
    assert "<mi>&lt;script&gt;</mi>" in html
    assert "<mo>&amp;</mo>" in html
    assert "<mtext>&#34;x&#34; &lt; y</mtext>" in html
    assert 'alttext="a&lt;b"' in html


def test_plain_strings_as_children_become_escaped_mtext():
    assert str(mrow("<b>")) == "<mrow><mtext>&lt;b&gt;</mtext></mrow>"


def test_numbers_use_a_true_minus_and_negative_factors_get_parentheses():
    assert str(mn(-0.5)) == "<mn>\u22120.5</mn>"
    assert str(num(-0.25)) == "<mrow><mo>(</mo><mn>\u22120.25</mn><mo>)</mo></mrow>"
    assert str(num(0.25)) == "<mn>0.25</mn>"
    assert str(mn(0.593269992)) == "<mn>0.59327</mn>"


def test_weight_symbol_has_indices_and_layer():
    assert str(weight(2, 0, 1)) == (
        "<msubsup><mi>w</mi><mrow><mn>0</mn><mo>,</mo><mn>1</mn></mrow>"
        "<mrow><mo>(</mo><mn>2</mn><mo>)</mo></mrow></msubsup>"
    )


def test_math_is_a_display_block():
    html = str(math(mfrac(mn("1"), mn("2"))))
    assert html.startswith('<math display="block"><mrow><mfrac><mn>1</mn><mn>2</mn></mfrac>')
    assert html.endswith("</mrow></math>")


def test_expressions_render_with_the_parentheses_precedence_needs():
    from app.engine.expressions import add, const, div, mul, power, sub, sym
    from app.ui.mathml import expression

    names = {"x": mi("x"), "y": mi("y")}
    x, y = sym("x"), sym("y")
    assert str(expression(mul(const(2), power(x, const(2))), names)) == "<mn>2</mn><msup><mi>x</mi><mn>2</mn></msup>"
    assert str(expression(sub(x, add(x, y)), names)) == (
        "<mi>x</mi><mo>\u2212</mo><mrow><mo>(</mo><mi>x</mi><mo>+</mo><mi>y</mi><mo>)</mo></mrow>")
    assert str(expression(sub(add(x, y), x), names)) == "<mi>x</mi><mo>+</mo><mi>y</mi><mo>\u2212</mo><mi>x</mi>"
    assert str(expression(power(sub(x, y), const(2)), names)).startswith("<msup><mrow><mo>(</mo>")
    assert str(expression(div(x, add(x, y)), names)).startswith("<mfrac><mi>x</mi><mrow>")


def test_a_worked_expression_writes_numbers_with_times_and_parenthesised_negatives():
    from app.engine.expressions import mul, neg, sub, sym
    from app.ui.mathml import expression

    tree = sub(sym("w"), mul(sym("lr"), sym("g")))
    html = str(expression(tree, {"w": mi("w"), "lr": mi("η"), "g": mi("g")}, {"w": -0.4, "lr": 0.5, "g": -0.25}))
    assert html == ("<mn>\u22120.4</mn><mo>\u2212</mo><mn>0.5</mn><mo>×</mo>"
                    "<mrow><mo>(</mo><mn>\u22120.25</mn><mo>)</mo></mrow>")
    symbolic = str(expression(tree, {"w": mi("w"), "lr": mi("η"), "g": mi("g")}))
    assert "×" not in symbolic and "<mi>η</mi><mi>g</mi>" in symbolic  # a product of names sits side by side
    assert str(expression(neg(sym("y")), {"y": mi("y")}, {"y": 2.0})) == "<mo>\u2212</mo><mn>2</mn>"
