"""The drawing's units as written by svg_units: every text escaped, one group per unit with its
hooks, a bias square per unit past the input layer."""
from __future__ import annotations

import dataclasses
import re

from app.lab.layout import build_network_view
from app.lab.svg_units import units_svg
from tests.lab.worked_example import doc_after


def test_every_unit_has_its_group_and_every_text_is_escaped():
    net = build_network_view(doc_after(1))  # forward 1: values in the units
    net.units[0] = dataclasses.replace(net.units[0], title='<script>"x" & \'y\'</script>', label="<b>")
    net.texts[0] = dataclasses.replace(net.texts[0], text="a < b & c")
    svg = str(units_svg(net, oob=True))
    assert svg.startswith('<g id="net-units" class="units" hx-swap-oob="true">') and svg.endswith("</g>")
    assert "<script>" not in svg and "<b>" not in svg
    assert "<title>&lt;script&gt;&#34;x&#34; &amp; &#39;y&#39;&lt;/script&gt;</title>" in svg
    assert ">a &lt; b &amp; c</text>" in svg
    assert len(re.findall(r'<g class="unit" id="unit-\d+-\d+"', svg)) == len(net.units)
    assert len(re.findall(r'<rect class="bias"', svg)) == sum(1 for u in net.units if u.bias)
