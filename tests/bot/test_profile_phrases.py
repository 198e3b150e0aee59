"""What a message says about a pupil's profile, read by fixed words in nb, nn and en; a
message about anything else says nothing (so nothing can change)."""

import pytest

from bot.profile_phrases import ProfileRequest, asks_about_profile, profile_request


@pytest.mark.parametrize(("text", "expected"), [
    ("jeg liker best å lære med video", ProfileRequest("learning_methods", ["video"])),
    ("eg likar best å læra med spel", ProfileRequest("learning_methods", ["game"])),
    ("I learn best with games and videos", ProfileRequest("learning_methods", ["game", "video"])),
    ("Emma trenger opplesing", ProfileRequest("read_aloud", True)),
    ("Nora treng at tekstane blir lesne høgt", ProfileRequest("read_aloud", True)),
    ("Olivia doesn't need read-aloud any more", ProfileRequest("read_aloud", False)),
    ("Emma trenger ikke opplesing lenger", ProfileRequest("read_aloud", False)),
    ("Jonas trenger teksting på videoene", ProfileRequest("captions", True)),
    ("Emma må ha ekstra stor skrift", ProfileRequest("font_size", "x-large")),
    ("vi har ikke PC hjemme", ProfileRequest("equipment", remove=("pc",))),
    ("vi har ikkje datamaskin heime", ProfileRequest("equipment", remove=("pc",))),
    ("we have no computer at home", ProfileRequest("equipment", remove=("pc",))),
    ("we have an iPad and headphones at home", ProfileRequest("equipment", add=("tablet", "headphones"))),
    ("vi har fått en Chromebook hjemme nå", ProfileRequest("equipment", add=("chromebook",))),
    ("Jonas har dysleksi", ProfileRequest("special_needs", add=("reading_writing",))),
    ("Sindre høyrer dårleg", ProfileRequest("special_needs", add=("hearing",))),
    ("Olivia works best in pairs", ProfileRequest("group_preference", "pair")),
    ("Nora arbeider best åleine", ProfileRequest("group_preference", "individual")),
])
def test_what_the_message_says_about_the_profile(text: str, expected: ProfileRequest) -> None:
    assert profile_request(text) == expected


@pytest.mark.parametrize("text", [
    "Mats er syk denne uka",  # an absence report
    "hva står i profilen min?", "spill musikk", "spel av ein film", "vis meg en video om katter",
    "set an alarm for seven", "I want to add milk to the shopping list", "hva er leksene til i morgen",
    "Emma er flink til å lese", "skru på lyset i stua", "vi har hatt det fint i ferien",
])
def test_a_message_about_something_else_says_nothing_about_the_profile(text: str) -> None:
    assert profile_request(text) is None


def test_a_list_change_starts_from_the_list_that_counts() -> None:
    request = ProfileRequest("equipment", add=("phone",), remove=("pc",))
    assert request.applied_to(["pc", "tablet"]) == ["tablet", "phone"]
    assert ProfileRequest.from_data(request.to_data()) == request


def test_asking_about_the_profile() -> None:
    assert asks_about_profile("kva står i profilen til Nora?") and asks_about_profile("what's in my profile?")
    assert not asks_about_profile("hva er leksene til i morgen?")
