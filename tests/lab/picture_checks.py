"""What the picture tests measure in the page, as JavaScript run by Playwright: text boxes of the
drawing, rendered type sizes, contrast from computed colours, formulas cut off, and panel boxes.
Each function returns plain data; the tests assert on it with messages that say what failed."""

# Every visible text of the drawing (and of the plots): its box on the screen, the px size it is
# rendered at (font size times the SVG's scale), its text colour and the fill behind it.
DRAWN_TEXTS = r"""(selector) => {
  const hex = c => { const m = c.match(/\d+(\.\d+)?/g); return m ? m.slice(0, 3).map(Number) : null; };
  const out = [];
  document.querySelectorAll(selector).forEach(svg => {
    const scale = svg.getScreenCTM().a;
    svg.querySelectorAll('text').forEach(t => {
      if (!t.textContent.trim()) return;
      const style = getComputedStyle(t);
      if (style.display === 'none' || style.visibility === 'hidden') return;
      const box = t.getBoundingClientRect();
      if (box.width === 0) return;
      const unit = t.closest('.unit');
      const disc = unit ? unit.querySelector('.unit-disc') : null;
      const haloed = style.paintOrder.startsWith('stroke') && parseFloat(style.strokeWidth) >= 2;
      out.push({
        text: t.textContent.trim(), cls: t.getAttribute('class') || '',
        unit: unit ? unit.id : null, px: parseFloat(style.fontSize) * scale,
        box: [box.left, box.top, box.right, box.bottom],
        color: hex(style.fill),
        behind: haloed ? hex(style.stroke) : (disc && !unit.querySelector('.unit-map') ? hex(getComputedStyle(disc).fill) : [255, 255, 255]),
      });
    });
  });
  return out;
}"""

# The units' discs on the screen, by id.
UNIT_DISCS = r"""() => [...document.querySelectorAll('#network .unit')].map(u => {
  const b = u.querySelector('.unit-disc').getBoundingClientRect();
  return {id: u.id, cx: (b.left + b.right) / 2, cy: (b.top + b.bottom) / 2, r: b.width / 2};
})"""

# The boxes of the panels that must not move while stepping or training.
PANEL_BOXES = r"""() => {
  const out = {};
  for (const sel of ['#controls', '#status', '#network', '#net-legend', '#data-plot', '#loss-curve', '#narration', '#inspector', '.lab-side']) {
    const el = document.querySelector(sel);
    if (!el) continue;
    const b = el.getBoundingClientRect();
    out[sel] = sel === '#narration' || sel === '#inspector' || sel === '.lab-side'
      ? [Math.round(b.left), Math.round(b.top), Math.round(b.width)]  // they grow downwards, at the end of their column
      : [Math.round(b.left), Math.round(b.top), Math.round(b.width), Math.round(b.height)];
  }
  return out;
}"""

# The narration: is anything cut off on the right, and how large is its type.
NARRATION = r"""() => {
  const n = document.getElementById('narration');
  const right = n.getBoundingClientRect().right;
  const cut = [...n.querySelectorAll('math')].filter(m => m.getBoundingClientRect().right > right + 0.5).map(m => m.textContent.slice(0, 60));
  const overflowing = [...n.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible').map(e => e.tagName);
  return {
    cut, overflowing, scroll: [n.scrollWidth, n.clientWidth],
    text_px: Math.min(...[...n.querySelectorAll('p')].map(p => parseFloat(getComputedStyle(p).fontSize))),
    math_px: Math.min(...[...n.querySelectorAll('math')].map(m => parseFloat(getComputedStyle(m).fontSize)), 99),
  };
}"""

# Text colour against the background behind it, for the HTML text a class reads.
HTML_CONTRAST = r"""() => {
  const rgb = c => c.match(/\d+(\.\d+)?/g).map(Number);
  const behind = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      const v = rgb(c);
      if (v.length < 4 || v[3] > 0.5) { if (!(v.length === 4 && v[3] === 0)) return v.slice(0, 3); }
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll('#narration p, #status, #status strong, .legend-item, .hint, .caption, .btn, .plane-showing, .plot-options label, #inspector h2')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || !el.textContent.trim() || el.closest('[hidden]')) continue;
    if (el.matches('.btn[disabled]')) continue;
    out.push({sel: el.className || el.tagName, text: el.textContent.trim().slice(0, 40), color: rgb(style.color).slice(0, 3), behind: behind(el), px: parseFloat(style.fontSize)});
  }
  return out;
}"""

# Sizes of the data plot's square, and of the controls a teacher needs.
PLOT_AND_CONTROLS = r"""() => {
  const area = document.querySelector('#data-plot .plane-area');
  const side = area ? area.getBoundingClientRect().width : null;
  const visible = id => { const e = document.getElementById(id); return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'; };
  return {
    plot: side, plot_height: area ? area.getBoundingClientRect().height : null,
    kind: document.getElementById('data-plot').className,
    buttons: {step: visible('btn-step'), back: visible('btn-back'), train: visible('btn-train'), reset: visible('btn-reset')},
    page_scroll_x: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


def luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def overlapping(a, b, slack: float = 1.0) -> bool:
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]


def box_crosses_disc(box, disc, slack: float = 1.0) -> bool:
    """Whether a text box reaches into a unit's disc (nearest point of the box within the radius)."""
    x = min(max(disc["cx"], box[0]), box[2])
    y = min(max(disc["cy"], box[1]), box[3])
    return (x - disc["cx"]) ** 2 + (y - disc["cy"]) ** 2 < (disc["r"] - slack) ** 2


# Machado et al. (2009) at full severity: how the colours look to people with deuteranopia / protanopia.
DEUTERANOPIA = ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881))
PROTANOPIA = ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998))


def simulate(rgb, matrix) -> tuple[float, float, float]:
    def lin(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    def srgb(c):
        c = min(max(c, 0.0), 1.0)
        return 255 * (12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055)

    linear = [lin(c) for c in rgb]
    return tuple(srgb(sum(m * c for m, c in zip(row, linear))) for row in matrix)
