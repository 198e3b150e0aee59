"""Every text of the portal exists in bokmål, nynorsk and English: the same keys, section by
section, in the three locale files."""

from __future__ import annotations

from typing import Any

from portal.web import texts


def keys(node: Any, prefix: str = "") -> set[str]:
    if not isinstance(node, dict):
        return {prefix}
    return {k for name, child in node.items() for k in keys(child, f"{prefix}.{name}" if prefix else str(name))}


def test_the_three_languages_have_the_same_texts() -> None:
    nb, nn, en = keys(texts("nb")), keys(texts("nn")), keys(texts("en"))
    assert nb - nn == set() and nn - nb == set(), "nynorsk differs from bokmål"
    assert nb - en == set() and en - nb == set(), "English differs from bokmål"


def empty(node: Any, where: str = "") -> list[str]:
    if isinstance(node, dict):
        return [e for name, child in node.items() for e in empty(child, f"{where}.{name}")]
    return [] if isinstance(node, str) and node.strip() else [where]


def test_no_text_is_empty() -> None:
    for language in ("nb", "nn", "en"):
        assert empty(texts(language)) == [], language
