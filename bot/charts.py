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
              label: str | None = None, width: int = 640, height: int = 300) -> str:
    """Grouped bars: one group per category, one bar per series, the value over each bar.
    ``title`` is drawn above the bars (none when empty); ``label`` is the image's accessible
    name when it should say more than the title (the values, say); a single unnamed series
    has no legend."""
    legend = len(series) > 1 or any(name for name, _ in series)
    left, right, top, bottom = 44, 12, 40 if title else 18, 58 if legend else 28
    plot_w, plot_h = width - left - right, height - top - bottom
    name = label or title
    peak = max([v for _, values in series for v in values] + [1])
    step = _nice_step(peak)
    top_value = step * -(-peak // step)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{_attr(name)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(name)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if title:
        parts.append(f'<text x="{left}" y="18" font-size="14" font-weight="bold" fill="#111111">{escape(title)}</text>')
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
    for s, (series_name, _) in enumerate(series if legend else ()):
        parts.append(f'<rect x="{x}" y="{height - 22}" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="{height - 12}" fill="#111111">{escape(series_name)}</text>')
        x += 24 + 7 * len(series_name)
    parts.append("</svg>")
    return "".join(parts)


def line_chart(points: Sequence[float], label: str, *, width: int = 160, height: int = 48,
               maximum: float = 100.0) -> str:
    """A small line of values from 0 to ``maximum``, oldest first, each point marked."""
    pad = 5
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    step = inner_w / max(1, len(points) - 1)
    coords = [(pad + i * step if len(points) > 1 else width / 2,
               pad + inner_h * (1 - max(0.0, min(value, maximum)) / maximum)) for i, value in enumerate(points)]
    parts = [f'<svg class="chart spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="{_attr(label)}" xmlns="http://www.w3.org/2000/svg">'
             f'<title>{escape(label)}</title>',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#555555" '
             f'stroke-width="1"/>']
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{COLOURS[0]}" stroke-width="2"/>')
    parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{COLOURS[0]}"/>' for x, y in coords)
    parts.append("</svg>")
    return "".join(parts)


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


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
