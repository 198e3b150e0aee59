"""Small charts drawn on the server as inline SVG (no script, nothing fetched).

Each chart is an image with a name (``role="img"``, ``aria-label`` and ``<title>``); the
page shows the same numbers in a table next to it for screen readers and for reading
exact values. Colours meet 3:1 against white for graphics (WCAG 1.4.11).
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR = "#0b4f9c"
LINE = "#0b4f9c"
AXIS = "#555555"
INK = "#111111"


def bar_chart(bars: Sequence[tuple[str, int]], label: str, *, width: int = 320, height: int = 160) -> Markup:
    """Vertical bars, one per (label, count), the count written above each bar."""
    top, bottom, left = 18, 28, 8
    plot = height - top - bottom
    most = max((n for _, n in bars), default=0) or 1
    slot = (width - 2 * left) / max(1, len(bars))
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>',
             f'<line x1="{left}" y1="{top + plot}" x2="{width - left}" y2="{top + plot}" stroke="{AXIS}" '
             f'stroke-width="1"/>']
    for i, (name, count) in enumerate(bars):
        h = plot * count / most
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        y = top + plot - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{BAR}"/>')
        parts.append(f'<text x="{x + w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12" '
                     f'fill="{INK}">{count}</text>')
        parts.append(f'<text x="{x + w / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(points: Sequence[float], label: str, *, width: int = 160, height: int = 48,
               maximum: float = 100.0) -> Markup:
    """A small line of values from 0 to ``maximum``, oldest first, each point marked."""
    pad = 5
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    step = inner_w / max(1, len(points) - 1)
    coords = [(pad + i * step if len(points) > 1 else width / 2,
               pad + inner_h * (1 - max(0.0, min(value, maximum)) / maximum)) for i, value in enumerate(points)]
    parts = [f'<svg class="chart spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
             f'<title>{escape(label)}</title>',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="{AXIS}" '
             f'stroke-width="1"/>']
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE}"/>' for x, y in coords)
    parts.append("</svg>")
    return Markup("".join(parts))
