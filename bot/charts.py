"""Charts drawn as SVG on the server: no script, no external library, and as an image
(``data:image/svg+xml;base64,...``) they survive an e-mail client as well as a web page.

The caller passes every text (title, labels, legend) in the reader's language; the numbers
are also given as a table next to the chart for screen readers (the image's alt text is
the title).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from xml.sax.saxutils import escape

# Colours that keep 3:1 against white (WCAG 1.4.11 for graphical objects) and apart from each other.
COLOURS = ("#0b4f9c", "#b35900", "#1b7a3a", "#8a2d8f", "#a4000f")


def bar_chart(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
              width: int = 640, height: int = 300) -> str:
    """Grouped bars: one group per category, one bar per series, the value over each bar."""
    left, right, top, bottom = 44, 12, 40, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v for _, values in series for v in values] + [1])
    step = _nice_step(peak)
    top_value = step * -(-peak // step)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="18" font-size="14" font-weight="bold" fill="#111111">{escape(title)}</text>',
    ]
    tick = 0.0
    while tick <= top_value:
        y = top + plot_h - plot_h * tick / top_value
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#cccccc"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#111111">{_num(tick)}</text>')
        tick += step
    group_w = plot_w / max(len(categories), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 2)
    for c, category in enumerate(categories):
        x0 = left + c * group_w + group_w * 0.1
        for s, (_, values) in enumerate(series):
            value = values[c] if c < len(values) else 0
            h = plot_h * value / top_value
            x, y = x0 + s * bar_w, top + plot_h - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                         f'fill="{COLOURS[s % len(COLOURS)]}"/>')
            parts.append(f'<text x="{x + bar_w / 2 - 1:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                         f'fill="#111111">{_num(value)}</text>')
        parts.append(f'<text x="{left + c * group_w + group_w / 2:.1f}" y="{top + plot_h + 16}" '
                     f'text-anchor="middle" fill="#111111">{escape(category)}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#111111"/>')
    x = left
    for s, (name, _) in enumerate(series):
        parts.append(f'<rect x="{x}" y="{height - 22}" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="{height - 12}" fill="#111111">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def data_uri(svg: str) -> str:
    """The SVG as an image address an ``<img src>`` takes, in a page or an e-mail."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _nice_step(peak: float) -> float:
    raw = peak / 4
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
