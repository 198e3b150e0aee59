import pytest

from bot.sms_segments import Encoding, count, encoding_of, fit, smart_gsm


def test_norwegian_letters_are_gsm7_and_160_of_them_fit_one_sms() -> None:
    text = ("Husk gymtøy, skøyter og matpakke på fredag. Æ Ø Å æ ø å. " * 4)[:160]
    assert encoding_of(text) is Encoding.GSM7
    assert count(text).segments == 1
    assert count(text + "x").segments == 2


def test_concatenated_gsm7_parts_hold_153_septets() -> None:
    assert count("a" * 306).segments == 2
    assert count("a" * 307).segments == 3


def test_extension_characters_cost_two_septets_and_are_not_split_between_parts() -> None:
    assert count("€" * 80).units == 160 and count("€" * 80).segments == 1
    assert count("€" * 81).segments == 2
    # 152 plain septets then an escape pair: the pair moves whole to the second part.
    assert count("a" * 152 + "[" + "a" * 152).segments == 3
    assert count("a" * 151 + "[" + "a" * 153).segments == 2


@pytest.mark.parametrize("char", ["😀", "’", "“", "…", "Ą"])
def test_emoji_curly_quotes_and_ellipsis_switch_the_whole_message_to_ucs2(char: str) -> None:
    text = "Husk gymtøy " + char
    assert encoding_of(text) is Encoding.UCS2
    assert count("a" * 69 + char).segments == (2 if char == "😀" else 1)


def test_ucs2_limits_count_utf16_units_and_never_split_a_surrogate_pair() -> None:
    assert count("ø’" * 35).segments == 1  # 70 units
    assert count("ø’" * 35 + "x").segments == 2
    assert count("😀" * 35).units == 70 and count("😀" * 35).segments == 1
    # 66 units then an emoji (2 units): it cannot straddle, so it opens part two.
    assert count("’" * 66 + "😀" + "’" * 65).segments == 2
    assert count("’" * 66 + "😀" + "’" * 66).segments == 3


def test_smart_encoding_keeps_typographic_text_in_gsm7() -> None:
    text = "Emma’s «prøve» – i morgen…"
    assert encoding_of(smart_gsm(text)) is Encoding.GSM7
    assert smart_gsm(text) == "Emma's \"prøve\" - i morgen..."


def test_long_text_is_cut_at_a_word_within_the_segment_budget() -> None:
    text = "Lekser til onsdag: " + " ".join(f"oppgave {i} i matematikk" for i in range(60))
    for budget in (1, 2, 3):
        out = fit(text, budget)
        assert count(out).segments == budget and out.endswith("...")
        assert text.startswith(out[:-3])
        assert out[:-3].split()[-1] in text.split()  # no half words
    assert fit("kort", 1) == "kort"


def test_fitting_an_emoji_text_counts_it_as_ucs2() -> None:
    text = "🎒 " + "Husk sekken " * 40
    out = fit(text, 2)
    assert count(out).encoding is Encoding.UCS2 and count(out).segments == 2
