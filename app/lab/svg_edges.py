"""The edge elements of the network drawing, written here rather than in the template for speed.

8 weight layers of 16 units are 2,048 edges: a Jinja loop costs about 25 us per edge with its
dozen attributes (50 ms a step), this about 1 us. Every value is a number or a colour computed
by layout.py; the one text (the tooltip) is escaped. The template includes the results as they are.

Edges come in one group per layer, #edges-{l}: the weight lines (the .edge hooks) and, once
backward l has run, the dashed gradient lines over them (each on a white casing). A step re-sends only the groups whose
numbers it changed (see views.stage_parts); the invisible click targets never change.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from app.lab.layout import CASING, NetworkView

OOB = ' hx-swap-oob="true"'


def _group(net: NetworkView, layer: int, oob: bool) -> str:
    lines = [f'<g id="edges-{layer}" class="edge-layer"{OOB if oob else ""}>']
    grads = []
    for e in net.edges:
        if e.layer != layer:
            continue
        hook = f'id="edge-{e.layer}-{e.to}-{e.from_}" data-layer="{e.layer}" data-from="{e.from_}" data-to="{e.to}"'
        geometry = f'x1="{e.x1}" y1="{e.y1}" x2="{e.x2}" y2="{e.y2}"'
        data = f'data-w="{e.data_w}" data-grad="{e.data_grad}"'
        paint = f'stroke="{e.stroke}" stroke-width="{e.width}"'
        if e.title:
            lines.append(f'<line class="edge" {hook} {data} {geometry} {paint} tabindex="0"><title>{escape(e.title)}</title></line>')
        else:
            lines.append(f'<line class="edge" {hook} {data} {geometry} {paint}/>')
        if e.grad_stroke:  # a white casing under the dashes: they read on any weight colour
            grads.append(f'<line class="edge-grad-casing" {geometry} stroke-width="{round(e.grad_width + CASING, 2)}"/>')
            grads.append(f'<line class="edge-grad grad-{e.grad_sign}" {geometry} stroke="{e.grad_stroke}" stroke-width="{e.grad_width}"/>')
    lines += grads
    lines.append("</g>")
    return "\n".join(lines)


def edges_svg(net: NetworkView, layers=None, oob: bool = False) -> Markup:
    """Every layer's group inside #net-edges, or (layers given) just those groups, for OOB swaps."""
    if layers is None:
        groups = [_group(net, l, False) for l in range(1, len(net.columns))]
        return Markup('<g id="net-edges">\n' + "\n".join(groups) + "\n</g>")
    return Markup("\n".join(_group(net, l, oob) for l in layers))


def hits_svg(net: NetworkView) -> Markup:
    if not net.hit_areas:
        return Markup("")
    lines = ['<g class="edge-hits">']
    for e in net.edges:
        lines.append(f'<line class="edge-hit" data-for="edge-{e.layer}-{e.to}-{e.from_}" x1="{e.x1}" y1="{e.y1}" x2="{e.x2}" y2="{e.y2}"/>')
    lines.append("</g>")
    return Markup("\n".join(lines))
