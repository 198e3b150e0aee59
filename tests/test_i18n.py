from datetime import date, time

import pytest

from bot.i18n import SUPPORTED, Formatter, MissingTerm, catalog, language_of, page_language


def test_dates_read_naturally_in_each_language() -> None:
    day = date(2026, 12, 4)
    assert Formatter("nb").date(day) == "fredag 4. desember"
    assert Formatter("nn").date(day) == "fredag 4. desember"
    assert Formatter("en").date(day) == "Friday 4 December"
    assert Formatter("en").time(time(8, 5)) == "08:05"


def test_lists_are_joined_with_the_languages_and() -> None:
    assert Formatter("nb").join(["gymtøy", "innesko", "håndkle"]) == "gymtøy, innesko og håndkle"
    assert Formatter("en").join(["skates", "a helmet"]) == "skates and a helmet"


def test_unsupported_language_falls_back_to_bokmal() -> None:
    assert language_of("pl") == "nb" and language_of("nn") == "nn"


def test_every_catalog_has_the_same_terms() -> None:
    def keys(node, prefix=""):  # noqa: ANN001, ANN202
        for k, v in node.items():
            yield from keys(v, f"{prefix}{k}.") if isinstance(v, dict) else [f"{prefix}{k}"]

    reference = set(keys(catalog("nb")))
    for lang in SUPPORTED:
        assert set(keys(catalog(lang))) == reference, lang


def test_missing_term_is_an_error_not_a_silent_key() -> None:
    with pytest.raises(MissingTerm):
        Formatter("en").t("items.unicorn")
    assert Formatter("en").item("gymsko fra Hanna") == "gymsko fra Hanna"


def test_every_message_template_exists_in_all_three_languages() -> None:
    from bot.i18n import template_names

    assert template_names("nb") == template_names("nn") == template_names("en")


@pytest.mark.parametrize(("asked", "accept", "expected"), [
    ("nn", "en-GB,en;q=0.9", "nn"),             # ?lang= wins
    ("de", "nn-NO,nb;q=0.8", "nn"),             # a language we do not have is passed over
    (None, "en-US,en;q=0.9,nb;q=0.8", "en"),
    (None, "no,en;q=0.5", "nb"),
    (None, "de-DE,fr;q=0.9", "nb"),             # nothing we have: bokmål
    (None, None, "nb"),
])
def test_a_pages_language_comes_from_the_address_then_the_browser(asked: str | None, accept: str | None,
                                                                  expected: str) -> None:
    assert page_language(asked, accept) == expected
