"""Delivery adapters as the scheduler's dispatcher uses them, against the emulators."""

import asyncio
import time

from sqlalchemy import select

from bot.gateway import Choice
from bot.models import Channel, Form, OutboxMessage, OutboxStatus, WebNotice
from channels import delivery_adapters as adapters
from bot import sms_segments
from bot.delivery import DeliveryAdapter, DeliveryStatus, OutgoingMessage
from tests.channels.conftest import KARI_MOBILE, PER_MOBILE, Stack


def _outbox_row(stack: Stack, recipient: int, channel: Channel) -> int:
    with stack.runtime.transaction() as session:
        row = OutboxMessage(idempotency_key=f"k-{recipient}-{channel}-{time.monotonic_ns()}", recipient_id=recipient,
                            category="homework", template="t", payload={}, channel=channel,
                            due_at=stack.runtime.clock.utcnow(), status=OutboxStatus.CLAIMED,
                            created_at=stack.runtime.clock.utcnow())
        session.add(row)
        session.flush()
        return row.id


def _sent(stack: Stack, outbox_id: int, external_id: str) -> None:
    """What the dispatcher does with a SENT result."""
    with stack.runtime.transaction() as session:
        row = session.get(OutboxMessage, outbox_id)
        row.status, row.external_id = OutboxStatus.SENT, external_id


def _status_soon(stack: Stack, outbox_id: int, want: OutboxStatus) -> OutboxMessage:
    deadline = time.monotonic() + 10
    while True:
        with stack.runtime.transaction() as session:
            row = session.get(OutboxMessage, outbox_id)
        if row.status == want or time.monotonic() > deadline:
            return row
        time.sleep(0.05)


def _send(adapter, message: OutgoingMessage):  # noqa: ANN001, ANN202
    async def go():  # noqa: ANN202
        try:
            return await adapter.send(message)
        finally:
            await adapters.close_adapters({message.channel: adapter})

    return asyncio.run(go())


def _message(stack: Stack, outbox_id: int, recipient: int, channel: Channel, address: str, text: str,
             **extra) -> OutgoingMessage:  # noqa: ANN003
    return OutgoingMessage(outbox_id=outbox_id, recipient_id=recipient, channel=channel, address=address,
                           text=text, language="nb", **extra)


def test_every_adapter_meets_the_dispatchers_interface(channel_stack: Stack) -> None:
    built = adapters.build_adapters(channel_stack.runtime)
    assert set(built) == set(Channel)
    for channel, adapter in built.items():
        assert isinstance(adapter, DeliveryAdapter) and adapter.channel is channel
    asyncio.run(adapters.close_adapters(built))


def test_sms_reminder_is_sent_then_marked_delivered_by_twilios_callback(channel_stack: Stack) -> None:
    stack = channel_stack
    outbox_id = _outbox_row(stack, stack.people.kari, Channel.SMS)
    adapter = adapters.SmsAdapter(stack.settings, stack.runtime.sessions, stack.runtime.clock.utcnow)
    text = "Husk gymtøy og innesko til kroppsøving i morgen. " * 12  # about 600 characters
    result = _send(adapter, _message(stack, outbox_id, stack.people.kari, Channel.SMS, KARI_MOBILE, text))
    assert result.status is DeliveryStatus.SENT and result.external_id.startswith("SM")
    _sent(stack, outbox_id, result.external_id)
    [delivered] = stack.twilio.sent_to(KARI_MOBILE)
    assert sms_segments.count(delivered.body).segments <= stack.settings.sms_max_segments
    assert delivered.num_segments == sms_segments.count(delivered.body).segments
    row = _status_soon(stack, outbox_id, OutboxStatus.DELIVERED)
    assert row.status is OutboxStatus.DELIVERED and row.delivered_at is not None


def test_undelivered_sms_marks_the_row_failed_with_twilios_error_code(channel_stack: Stack) -> None:
    stack = channel_stack
    stack.twilio.unreachable.add(PER_MOBILE)
    outbox_id = _outbox_row(stack, stack.people.per, Channel.SMS)
    adapter = adapters.SmsAdapter(stack.settings, stack.runtime.sessions, stack.runtime.clock.utcnow)
    result = _send(adapter, _message(stack, outbox_id, stack.people.per, Channel.SMS, PER_MOBILE, "Prøve fredag."))
    _sent(stack, outbox_id, result.external_id)
    row = _status_soon(stack, outbox_id, OutboxStatus.FAILED)
    assert row.status is OutboxStatus.FAILED and row.last_error == "30003"


def test_stopped_number_fails_without_asking_twilio(channel_stack: Stack) -> None:
    stack = channel_stack
    stack.twilio.phone(PER_MOBILE).send_sms("AVSLUTT")
    adapter = adapters.SmsAdapter(stack.settings, stack.runtime.sessions, stack.runtime.clock.utcnow)
    result = _send(adapter, _message(stack, 0, stack.people.per, Channel.SMS, PER_MOBILE, "Husk matpakke."))
    assert result.status is DeliveryStatus.FAILED and result.error == "sms_stopped"
    assert stack.twilio.sent_to(PER_MOBILE) == [] or all(m.direction == "outbound-reply"
                                                         for m in stack.twilio.sent_to(PER_MOBILE))


def test_twilio_unsubscribed_and_invalid_numbers_fail_and_rate_limits_retry(channel_stack: Stack) -> None:
    stack = channel_stack
    stack.twilio.opted_out.add(KARI_MOBILE)  # STOP reached Twilio but not us
    adapter = adapters.SmsAdapter(stack.settings, stack.runtime.sessions, stack.runtime.clock.utcnow)
    result = _send(adapter, _message(stack, 0, stack.people.kari, Channel.SMS, KARI_MOBILE, "Hei"))
    assert result.status is DeliveryStatus.FAILED and result.error == "twilio_21610"
    from channels import contacts

    with stack.runtime.transaction() as session:  # now we know too: the scheduler stops trying
        assert contacts.contact_point(session, Channel.SMS, KARI_MOBILE).stopped_at is not None

    adapter = adapters.SmsAdapter(stack.settings, stack.runtime.sessions, stack.runtime.clock.utcnow)
    assert _send(adapter, _message(stack, 0, 1, Channel.SMS, "12", "Hei")).error == "invalid_number"

    stack.twilio._tokens = 0.0  # the account's send rate is used up
    stack.twilio._rate = 0.5
    adapter = adapters.SmsAdapter(stack.settings, stack.runtime.sessions, stack.runtime.clock.utcnow)
    result = _send(adapter, _message(stack, 0, stack.people.per, Channel.SMS, PER_MOBILE, "Hei"))
    assert result.status is DeliveryStatus.RETRY and result.retry_after == 2 and result.error == "twilio_20429"


def test_telegram_flood_control_asks_the_dispatcher_to_retry_later(channel_stack: Stack) -> None:
    stack = channel_stack
    stack.telegram.user(5551001, "Kari")
    adapter = adapters.TelegramAdapter(stack.settings)
    results = []
    for i in range(5):  # five reminders at once to one chat, each batch in a fresh event loop
        results.append(_send(adapter, _message(stack, i, stack.people.kari, Channel.TELEGRAM, "5551001", f"Påminnelse {i}")))
    statuses = [r.status for r in results]
    assert statuses[:3] == [DeliveryStatus.DELIVERED] * 3
    assert statuses[3] is DeliveryStatus.RETRY and results[3].retry_after >= 1
    assert results[0].external_id.startswith("5551001:")


def test_telegram_choices_become_buttons_and_a_blocked_bot_fails(channel_stack: Stack) -> None:
    stack = channel_stack
    kari = stack.telegram.user(5551002, "Kari")
    adapter = adapters.TelegramAdapter(stack.settings)
    choices = [Choice("Ja", "/affirm"), Choice("Nei", "/deny")]
    result = _send(adapter, _message(stack, 1, stack.people.kari, Channel.TELEGRAM, "5551002",
                                     "Vil du ha påminnelse?", choices=choices))
    assert result.status is DeliveryStatus.DELIVERED and kari.inbox()[0].button_titles == ["Ja", "Nei"]
    stack.telegram.blocked_by.add(5551002)
    adapter = adapters.TelegramAdapter(stack.settings)
    result = _send(adapter, _message(stack, 2, stack.people.kari, Channel.TELEGRAM, "5551002", "Hei"))
    assert result.status is DeliveryStatus.FAILED and result.error == "telegram_forbidden"


def test_telegram_voice_reminder_for_someone_who_prefers_voice(channel_stack: Stack) -> None:
    from channels.speech import Speech

    stack = channel_stack
    james = stack.telegram.user(5551003, "James", "en")
    adapter = adapters.TelegramAdapter(stack.settings, Speech(stack.settings))
    result = _send(adapter, OutgoingMessage(3, stack.people.james, Channel.TELEGRAM, "5551003",
                                            "Remember your skates tomorrow.", "en", form=Form.VOICE,
                                            speaking_rate=140))
    assert result.status is DeliveryStatus.DELIVERED
    [note] = james.inbox()
    assert note.voice[:4] == b"OggS" and note.caption == "Remember your skates tomorrow."


def test_reminder_call_reads_the_reminder_and_completes(channel_stack: Stack) -> None:
    stack = channel_stack
    outbox_id = _outbox_row(stack, stack.people.kari, Channel.VOICE)
    adapter = adapters.VoiceCallAdapter(stack.settings, stack.runtime.sessions, stack.runtime.clock.utcnow)
    result = _send(adapter, _message(stack, outbox_id, stack.people.kari, Channel.VOICE, KARI_MOBILE,
                                     "Emma har skøytedag på fredag."))
    assert result.status is DeliveryStatus.SENT and result.external_id.startswith("CA")
    _sent(stack, outbox_id, result.external_id)
    assert _status_soon(stack, outbox_id, OutboxStatus.DELIVERED).status is OutboxStatus.DELIVERED
    [call] = stack.twilio.calls.values()
    assert call.heard.count("Emma har skøytedag på fredag.") == 2 and call.heard[0].startswith("Hei, dette er")


def test_unanswered_reminder_call_fails(channel_stack: Stack) -> None:
    stack = channel_stack
    stack.twilio.busy.add(PER_MOBILE)
    outbox_id = _outbox_row(stack, stack.people.per, Channel.VOICE)
    adapter = adapters.VoiceCallAdapter(stack.settings, stack.runtime.sessions, stack.runtime.clock.utcnow)
    result = _send(adapter, _message(stack, outbox_id, stack.people.per, Channel.VOICE, PER_MOBILE, "Prøve."))
    _sent(stack, outbox_id, result.external_id)
    row = _status_soon(stack, outbox_id, OutboxStatus.FAILED)
    assert row.status is OutboxStatus.FAILED and row.last_error == "no-answer"


def test_web_notice_is_stored_for_the_page(channel_stack: Stack) -> None:
    stack = channel_stack
    outbox_id = _outbox_row(stack, stack.people.emma, Channel.WEB)
    adapter = adapters.WebAdapter(stack.runtime.sessions, stack.runtime.clock.utcnow)
    result = _send(adapter, _message(stack, outbox_id, stack.people.emma, Channel.WEB, "", "Husk gymtøy!"))
    assert result.status is DeliveryStatus.SENT and result.external_id.startswith("web:")
    with stack.runtime.transaction() as session:
        [notice] = session.scalars(select(WebNotice)).all()
        assert notice.person_id == stack.people.emma and notice.text == "Husk gymtøy!" and notice.seen_at is None


def test_status_callbacks_without_twilios_signature_change_nothing(channel_stack: Stack) -> None:
    import httpx

    response = httpx.post(channel_stack.url + "/sms/status", data={"MessageSid": "SMx", "MessageStatus": "delivered"})
    assert response.status_code == 403

