import pytest

from bot.identity import UnknownSender, conversation_id, verify
from bot.models import Channel


def test_gateway_signed_conversation_names_the_person_and_channel() -> None:
    sender = verify("s3cret", conversation_id("s3cret", 42, Channel.SMS))
    assert (sender.person_id, sender.channel) == (42, Channel.SMS)


@pytest.mark.parametrize(
    "forged",
    ["42.sms.000000000000000000000000", "43.sms", "hello", "x.sms.abc", "42.fax.abc"],
)
def test_a_conversation_id_not_from_the_gateway_is_refused(forged: str) -> None:
    with pytest.raises(UnknownSender):
        verify("s3cret", forged)


def test_changing_the_person_in_a_signed_id_breaks_it() -> None:
    _, channel, mac = conversation_id("s3cret", 42, Channel.TELEGRAM).split(".")
    with pytest.raises(UnknownSender):
        verify("s3cret", f"7.{channel}.{mac}")
