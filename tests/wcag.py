"""The accessibility checks every web page gets in headless Chromium: WCAG 2.1 AA contrast of
each visible text against the nearest opaque background behind it, an accessible name on
every control, and no sideways scrolling on a 360 px phone."""

from __future__ import annotations

from typing import Any

AUDIT_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                 .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                              if (c.length === 3 || c[3] > 0.99) return c.slice(0, 3); } return [255, 255, 255]; };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || !box.width || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.skip') && document.activeElement !== el) continue;  // shown only when focused
    const [a, b] = [lum(rgb(getComputedStyle(el).color).slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(getComputedStyle(el).fontSize), bold = +getComputedStyle(el).fontWeight >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) low.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  const unnamed = [...document.querySelectorAll('button, input:not([type=hidden]), textarea, select, a[href]')]
    .filter(el => el.getBoundingClientRect().width && !(el.labels?.length || el.getAttribute('aria-label')
                  || el.getAttribute('aria-labelledby') || el.textContent.trim() || el.title))
    .map(el => el.outerHTML.slice(0, 60));
  return {low, unnamed, scroll: document.documentElement.scrollWidth, width: window.innerWidth};
}"""


def audit(page: Any) -> dict[str, Any]:
    """The audit of the page as it is shown now (a Playwright ``Page``)."""
    result: dict[str, Any] = page.evaluate(AUDIT_JS)
    return result


def assert_accessible(page: Any, where: str = "") -> None:
    found = audit(page)
    label = where or page.url
    assert found["low"] == [], f"{label}: text below WCAG AA contrast"
    assert found["unnamed"] == [], f"{label}: controls without an accessible name"
    assert found["scroll"] <= found["width"], f"{label}: the page scrolls sideways on a phone"
