"""The edge elements of the network drawing, written here rather than in the template for speed.

8 weight layers of 16 units are 2,048 edges: a Jinja loop costs about 25 us per edge with its
dozen attributes (50 ms a step), this about 1 us. Every value is a number or a colour computed
by layout.py; the one text (the tooltip) is escaped. The template includes the result as is.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from app.web.layout import NetworkView


def edges_svg(net: NetworkView) -> Markup:
    active = net.active_layer
    lines = ['<g class="edges">']
    for e in net.edges:
        css = "edge active" if e.layer == active else "edge"
        hook = f'id="edge-{e.layer}-{e.to}-{e.from_}" data-layer="{e.layer}" data-from="{e.from_}" data-to="{e.to}"'
        geometry = f'x1="{e.x1}" y1="{e.y1}" x2="{e.x2}" y2="{e.y2}"'
        paint = f'stroke="{e.stroke}" stroke-width="{e.width}"'
        data = f'data-w="{e.data_w}" data-grad="{e.data_grad}"'
        if e.title:
            lines.append(f'<line class="{css}" {hook} {data} {geometry} {paint} tabindex="0"><title>{escape(e.title)}</title></line>')
        else:
            lines.append(f'<line class="{css}" {hook} {data} {geometry} {paint}/>')
    lines.append('</g><g class="edge-grads">')
    for e in net.edges:
        if e.grad_stroke:
            css = "edge-grad active" if e.layer == active else "edge-grad"
            lines.append(f'<line class="{css}" x1="{e.x1}" y1="{e.y1}" x2="{e.x2}" y2="{e.y2}" stroke="{e.grad_stroke}" stroke-width="{e.grad_width}"/>')
    lines.append("</g>")
    if net.hit_areas:
        lines.append('<g class="edge-hits">')
        for e in net.edges:
            lines.append(f'<line class="edge-hit" data-for="edge-{e.layer}-{e.to}-{e.from_}" x1="{e.x1}" y1="{e.y1}" x2="{e.x2}" y2="{e.y2}"/>')
        lines.append("</g>")
    return Markup("\n".join(lines))
