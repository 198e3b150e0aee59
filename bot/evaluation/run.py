"""Run question files through the real stack on the evaluation school and grade the replies
(docs/EVALUATION.md is the contract): facts that must and must not appear, the reply's
language, state changes, privacy leaks; and out-of-domain utterances.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import or_, select, text

from bot import db
from bot import engine as engine_mod
from bot.access import visible_pupil_ids
from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.gateway import Asker, Gateway
from bot.i18n import SUPPORTED, language_of, render
from bot.identity import conversation_id
from bot.importers.lk20 import import_lk20
from bot.importers.oneroster import import_oneroster
from bot.language import NORWEGIAN, detect
from bot.models import Assignment, Channel, Group, Person, PersonRole, Result, Role
from bot.runtime import Runtime
from bot.services.describe import sentences

# Tables whose rows are what a person's message may change.
STATE_TABLES = {
    "absence": ("absences",),
    "message": ("threads", "thread_messages"),
    "reminders": ("notification_preferences", "category_preferences"),
    "broadcast": ("broadcasts",),
    "homework": ("assignments",),
    "outbox": ("outbox",),
    "profile": ("profile_settings", "subject_status", "profile_history"),
}
# The kinds of the record of changes (bot/services/changes.py) -> the state kinds above.
CHANGE_KINDS = {"absence": "absence", "message": "message", "reminders": "reminders", "broadcast": "broadcast",
                "homework": "homework", "homework_change": "homework", "profile": "profile"}
KINDS = ("homework", "test", "bring", "progress", "teacher", "absence", "fallback", "staff")


# --- the stack on the evaluation school ------------------------------------------------------


def load_school(settings: Settings, school_dir: Path) -> None:

    runtime = Runtime(settings)
    try:
        db.upgrade(settings.store_url)
        import_lk20(runtime.engine, PROJECT_ROOT / "data" / "lk20")
        import_oneroster(runtime.engine, school_dir / "oneroster", runtime.clock)
    finally:
        runtime.close()


def school_now(school_dir: Path) -> datetime:
    info = yaml.safe_load((school_dir / "school.txt").read_text(encoding="utf-8"))
    return datetime.fromisoformat(str(info["now"]))


@dataclass
class EvalStack:
    settings: Settings
    runtime: Runtime
    stack: engine_mod.Stack
    askers: dict[str, Asker] = field(default_factory=dict)
    _school_texts: list[str] | None = None
    # The school as imported: restored after every question, so questions are independent.
    snapshot: Path | None = None

    def person(self, who: str) -> Person:
        with self.runtime.sessions() as session:
            key = who.removeprefix("u-")
            person = session.scalar(select(Person).where(or_(
                Person.username == key, Person.email == who, Person.username == who)))
            if person is None:
                raise LookupError(f"no person {who!r} in the evaluation school")
            session.expunge(person)
            return person

    def asker(self, who: str) -> Asker:
        if who not in self.askers:
            person = self.person(who)
            self.askers[who] = Asker(person.id, language_of(person.language))
        return self.askers[who]

    def ask(self, who: str, text_: str, channel: Channel = Channel.WEB) -> str:
        async def call() -> str:
            gateway = Gateway(self.settings)
            try:
                replies = await gateway.ask(self.asker(who), channel, text_)
            finally:
                await gateway.aclose()
            return "\n".join(r.text for r in replies)

        return asyncio.run(call())

    def _sender(self, who: str, channel: Channel) -> str:
        return conversation_id(self.settings.sender_secret, self.asker(who).person_id, channel)

    def restart(self, who: str, channel: Channel = Channel.WEB) -> None:
        httpx.post(f"{self.settings.engine_url}/conversations/{self._sender(who, channel)}/tracker/events",
                   params={"token": engine_mod.api_token(self.settings)}, json={"event": "restart"},
                   timeout=10.0).raise_for_status()

    def last_turn(self, who: str, channel: Channel = Channel.WEB) -> tuple[list[str], bool]:
        """The actions the engine ran for the last message and whether a yes/no waits."""
        tracker = httpx.get(f"{self.settings.engine_url}/conversations/{self._sender(who, channel)}/tracker",
                            params={"token": engine_mod.api_token(self.settings)}, timeout=10.0).json()
        events = tracker.get("events") or []
        last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
        actions = [e.get("name") for e in events[last_user + 1:] if e.get("event") == "action"]
        return [a for a in actions if a], bool((tracker.get("slots") or {}).get("confirm"))

    def fingerprint(self) -> dict[str, str]:
        """A hash of every state table's rows, per kind of change. The record of changes a
        conversation made counts too: homework added and then deleted changed something."""
        out = {}
        with self.runtime.engine.connect() as conn:
            for kind, tables in STATE_TABLES.items():
                digest = hashlib.sha256()
                for table in tables:
                    for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY id")):
                        digest.update(repr(tuple(row)).encode())
                for row in conn.execute(text("SELECT id, kind FROM changes ORDER BY id")):
                    if CHANGE_KINDS.get(row.kind) == kind:
                        digest.update(repr(tuple(row)).encode())
                out[kind] = digest.hexdigest()
        return out

    def restore(self) -> None:
        """Put the school back as it was imported (SQLite's online backup into the live
        file: the action server's open connections read the restored rows next time)."""
        if self.snapshot is None:
            return
        self.runtime.engine.dispose()
        _copy_sqlite(self.snapshot, Path(self.settings.database_url.removeprefix("sqlite:///")))

    def forget_changes(self) -> None:
        """Questions are independent, but the school's clock stands still: a change made by
        an earlier question must not count as "just made" (or undoable) in the next one."""
        with self.runtime.engine.begin() as conn:
            conn.execute(text("UPDATE changes SET undone_at = created_at WHERE undone_at IS NULL"))

    def school_texts(self) -> list[str]:
        """Titles and descriptions of the school's items and teachers' comments (and every
        sentence of them), as a reply may quote them."""
        if self._school_texts is None:

            texts: set[str] = set()
            with self.runtime.sessions() as session:
                rows = [*session.execute(select(Assignment.title, Assignment.description)).all(),
                        *((c, None) for c in session.scalars(select(Result.comment))),
                        # Group names ("3C Kroppsøving") and people's names are the school's words.
                        *((g, None) for g in session.scalars(select(Group.name))),
                        *((f"{g} {f}", None) for g, f in session.execute(select(Person.given_name, Person.family_name)))]
            for row in rows:
                for value in row:
                    if value:
                        texts.add(value.strip())
                        texts.update(sentences(value))
                        # The parts a reply lists ("varme klær", "termos med kakao").
                        texts.update(part.strip() for part in re.split(r"[.,;:!?()]|\s(?:og|and|eller|or)\s", value)
                                     if len(part.strip()) >= 5)
            self._school_texts = sorted(texts)
        return self._school_texts

    def hidden_names(self, who: str) -> list[str]:
        """Full names of pupils and guardians the asker may not see."""
        with self.runtime.sessions() as session:
            person = session.get_one(Person, self.asker(who).person_id)
            today = self.runtime.clock.now().astimezone(self.runtime.clock.zone).date()
            visible = visible_pupil_ids(session, person, today) | {person.id}
            hidden = []
            rows = session.execute(select(Person.id, Person.given_name, Person.family_name, PersonRole.role)
                                   .join(PersonRole, PersonRole.person_id == Person.id))
            for pid, given, family, role in rows:
                if pid in visible or role not in (Role.PUPIL, Role.GUARDIAN):
                    continue
                hidden.append(f"{given} {family}")
            return sorted(set(hidden))


@contextmanager
def evaluation_stack(school_dir: Path, work_dir: Path) -> Iterator[EvalStack]:
    work_dir.mkdir(parents=True, exist_ok=True)
    for old in work_dir.glob("eval.db*"):
        old.unlink()
    url = f"sqlite:///{work_dir / 'eval.db'}"
    settings = engine_mod.with_free_ports(load_settings(database_url=url, data_dir=work_dir,
                                                        now=school_now(school_dir)))
    load_school(settings, school_dir)
    _copy_sqlite(work_dir / "eval.db", work_dir / "eval.snapshot.db")
    runtime = Runtime(settings)
    stack = engine_mod.start_stack(settings, run_dir=work_dir)
    try:
        yield EvalStack(settings, runtime, stack, snapshot=work_dir / "eval.snapshot.db")
    finally:
        stack.stop()
        runtime.close()


def _copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target, timeout=30) as dst:
        src.backup(dst)
    src.close()
    dst.close()


# --- grading -------------------------------------------------------------------------------


def normalise(value: str) -> str:
    value = unicodedata.normalize("NFC", value).replace("\u00a0", " ").replace("\u202f", " ")
    value = re.sub(r"[\u2010-\u2015\u2212]", "-", value)
    return " ".join(value.casefold().split())


def contains(reply: str, wanted: str | list[str]) -> bool:
    options = wanted if isinstance(wanted, list) else [wanted]
    body = normalise(reply)
    return any(normalise(str(o)) in body for o in options)


def without_quotes(reply: str, quoted: list[str]) -> str:
    """The reply without the school's own words it quotes (lineItem titles and descriptions,
    teachers' comments): those stay in the language the school wrote them in, and the reply's
    language is the language of Ransel's own words around them."""
    for text_ in sorted(quoted, key=len, reverse=True):
        if len(text_) >= 5:
            reply = reply.replace(text_, " ")
    # A part of them quoted (a thing to bring a description lists: "noe å bidra med til
    # kakebordet") is theirs too: every run of two or more words that a quoted text has.
    runs: set[tuple[str, str]] = set()
    for text_ in quoted:
        words = _WORDS.findall(text_.casefold())
        runs.update(pairwise(words))
    tokens = list(_WORDS.finditer(reply))
    drop: set[int] = set()
    for i in range(len(tokens) - 1):
        if (tokens[i].group(0).casefold(), tokens[i + 1].group(0).casefold()) in runs:
            drop.update((i, i + 1))
    for i in sorted(drop, reverse=True):
        reply = reply[:tokens[i].start()] + " " + reply[tokens[i].end():]
    return reply


_WORDS = re.compile(r"[\wæøåÆØÅ'-]+")


def language_ok(reply: str, lang: str, quoted: list[str] | None = None) -> bool:
    found = detect(without_quotes(reply, quoted or []))
    if found is None:
        return True
    if found == NORWEGIAN:
        return lang in ("nb", "nn")
    return found == lang


@dataclass
class Graded:
    id: str
    kind: str
    lang: str
    asker: str
    asked: list[str]
    reply: str
    passed: bool
    missing: list[Any] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    wrong_language: bool = False
    changed: list[str] = field(default_factory=list)
    unexpected_change: bool = False
    leaks: list[str] = field(default_factory=list)


def grade(q: dict[str, Any], reply: str, changed: list[str], hidden: list[str],
          quoted: list[str] | None = None) -> Graded:
    lang = q.get("reply_lang") or q["lang"]
    missing = [m for m in q.get("must") or [] if not contains(reply, m)]
    forbidden = [m for m in q.get("must_not") or [] if contains(reply, m)]
    wrong_language = not language_ok(reply, lang, quoted)
    expected = q.get("changes") or "none"
    expected_set = set() if expected == "none" else {expected}
    # A message to a teacher or an absence alert also adds outbox rows.
    significant = {c for c in changed if c != "outbox"}
    unexpected = significant != expected_set or (expected == "none" and "outbox" in changed)
    leaks = [name for name in hidden if normalise(name) in normalise(reply)]
    passed = not missing and not forbidden and not wrong_language and not unexpected and not leaks
    turns = q.get("turns") or [q["text"]]
    return Graded(q["id"], q.get("kind", "?"), q["lang"], q["as"], list(turns), reply, passed, missing, forbidden,
                  wrong_language, changed, unexpected, leaks)


def run_answers(questions: list[dict[str, Any]], stack: EvalStack) -> list[Graded]:
    graded = []
    for q in questions:
        who = q["as"]
        channel = Channel(q.get("channel", "web"))
        stack.restart(who, channel)
        before = stack.fingerprint()
        reply = ""
        for turn in q.get("turns") or [q["text"]]:
            reply = stack.ask(who, str(turn), channel)
        after = stack.fingerprint()
        changed = sorted(k for k in before if before[k] != after[k])
        graded.append(grade(q, reply, changed, stack.hidden_names(who), stack.school_texts()))
        stack.forget_changes()
        stack.restore()
    return graded


def summary(graded: list[Graded]) -> str:
    def rate(rows: list[Graded]) -> str:
        ok = sum(g.passed for g in rows)
        return f"{ok}/{len(rows)} ({100 * ok / len(rows):.1f} %)" if rows else "-"

    lines = [f"overall: {rate(graded)}"]
    for label, key in (("kind", "kind"), ("language", "lang")):
        groups: dict[str, list[Graded]] = defaultdict(list)
        for g in graded:
            groups[getattr(g, key)].append(g)
        lines.append(f"by {label}: " + ", ".join(f"{k} {rate(v)}" for k, v in sorted(groups.items())))
    lines.append(f"privacy leaks: {sum(bool(g.leaks) for g in graded)}; "
                 f"unexpected state changes: {sum(g.unexpected_change for g in graded)}; "
                 f"wrong language: {sum(g.wrong_language for g in graded)}")
    for g in graded:
        if g.passed:
            continue
        why = []
        if g.missing:
            why.append(f"missing {g.missing}")
        if g.forbidden:
            why.append(f"must not have {g.forbidden}")
        if g.wrong_language:
            why.append(f"not in {g.lang}")
        if g.unexpected_change:
            why.append(f"changed {g.changed or 'nothing'}")
        if g.leaks:
            why.append(f"LEAK {g.leaks}")
        lines.append(f"\nFAIL {g.id} [{g.kind}/{g.lang}] {g.asker}: {' / '.join(g.asked)}\n  {'; '.join(why)}\n  "
                     + g.reply.replace("\n", "\n  "))
    return "\n".join(lines)


def load_questions(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return data.get("school") or {}, list(data["questions"])


# --- out of domain ---------------------------------------------------------------------------

POLITE = {"action_out_of_scope", "action_fallback"}
# Replies that decline or ask back, whichever action gave them (a request for another
# assistant is answered out of scope inside whatever action the model picked).
POLITE_TEMPLATES = ("out_of_scope", "fallback_clarify", "reminders_own")


def polite_openings() -> list[str]:

    openings = []
    for lang in SUPPORTED:
        for name in POLITE_TEMPLATES:
            text_ = render(name, lang, role="guardian", child=None, pupil=None, has_choices=False)
            openings.append(normalise(re.split(r"[.–:!?]", text_)[0]))
    return openings


def is_polite(reply: str, openings: list[str]) -> bool:
    body = normalise(reply)
    return any(body.startswith(o) or o in body[:200] for o in openings)


@dataclass
class OodResult:
    id: str
    text: str
    asker: str
    reply: str
    actions: list[str]
    passed: bool
    changed: list[str]
    wrong_language: bool


def run_ood(utterances: list[dict[str, Any]], stack: EvalStack, askers: list[str]) -> list[OodResult]:
    out = []
    openings = polite_openings()
    for u in utterances:
        for who in askers:
            stack.restart(who)
            before = stack.fingerprint()
            reply = stack.ask(who, str(u["text"]))
            after = stack.fingerprint()
            actions, confirm = stack.last_turn(who)
            changed = sorted(k for k in before if before[k] != after[k])
            polite = bool(POLITE & set(actions)) or confirm or is_polite(reply, openings)
            lang = u.get("lang") or "nb"
            # Utterances in dialect are neither standard: bokmål or nynorsk are both right.
            wrong = not (language_ok(reply, lang) or (lang in ("nb", "nn") and language_ok(reply, "nn")))
            out.append(OodResult(str(u.get("id", "")), str(u["text"]), who, reply, actions,
                                 polite and not changed, changed, wrong))
    return out


def ood_summary(results: list[OodResult]) -> str:
    ok = sum(r.passed for r in results)
    changes = sum(bool(r.changed) for r in results)
    wrong = sum(r.wrong_language for r in results)
    lines = [f"passed: {ok}/{len(results)} ({100 * ok / max(1, len(results)):.1f} %); state changes: {changes}; "
             f"wrong language: {wrong}"]
    answered = Counter(next((a for a in r.actions if a not in ("action_listen",)), "?") for r in results if not r.passed)
    if answered:
        lines.append("failed, by the action that answered: " + ", ".join(f"{a} {n}" for a, n in answered.most_common()))
    for r in results:
        if not r.passed:
            lines.append(f"FAIL {r.id} {r.asker}: {r.text}\n  {r.actions} changed={r.changed}\n  "
                         + r.reply[:200].replace("\n", "\n  "))
    return "\n".join(lines)


def write_json(path: Path, rows: list[Any]) -> None:
    Path(path).write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1), encoding="utf-8")
