"""Dialogue benchmark: Ransel on the demo school next to a bare Rasa 3.6 bot, in one run.

    .venv/bin/python bench/dialogue.py            # full run (~15 minutes)
    .venv/bin/python bench/dialogue.py --quick    # smoke run (~4 minutes, short phases)

Ransel is measured end to end as a REST client sees it: ``POST /webhooks/rest/webhook`` on
the HTTP app (bearer token -> person -> gateway) -> engine -> action server -> database.
The bare bot is the ``rasa init`` project plus one trivial custom action, built in a
temporary directory with the engine env (trained once, cached by fingerprint) and served
the way ``rasa init`` sets it up (in-memory tracker store, rasa-sdk action server).

For each bot: open-loop Poisson arrivals at 5 and 10 turns/s (latency measured from the
scheduled send time, so a slow server cannot hide queueing), then a closed loop of
concurrent users for the maximum turns/s. For Ransel also: the per-turn share of the
gateway and the action server with its database (measured one request at a time), the
resident memory of each process, and throughput with two engine processes sharing a
PostgreSQL tracker store behind a Redis lock store.

Results are printed and written as JSON to ``bench/results/dialogue-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pg import fresh_database  # noqa: E402
from bot import db  # noqa: E402
from bot import api_tokens as tokens
from bot import engine as eng  # noqa: E402
from bot import processes as procs  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402
from bot.identity import conversation_id  # noqa: E402
from bot.models import Channel  # noqa: E402
from bot.runtime import Runtime  # noqa: E402

NOW = datetime.fromisoformat("2026-12-01T10:00:00+01:00")
PG_ADMIN = os.environ.get("RANSEL_TEST_PG", "postgresql://root@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("RANSEL_BENCH_REDIS", "redis://127.0.0.1:6379/7")

# What people ask, per language; each virtual user asks in their own language.
RANSEL_MESSAGES = {
    "nb": ["hva er leksene til i morgen?", "når er neste prøve", "hva må jeg ha med på fredag",
           "hva har vi etter lunsj", "når begynner skolen på mandag", "ukeplan", "hvordan ligger jeg an i matte",
           "hei", "takk", "hva har vi i matte til fredag?"],
    "nn": ["kva er leksa i morgon", "når er neste prøve", "kva må eg ha med på fredag", "kva har vi etter lunsj",
           "når byrjar skulen på måndag", "vekeplan", "korleis ligg eg an i matte", "hei", "takk"],
    "en": ["what's the homework for tomorrow", "when is the next test", "what do I need to bring on friday",
           "what do we have after lunch", "when does school start on monday", "week plan",
           "how am I doing in maths", "hi", "thanks"],
}
# Actions replayed against the action server to measure its share (the common questions).
ACTION_MIX = ["action_homework", "action_tests", "action_bring", "action_timetable", "action_progress",
              "action_greet"]
BARE_MESSAGES = ["hello", "hi there", "I am feeling great", "I'm sad", "are you a bot?", "goodbye",
                 "yes", "no", "good morning", "very good"]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- measurement


@dataclass
class Phase:
    name: str
    target_rate: float | None  # turns/s offered (open loop); None for closed loop
    seconds: float
    completed: int
    errors: int
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


Sender = Callable[[httpx.AsyncClient, int], "asyncio.Future[bool]"]


async def open_loop(name: str, send: Sender, rate: float, seconds: float, seed: int = 49) -> Phase:
    """Poisson arrivals at ``rate``; latency counts from the scheduled time of each turn."""
    rng = random.Random(seed)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:
        start = time.perf_counter()
        tasks = []
        at, i = 0.0, 0

        async def one(index: int, scheduled: float) -> None:
            nonlocal errors
            ok = await send(client, index)
            if ok:
                latencies.append(time.perf_counter() - scheduled)
            else:
                errors += 1

        while at < seconds:
            delay = start + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, start + at)))
            i += 1
            at += rng.expovariate(rate)
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    ms = [x * 1000 for x in latencies]
    return Phase(name, rate, round(elapsed, 1), len(ms), errors, round(len(ms) / elapsed, 2),
                 round(_percentile(ms, 50), 1), round(_percentile(ms, 95), 1), round(_percentile(ms, 99), 1))


async def closed_loop(name: str, send: Sender, users: int, seconds: float) -> Phase:
    """``users`` clients sending back to back; throughput is the maximum turns/s served."""
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(timeout=30.0) as client:
        start = time.perf_counter()
        counter = iter(range(10**9))

        async def user() -> None:
            nonlocal errors
            while time.perf_counter() - start < seconds:
                t0 = time.perf_counter()
                if await send(client, next(counter)):
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

        await asyncio.gather(*(user() for _ in range(users)))
        elapsed = time.perf_counter() - start
    ms = [x * 1000 for x in latencies]
    return Phase(name, None, round(elapsed, 1), len(ms), errors, round(len(ms) / elapsed, 2),
                 round(_percentile(ms, 50), 1), round(_percentile(ms, 95), 1), round(_percentile(ms, 99), 1))


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    try:
        process = psutil.Process(pid)
        total = process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))
    except psutil.Error:
        return float("nan")
    return round(total / 2**20, 1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far."""
    try:
        process = psutil.Process(pid)
        times = [process.cpu_times(), *(c.cpu_times() for c in process.children(recursive=True))]
    except psutil.Error:
        return float("nan")
    return sum(t.user + t.system for t in times)


async def measured_closed_loop(name: str, send: Sender, users: int, seconds: float,
                               processes: dict[str, int]) -> tuple[Phase, dict[str, float]]:
    """A closed-loop phase and the CPU milliseconds each process spent per served turn in it:
    unlike a difference of latencies, this does not move with what else the machine does."""
    before = {k: cpu_seconds(pid) for k, pid in processes.items()}
    phase = await closed_loop(name, send, users, seconds)
    turns = max(1, phase.completed)
    return phase, {k: round((cpu_seconds(pid) - before[k]) * 1000 / turns, 2) for k, pid in processes.items()}


# ----------------------------------------------------------------------------- Ransel


@dataclass
class RanselUnderTest:
    settings: Settings
    stack: eng.Stack
    web: procs.Child
    base_url: str
    users: list[tuple[str, str, int]]  # (token, language, person id)
    extra: list[procs.Child] = field(default_factory=list)

    def sender(self, base_urls: list[str] | None = None) -> Sender:
        urls = base_urls or [self.base_url]

        async def send(client: httpx.AsyncClient, index: int) -> bool:
            token, language, _ = self.users[index % len(self.users)]
            messages = RANSEL_MESSAGES[language]
            text = messages[(index // len(self.users)) % len(messages)]
            url = urls[index % len(urls)]
            try:
                response = await client.post(f"{url}/webhooks/rest/webhook",
                                             headers={"Authorization": f"Bearer {token}"},
                                             json={"sender": "bench", "message": text})
                replies = response.json() if response.status_code == 200 else []
            except (httpx.HTTPError, ValueError):
                return False
            # The engine-down answer is a reply too; a real answer never contains it.
            return bool(replies) and "Prøv igjen om litt" not in replies[0].get("text", "")

        return send

    def stop(self) -> None:
        for proc in [self.web, *self.extra]:
            eng.stop(proc)
        self.stack.stop()


def load_school(url: str) -> None:
    try:
        from bot.demo.load import load_demo  # the demo school, once it is part of main
    except ImportError:
        load_demo = None
    if load_demo is not None:
        runtime = Runtime(load_settings(database_url=url, now=NOW))
        try:
            load_demo(runtime)
        finally:
            runtime.close()
        return
    from sqlalchemy.orm import Session

    from tests.builders import build_school

    db.upgrade(url)
    engine = db.make_engine(url)
    with Session(engine) as session:
        build_school(session)
    engine.dispose()


def pupils_and_guardians(runtime: Runtime) -> list[tuple[str, str, int]]:
    """A bearer token for every pupil and guardian (the bench's virtual users)."""
    from sqlalchemy import select

    from bot.access import children_of
    from bot.models import Person, PersonRole, Role

    users = []
    with runtime.transaction() as session:
        people = session.scalars(
            select(Person).join(PersonRole, PersonRole.person_id == Person.id)
            .where(PersonRole.role.in_([Role.PUPIL, Role.GUARDIAN])).order_by(Person.id)
        ).unique().all()
        for person in people:
            roles = {r.role for r in person.roles}
            # Guardians with several children are asked "which child?": still a real turn,
            # but the bench wants answers, so it keeps people with one pupil to ask about.
            if Role.GUARDIAN in roles and Role.PUPIL not in roles and len(children_of(session, person, NOW.date())) != 1:
                continue
            users.append((tokens.issue(session, person, "rest", runtime.clock),
                          person.language if person.language in RANSEL_MESSAGES else "nb", person.id))
    return users


def start_web(settings: Settings, run_dir: Path) -> tuple[procs.Child, str]:
    port = eng.free_port()
    env = dict(os.environ)
    env.update(eng.settings_env(settings))
    argv = [sys.executable, "-m", "ransel.cli", "web", "serve", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    proc = procs.spawn("http app", argv, env, cwd=ROOT, log_file=run_dir / f"web-{port}.log", url=url)

    def ready(client: httpx.Client) -> bool:
        return client.get(f"{url}/health").status_code == 200

    procs.wait_ready(proc, ready, 60, log)
    return proc, url


def start_ransel(work: Path) -> RanselUnderTest:
    url = f"sqlite:///{work / 'ransel.db'}"
    load_school(url)
    settings = eng.with_free_ports(load_settings(database_url=url, data_dir=work, now=NOW))
    runtime = Runtime(settings)
    users = pupils_and_guardians(runtime)
    runtime.close()
    log(f"Ransel: {len(users)} virtual users (pupils and guardians of the school)")
    stack = eng.start_stack(settings, progress=log, run_dir=work)
    web, base = start_web(settings, work)
    return RanselUnderTest(settings, stack, web, base, users)


async def ransel_share(r: RanselUnderTest, samples: int) -> dict[str, object]:
    """Per-turn milliseconds (p50, one request at a time) of: the whole REST turn, the engine
    reached directly (with a signed conversation id), and the action server with its
    database (real action requests replayed for a mix of actions; their mean is the share);
    gateway = REST - engine direct. Samples rotate over people so no conversation grows
    long; the replayed requests carry a 10-turn conversation, because Rasa sends every
    event of the session to the action server and a longer session costs more."""
    async with httpx.AsyncClient(timeout=30.0) as client:

        async def timed(call) -> float:  # noqa: ANN001
            t0 = time.perf_counter()
            response = await call()
            response.raise_for_status()
            return (time.perf_counter() - t0) * 1000

        def user(i: int) -> tuple[str, str, str]:
            token, language, person_id = r.users[i % len(r.users)]
            return token, RANSEL_MESSAGES[language][0], conversation_id(r.settings.sender_secret, person_id, Channel.WEB)

        rest, direct = [], []
        for i in range(samples):
            token, text, _ = user(i)
            rest.append(await timed(lambda: client.post(f"{r.base_url}/webhooks/rest/webhook",
                                                        headers={"Authorization": f"Bearer {token}"},
                                                        json={"sender": "bench", "message": text})))
            _, text, sender = user(i + 1)
            direct.append(await timed(lambda: client.post(f"{r.settings.engine_url}/webhooks/rest/webhook",
                                                          json={"sender": sender, "message": text})))
        # A conversation of ten turns, as a person asking a few things in a row has.
        token, language, person_id = r.users[-1]
        sender = conversation_id(r.settings.sender_secret, person_id, Channel.WEB)
        for text in (RANSEL_MESSAGES[language] * 2)[:10]:
            await client.post(f"{r.base_url}/webhooks/rest/webhook", headers={"Authorization": f"Bearer {token}"},
                              json={"sender": "bench", "message": text})
        params = {"token": eng.api_token(r.settings)}
        domain = (await client.get(f"{r.settings.engine_url}/domain", params=params,
                                   headers={"Accept": "application/json"})).json()
        tracker = (await client.get(f"{r.settings.engine_url}/conversations/{sender}/tracker", params=params)).json()
        per_action: dict[str, float] = {}
        for action in ACTION_MIX:
            payload = {"next_action": action, "sender_id": sender, "tracker": tracker,
                       "domain": domain, "version": "3.6.21"}
            times = [await timed(lambda: client.post(r.settings.action_server_url, json=payload))
                     for _ in range(max(5, samples // 3))]
            per_action[action] = round(statistics.median(times), 1)
    p50 = statistics.median
    mean_actions = statistics.mean(per_action.values())
    gateway = max(0.0, p50(rest) - p50(direct))
    return {"rest_turn_ms": round(p50(rest), 1), "engine_direct_ms": round(p50(direct), 1),
            "actions_and_db_ms": round(mean_actions, 1), "actions_by_name_ms": per_action,
            "replayed_tracker_events": len(tracker.get("events") or []),
            "gateway_ms": round(gateway, 1), "share_ms": round(gateway + mean_actions, 1),
            "engine_only_ms": round(max(0.0, p50(direct) - per_action["action_homework"]), 1)}


async def _with_utilisation(phase: "asyncio.Future[Phase]", engines: list[int]) -> tuple[Phase, dict[str, object]]:
    """The phase, and how busy the engine processes (share of one core each) and the whole
    machine (share of all cores) were during it: which of the two limited the throughput."""
    machine0, wall0 = psutil.cpu_times(), time.perf_counter()
    engines0 = [cpu_seconds(pid) for pid in engines]
    result = await phase
    machine1, wall = psutil.cpu_times(), time.perf_counter() - wall0

    def busy(t) -> float:  # noqa: ANN001
        return sum(t) - t.idle - getattr(t, "iowait", 0.0)

    total = sum(machine1) - sum(machine0)
    return result, {
        "engines_core_share": [round((cpu_seconds(pid) - c0) / wall, 2) for pid, c0 in zip(engines, engines0)],
        "machine_share": round((busy(machine1) - busy(machine0)) / total, 2) if total else None,
    }


async def ransel_scaling(r: RanselUnderTest, work: Path, users: int, seconds: float) -> dict[str, object]:
    """Closed-loop turns/s with one and with two engines on a shared PostgreSQL tracker store
    and a Redis lock store; each engine has its own HTTP app, turns alternate between them."""
    tracker_url, drop = fresh_database(PG_ADMIN)
    started: list[procs.Child] = []
    try:
        model = eng.train(r.settings).model
        bases = []
        for i in range(2):
            s = r.settings.model_copy(update={
                "engine_url": f"http://127.0.0.1:{eng.free_port()}",
                "tracker_store_url": tracker_url,
                "redis_url": REDIS_URL,
            })
            started.append(eng.start_engine(s, model=model, run_dir=work / f"scale-engine-{i}", progress=log))
            web, base = start_web(s, work / f"scale-web-{i}")
            started.append(web)
            bases.append(base)
        engines = [p.pid for p in started if p.name == "engine"]
        one, busy_one = await _with_utilisation(
            closed_loop("1 engine (PG tracker, Redis lock)", r.sender(bases[:1]), users, seconds), engines[:1])
        two, busy_two = await _with_utilisation(
            closed_loop("2 engines (PG tracker, Redis lock)", r.sender(bases), users, seconds), engines)
        return {"one_engine": asdict(one), "two_engines": asdict(two),
                "speedup": round(two.throughput / one.throughput, 2) if one.throughput else None,
                "utilisation_one": busy_one, "utilisation_two": busy_two,
                "engine_rss_mb": [rss_mb(p.pid) for p in started if p.name == "engine"]}
    finally:
        for proc in started:
            eng.stop(proc)
        drop()


# ----------------------------------------------------------------------------- bare bot

BARE_ACTION = '''
from rasa_sdk import Action


class ActionHelloWorld(Action):
    def name(self):
        return "action_hello_world"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="Hello World!")
        return []
'''


@dataclass
class BareUnderTest:
    engine: procs.Child
    actions: procs.Child
    url: str
    conversations: int  # as many as Ransel's virtual users: equal conversation lengths

    def sender(self) -> Sender:
        async def send(client: httpx.AsyncClient, index: int) -> bool:
            text = BARE_MESSAGES[(index // self.conversations) % len(BARE_MESSAGES)]
            try:
                response = await client.post(f"{self.url}/webhooks/rest/webhook",
                                             json={"sender": f"user{index % self.conversations}", "message": text})
                # Some turns rightly answer nothing ("no" out of context); a served turn is a 200.
                return response.status_code == 200
            except httpx.HTTPError:
                return False

        return send

    def stop(self) -> None:
        eng.stop(self.engine)
        eng.stop(self.actions)


def make_bare_project(work: Path) -> Path:
    """``rasa init``'s project files, plus one trivial custom action after the bot challenge."""
    site = next((eng.ENGINE_ENV / "lib").glob("python3*/site-packages"))
    template = site / "rasa" / "cli" / "initial_project"
    project = work / "bare"
    shutil.copytree(template, project)
    (project / "actions" / "actions.py").write_text(BARE_ACTION)
    domain = yaml.safe_load((project / "domain.yml").read_text())
    domain["actions"] = ["action_hello_world"]
    (project / "domain.yml").write_text(yaml.safe_dump(domain, sort_keys=False, allow_unicode=True))
    rules = yaml.safe_load((project / "data" / "rules.yml").read_text())
    for rule in rules["rules"]:
        if any(step.get("intent") == "bot_challenge" for step in rule["steps"]):
            rule["steps"].append({"action": "action_hello_world"})
    (project / "data" / "rules.yml").write_text(yaml.safe_dump(rules, sort_keys=False, allow_unicode=True))
    # Only the REST channel: the template's `rasa:` channel points at a Rasa X that is not there.
    (project / "credentials.yml").write_text(yaml.safe_dump({"rest": None}))
    return project


def start_bare(settings: Settings, work: Path, conversations: int) -> BareUnderTest:
    project = make_bare_project(work)
    digest = hashlib.sha256()
    for path in sorted(p for p in project.rglob("*") if p.is_file() and p.suffix in (".yml", ".py")):
        digest.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes())
    target = settings.cache_dir / "models" / f"bare-{digest.hexdigest()[:20]}.tar.gz"
    result = eng.train_project(settings, config=project / "config.yml", domain=project / "domain.yml",
                               data=project / "data", target=target, progress=log)
    log(f"bare bot model {'reused' if result.reused else 'trained'}: {target.name}")
    action_port, engine_port = eng.free_port(), eng.free_port()
    env = eng.engine_env(settings)
    (project / "endpoints.yml").write_text(yaml.safe_dump(
        {"action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook"}}))
    rasa = str(eng.rasa_executable())
    actions = procs.spawn("bare action server", [rasa, "run", "actions", "--actions", "actions", "--port",
                                                 str(action_port)], env, cwd=project, log_file=work / "bare-actions.log",
                          url=f"http://127.0.0.1:{action_port}")
    procs.wait_ready(actions, lambda c: c.get(f"http://127.0.0.1:{action_port}/health").status_code == 200, 120, log)
    url = f"http://127.0.0.1:{engine_port}"
    engine = procs.spawn("bare engine", [rasa, "run", "--enable-api", "--port", str(engine_port), "--interface",
                                         "127.0.0.1", "--model", str(target), "--endpoints",
                                         str(project / "endpoints.yml"), "--credentials",
                                         str(project / "credentials.yml")], env, cwd=project,
                         log_file=work / "bare-engine.log", url=url)

    def ready(client: httpx.Client) -> bool:
        response = client.get(f"{url}/status")
        return response.status_code == 200 and bool(response.json().get("model_file"))

    procs.wait_ready(engine, ready, eng.ENGINE_START_TIMEOUT, log)
    return BareUnderTest(engine, actions, url, conversations)


# ----------------------------------------------------------------------------- the run


async def warm_up(send: Sender, turns: int = 20) -> None:
    """Load lazily built graphs and open connections; not measured."""
    async with httpx.AsyncClient(timeout=30.0) as client:
        for i in range(turns):
            await send(client, i)


def print_phases(title: str, phases: list[Phase]) -> None:
    print(f"\n{title}")
    print(f"  {'phase':<36} {'offered':>8} {'served/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for p in phases:
        offered = f"{p.target_rate:g}/s" if p.target_rate else "closed"
        print(f"  {p.name:<36} {offered:>8} {p.throughput:>9.2f} {p.p50_ms:>8.1f} {p.p95_ms:>8.1f} "
              f"{p.p99_ms:>8.1f} {p.errors:>7}")


async def measure_ransel(ransel: RanselUnderTest, work: Path, args: argparse.Namespace, seconds: float,
                         closed_seconds: float) -> dict[str, object]:
    """Ransel's share of a turn, its open and closed loops, CPU and memory (and scaling)."""
    users = args.users
    sender = ransel.sender()
    await warm_up(sender)
    share = await ransel_share(ransel, 10 if args.quick else 30)
    phases = [await open_loop(f"ransel @ {rate:g}/s", sender, rate, seconds) for rate in (5, 10)]
    phase, cpu = await measured_closed_loop(f"ransel max ({users} users)", sender, users, closed_seconds, {
        "engine": ransel.stack.engine.pid, "action_server": ransel.stack.actions.pid,
        "gateway_http_app": ransel.web.pid})
    phases.append(phase)
    measured: dict[str, object] = {
        "phases": [asdict(p) for p in phases],
        "share": share,
        "cpu_ms_per_turn": cpu,
        "conversations": len(ransel.users),
        "rss_mb": {"engine": rss_mb(ransel.stack.engine.pid), "action_server": rss_mb(ransel.stack.actions.pid),
                   "gateway_http_app": rss_mb(ransel.web.pid)},
    }
    if not args.no_scaling:
        log("scaling: one and two engines on PostgreSQL + Redis ...")
        measured["scaling"] = await ransel_scaling(ransel, work, users * 2, closed_seconds)
    return measured


async def measure_bare(bare: BareUnderTest, users: int, seconds: float, closed_seconds: float) -> dict[str, object]:
    """The bare Rasa bot's open and closed loops, CPU and memory."""
    await warm_up(bare.sender())
    phases = [await open_loop(f"bare @ {rate:g}/s", bare.sender(), rate, seconds) for rate in (5, 10)]
    phase, cpu = await measured_closed_loop(f"bare max ({users} users)", bare.sender(), users, closed_seconds, {
        "engine": bare.engine.pid, "action_server": bare.actions.pid})
    phases.append(phase)
    return {"phases": [asdict(p) for p in phases], "conversations": bare.conversations, "cpu_ms_per_turn": cpu,
            "rss_mb": {"engine": rss_mb(bare.engine.pid), "action_server": rss_mb(bare.actions.pid)}}


def report(results: dict[str, Any]) -> None:
    """The run in words, against the targets."""
    print_phases("Bare Rasa 3.6 bot (rasa init + 1 custom action, in-memory tracker)",
                 [Phase(**p) for p in results["bare"]["phases"]])
    print_phases("Ransel (REST endpoint -> gateway -> engine -> action server -> SQLite)",
                 [Phase(**p) for p in results["ransel"]["phases"]])
    share = results["ransel"]["share"]
    print(f"\nRansel per turn, one request at a time (p50): REST turn {share['rest_turn_ms']} ms = gateway "
          f"{share['gateway_ms']} ms + engine {share['engine_only_ms']} ms + action server with database "
          f"{share['actions_and_db_ms']} ms")
    print(f"  action server with database, p50 per action (replaying a 10-turn conversation, "
          f"{share['replayed_tracker_events']} events): " + ", ".join(
        f"{name.removeprefix('action_')} {ms} ms" for name, ms in share["actions_by_name_ms"].items()))
    if share["gateway_ms"] == 0.0:
        print("  (the gateway's own time is within the noise of the engine's: REST and direct turns differ by "
              "less than their spread)")
    print(f"  gateway + actions + database share of latency: {share['share_ms']} ms per turn (target <= 15 ms; "
          "a difference of medians, moves with machine load)")
    cpu, bare_cpu = results["ransel"]["cpu_ms_per_turn"], results["bare"]["cpu_ms_per_turn"]
    ours = round(cpu["action_server"] + cpu["gateway_http_app"], 1)
    print(f"CPU per served turn at maximum load (ms): Ransel engine {cpu['engine']}, action server with SQLite "
          f"{cpu['action_server']}, gateway HTTP app with SQLite {cpu['gateway_http_app']}; bare engine "
          f"{bare_cpu['engine']}, bare action server {bare_cpu['action_server']}")
    print(f"  gateway + actions + database CPU per turn: {ours} ms (target <= 15 ms: {'yes' if ours <= 15 else 'NO'})")
    print("\nMemory (RSS, MB): " + ", ".join(
        [f"bare {k} {v}" for k, v in results["bare"]["rss_mb"].items()]
        + [f"ransel {k} {v}" for k, v in results["ransel"]["rss_mb"].items()]))
    ransel_max = results["ransel"]["phases"][-1]["throughput"]
    bare_max = results["bare"]["phases"][-1]["throughput"]
    p95_at_5 = results["ransel"]["phases"][0]["p95_ms"]
    print(f"\nTargets: Ransel p95 at 5 turns/s {p95_at_5} ms (<= 150: {'yes' if p95_at_5 <= 150 else 'NO'}); "
          f"max turns/s per engine Ransel {ransel_max} vs bare {bare_max} "
          f"(ratio {ransel_max / bare_max:.2f}; >= 1: {'yes' if ransel_max >= bare_max else 'NO'})")
    if "scaling" in results:
        sc = results["scaling"]
        print(f"Scaling: {sc['one_engine']['throughput']} turns/s with 1 engine, {sc['two_engines']['throughput']} "
              f"with 2 (x{sc['speedup']}; both engines and everything else share {os.cpu_count()} cores)")
        for label, key in (("1 engine", "utilisation_one"), ("2 engines", "utilisation_two")):
            u = sc[key]
            print(f"  {label}: engine process(es) busy {', '.join(f'{x:.0%}' for x in u['engines_core_share'])} "
                  f"of a core; machine busy {u['machine_share']:.0%} of its {os.cpu_count()} cores")
    print(f"Load average during the run: {os.getloadavg()} (other work on the machine skews numbers)")


def write_results(results: dict[str, Any]) -> Path:
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"dialogue-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    return out


async def main(args: argparse.Namespace) -> int:
    seconds = 10.0 if args.quick else args.seconds
    closed_seconds = 10.0 if args.quick else 30.0
    settings = load_settings()
    results: dict[str, Any] = {"started": datetime.now().isoformat(timespec="seconds"), "quick": args.quick,
                               "open_loop_seconds": seconds, "closed_loop_seconds": closed_seconds,
                               "closed_loop_users": args.users, "cpu_count": os.cpu_count(),
                               "load_average_at_start": os.getloadavg()}
    work = Path(tempfile.mkdtemp(prefix="ransel-bench-"))
    ransel = bare = None
    try:
        log("starting Ransel (demo school, HTTP app, engine, action server) ...")
        ransel = start_ransel(work)
        measured = await measure_ransel(ransel, work, args, seconds, closed_seconds)
        scaling = measured.pop("scaling", None)
        results["ransel"] = measured
        if scaling is not None:
            results["scaling"] = scaling
        conversations = len(ransel.users)
        ransel.stop()
        ransel = None

        log("starting the bare Rasa bot (rasa init + one custom action) ...")
        bare = start_bare(settings, work, conversations)
        results["bare"] = await measure_bare(bare, args.users, seconds, closed_seconds)
    finally:
        if bare is not None:
            bare.stop()
        if ransel is not None:
            ransel.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(results)
    print(f"\nwritten to {write_results(results).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases: a smoke run")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each open-loop phase")
    parser.add_argument("--users", type=int, default=4, help="concurrent users in the closed loop")
    parser.add_argument("--no-scaling", action="store_true", help="skip the two-engine run")
    sys.exit(asyncio.run(main(parser.parse_args())))
