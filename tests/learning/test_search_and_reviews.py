"""Teachers search the catalogue in Norwegian and review resources."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.access import AccessDenied
from bot.learning import reviews
from bot.learning.search import search

from .conftest import resource


@pytest.fixture
def catalogue(session, world):  # noqa: ANN001, ANN201
    resource(session, "brok-pizza", ["KM281"], level=5.0, title="Brøker med pizza", adaptations=["audio"],
             didactics=["pair"], description="Del pizzaen i like store deler")
    resource(session, "tallinja", ["KM281", "KM280"], level=5.0, title="Tallinja", description="Plasser brøken på tallinja")
    resource(session, "deling", ["KM270"], level=4.0, title="Delingsdivisjon i praksis", methods=["game"])
    resource(session, "les", ["KM12026"], level=4.0, subject="NOR01-07", title="Lesestrategier for 4. trinn",
             adaptations=["easy_read"], publisher="Ordriket forlag")
    return world


def titles(hits) -> list[str]:  # noqa: ANN001
    return [h.resource.title for h in hits]


def test_brok_finds_broker_and_texts_about_fractions(session, catalogue) -> None:  # noqa: ANN001
    assert titles(search(session, catalogue.tone, text="brøk")) == ["Brøker med pizza", "Tallinja"]
    assert titles(search(session, catalogue.tone, text="brok")) == ["Brøker med pizza", "Tallinja"]  # no ø on the keyboard
    assert titles(search(session, catalogue.tone, text="brøkene pizza")) == ["Brøker med pizza"]


def test_filters_narrow_by_aim_level_adaptation_and_didactics(session, catalogue) -> None:  # noqa: ANN001
    assert titles(search(session, catalogue.tone, aim_code="KM280")) == ["Tallinja"]
    assert titles(search(session, catalogue.tone, level=(3.5, 4.5))) == ["Delingsdivisjon i praksis", "Lesestrategier for 4. trinn"]
    assert titles(search(session, catalogue.tone, adaptation="easy_read")) == ["Lesestrategier for 4. trinn"]
    assert titles(search(session, catalogue.tone, text="brøk", didactics="pair")) == ["Brøker med pizza"]
    assert titles(search(session, catalogue.tone, text="lesing", subject_code="NOR01-07")) == []
    assert titles(search(session, catalogue.tone, text="lesestrategi ordriket")) == ["Lesestrategier for 4. trinn"]


def test_text_matching_an_aims_wording_finds_the_resource(session, catalogue) -> None:  # noqa: ANN001
    # KM270: "utforske og bruke målings- og delingsdivisjon i praktiske situasjoner"
    assert titles(search(session, catalogue.tone, text="praktiske situasjoner")) == ["Delingsdivisjon i praksis"]


def test_pupils_and_guardians_do_not_search_the_catalogue(session, catalogue) -> None:  # noqa: ANN001
    for who in (catalogue.jonas, catalogue.mor):
        with pytest.raises(AccessDenied):
            search(session, who, text="brøk")


def test_a_teacher_reviews_once_and_edits_the_same_review(session, catalogue, clock) -> None:  # noqa: ANN001
    hit = search(session, catalogue.tone, text="pizza")[0].resource
    reviews.review(session, catalogue.tone, hit, 3, "Grei", clock=clock)
    clock.advance(timedelta(days=1))
    edited = reviews.review(session, catalogue.tone, hit, 5, "  Elevene elsket den  ", clock=clock)
    reviews.review(session, catalogue.per, hit, 4, None, clock=clock)
    summary, rows = reviews.reviews_of(session, hit.id)
    assert (summary.count, summary.average) == (2, 4.5)
    # Newest edit first; Tone's edit and Per's review came at the same moment: the later row first.
    assert [(r.teacher_id, r.rating, r.text) for r in rows] == [
        (catalogue.per.id, 4, None), (catalogue.tone.id, 5, "Elevene elsket den")
    ]
    assert edited.created_at < edited.updated_at
    assert search(session, catalogue.tone, text="pizza")[0].reviews.average == 4.5


@pytest.mark.parametrize(("who", "rating", "reason"), [("jonas", 5, "not_a_teacher"), ("tone", 6, "rating_out_of_range"),
                                                        ("tone", 0, "rating_out_of_range")])
def test_only_teachers_review_and_only_from_one_to_five(session, catalogue, clock, who, rating, reason) -> None:  # noqa: ANN001
    hit = search(session, catalogue.tone, text="pizza")[0].resource
    with pytest.raises(reviews.ReviewRefused) as refused:
        reviews.review(session, getattr(catalogue, who), hit, rating, None, clock=clock)
    assert refused.value.reason == reason


def test_reviews_are_shown_with_the_average_in_each_language(session, catalogue, clock) -> None:  # noqa: ANN001
    hit = search(session, catalogue.tone, text="pizza")[0].resource
    assert reviews.render_reviews(session, hit, "nb") == "«Brøker med pizza» har ingen vurderinger ennå."
    reviews.review(session, catalogue.tone, hit, 5, "Elevene elsket den", clock=clock)
    clock.advance(timedelta(hours=1))
    reviews.review(session, catalogue.per, hit, 4, None, clock=clock)
    assert reviews.render_reviews(session, hit, "nb") == (
        "«Brøker med pizza»: 4,5 av 5 (2 vurderinger)\n- Per Dahl: 4\n- Tone Lie: 5 – Elevene elsket den"
    )
    assert reviews.render_reviews(session, hit, "nn").startswith("«Brøker med pizza»: 4,5 av 5 (2 vurderingar)")
    assert reviews.render_reviews(session, hit, "en").startswith("“Brøker med pizza”: 4.5 out of 5 (2 reviews)")
