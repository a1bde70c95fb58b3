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
