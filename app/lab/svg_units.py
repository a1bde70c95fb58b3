"""The units of the network drawing (#net-units) and their maps (#net-maps), written here rather
than in the template for speed, as the edges are (svg_edges.py): every step re-sends the units,
and their Jinja loop was a third of a step's rendering. Every text (titles, labels, features, the drawing's texts and
their kinds) is escaped; the rest are numbers, colours and the maps' data: URIs, all computed
by layout.py and plots.py.
"""
from __future__ import annotations

from markupsafe import Markup

from app.lab.layout import BiasView, NetworkView, TextView, UnitView

OOB = ' hx-swap-oob="true"'


def escape(text: str) -> str:
    """markupsafe's escape, the same entities, as a plain string (no Markup made of each piece)."""
    return (str(text).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def _unit(u: UnitView, font: float) -> str:
    lines = [
        f'  <g class="unit" id="unit-{u.layer}-{u.unit}" data-layer="{u.layer}" data-unit="{u.unit}" data-a="{u.data_a}" tabindex="0" role="button">',
        f"    <title>{escape(u.title)}</title>",
        f'    <circle class="unit-disc" cx="{u.x}" cy="{u.y}" r="{u.r}" fill="{u.fill}"/>',
    ]
    if u.map_uri:  # the map itself is in #net-maps (maps_svg), sent only when the parameters change
        lines.append(f'    <use class="unit-map" href="#map-{u.layer}-{u.unit}" clip-path="url(#unit-clip)"/>')
    # the feature's label runs into the next line, as the template wrote it
    feature = (f'<text class="drawn-text feature-label" x="{u.feature_x}" y="{u.feature_y}" font-size="{font}" '
               f'text-anchor="end" dominant-baseline="central">{escape(u.feature)}</text>') if u.feature else ""
    if u.label:
        halo = " halo" if u.map_uri else ""
        lines.append(f'{feature}    <text class="drawn-text unit-value{halo}" x="{u.x}" y="{u.y}" fill="{u.text_fill}" '
                     f'font-size="{font}" text-anchor="middle" dominant-baseline="central">{escape(u.label)}</text>')
        feature = ""
    lines.append(f"{feature}  </g>")
    if u.bias:
        lines.append(_bias(u, u.bias))
    return "\n".join(lines)


def _bias(u: UnitView, b: BiasView) -> str:
    title = escape(b.title)
    return (f'  <rect class="bias" data-layer="{u.layer}" data-unit="{u.unit}" data-b="{b.data_b}" x="{b.x}" y="{b.y}" '
            f'width="{b.size}" height="{b.size}" rx="2" fill="{b.fill}" tabindex="0" role="button" '
            f'aria-label="{title}"><title>{title}</title></rect>')


def _text(t: TextView) -> str:
    fill = f' fill="{t.fill}"' if t.fill else ""
    return (f'  <text class="drawn-text {escape(t.kind)}" x="{t.x}" y="{t.y}" font-size="{t.size}"{fill} '
            f'text-anchor="middle" dominant-baseline="central">{escape(t.text)}</text>')


def maps_svg(net: NetworkView, oob: bool = False) -> Markup:
    """#net-maps: each hidden unit's map, which its unit shows (<use>). They change only with the
    parameters, so a step's answer leaves them out unless it updated them: a third of its bytes."""
    lines = [f'<defs id="net-maps"{OOB if oob else ""}>']
    lines += [f'  <image id="map-{u.layer}-{u.unit}" class="unit-map-image" href="{u.map_uri}" x="{u.map_x}" y="{u.map_y}" '
              f'width="{u.map_size}" height="{u.map_size}" preserveAspectRatio="none"/>' for u in net.units if u.map_uri]
    lines.append("</defs>")
    return Markup("\n".join(lines))


def units_svg(net: NetworkView, oob: bool = False) -> Markup:
    """#net-units: each unit (its disc, map, value, feature), its bias square, then every text."""
    lines = [f'<g id="net-units" class="units"{OOB if oob else ""}>']
    lines += [_unit(u, net.value_font) for u in net.units]
    lines += [_text(t) for t in net.texts]
    lines.append("</g>")
    return Markup("\n".join(lines))
