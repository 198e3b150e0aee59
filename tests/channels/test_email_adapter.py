"""The e-mail adapter against a small SMTP server on a free port: what a mail client gets."""

from __future__ import annotations

import asyncio
import email
import socketserver
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.header import decode_header, make_header
from email.message import Message

import pytest

from bot.config import load_settings
from bot.delivery import DeliveryStatus, OutgoingMessage
from bot.models import Channel
from channels.delivery_adapters import EmailAdapter

REPORT = ('<section><h2>Bruk og levering 1. november – 30. november</h2><p>Alle tall er samlet.</p>'
          '<p><img src="data:image/svg+xml;base64,PHN2Zy8+" alt="Meldinger per uke"></p>'
          '<table><tr><th>Skole</th><th>Elever</th></tr><tr><td>Fjellby nordre skule</td>'
          '<td>færre enn 5</td></tr></table></section>')


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP: every DATA is kept; RCPT to refused@ is refused (550)."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        while line := self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n"):
            verb = line.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "RCPT" and "refused@" in line:
                self.reply("550 no such user")
            elif verb == "DATA":
                self.reply("354 go on")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk)
                self.server.mails.append(email.message_from_bytes(b"".join(data)))  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[Message]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.mails = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], server.mails  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def _send(port: int, address: str) -> object:
    settings = load_settings(smtp_host="127.0.0.1", smtp_port=port, email_from="ransel@fjellby.example")
    message = OutgoingMessage(outbox_id=41, recipient_id=7, channel=Channel.EMAIL, address=address, text=REPORT,
                              language="nb")
    with ThreadPoolExecutor(1) as pool:  # a loop of its own: a browser test may hold this thread's
        return pool.submit(asyncio.run, EmailAdapter(settings).send(message)).result()


def test_the_report_arrives_as_html_with_its_charts_and_a_plain_text_part(smtp) -> None:
    port, mails = smtp
    result = _send(port, "skolesjef@fjellby.example")
    assert result.status is DeliveryStatus.SENT and result.external_id == "email:<outbox-41@fjellby.example>"
    [mail] = mails
    assert (mail["From"], mail["To"]) == ("ransel@fjellby.example", "skolesjef@fjellby.example")
    assert str(make_header(decode_header(mail["Subject"]))) == (
        "Bruk og levering 1. november – 30. november")
    parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in mail.walk()
             if not part.is_multipart()}
    assert '<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="Meldinger per uke">' in parts["text/html"]
    assert parts["text/html"].startswith('<!doctype html><html lang="nb">')
    assert "Fjellby nordre skule\tfærre enn 5" in parts["text/plain"] and "<" not in parts["text/plain"]


def test_a_refused_recipient_fails_and_a_server_away_is_tried_again(smtp) -> None:
    port, mails = smtp
    assert _send(port, "refused@fjellby.example").status is DeliveryStatus.FAILED
    assert mails == []
    assert _send(9, "skolesjef@fjellby.example").status is DeliveryStatus.RETRY  # nothing listens there
