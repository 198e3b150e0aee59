"""The operator's and teacher's commands, the admin API and the calendar feed, end to end."""

from __future__ import annotations

import json

import icalendar
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from bot import api_tokens as tokens
from ransel.cli import _register, cli
from bot.models import AssignmentKind, OutboxMessage, Person
from bot.runtime import Runtime
from ransel.app import create_app
from scheduler_helpers import DEMO_RULES, homework, oslo


@pytest.fixture
def run(school, store_url, tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("RANSEL_DATABASE_URL", store_url)
    monkeypatch.setenv("RANSEL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RANSEL_NOW", "2026-12-01T17:00:00+01:00")
    _register()

    def invoke(*args: str):  # noqa: ANN202
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_plan_shows_who_gets_what_when(run, session, school, clock) -> None:  # noqa: ANN001
    homework(session, school.g9b, oslo(clock, "2026-12-02T08:30"), "Les kapittel 3", subject="NOR01-07")

    result = run("scheduler", "plan", "--date", "2026-12-01")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"2026-12-01 17:00 CET  p{school.jonas:<6} jonas.hansen           lekser       reminder_homework    instant",
        f"2026-12-01 17:00 CET  p{school.kari:<6} kari.hansen            lekser       reminder_homework    instant",
        "2026-12-01: 1 occurrences, 2 messages (not written; not for: none)",
    ]
    assert session.query(OutboxMessage).count() == 0


def test_run_once_delivers_what_is_due_to_the_recording_channel(run, session, school, clock, tmp_path) -> None:  # noqa: ANN001
    homework(session, school.g9b, oslo(clock, "2026-12-02T08:30"), "Les kapittel 3", subject="NOR01-07")

    result = run("scheduler", "run-once", "--record-to", str(tmp_path / "outbox-recording.jsonl"))

    # Tomorrow evening's gym reminders are planned too; only what is due now goes out.
    assert "planned 5 new rows; dispatched 2: sent 2" in result.output
    lines = [json.loads(line) for line in (tmp_path / "outbox-recording.jsonl").read_text().splitlines()]
    assert sorted((r["recipient_id"], r["channel"], r["text"]) for r in lines) == sorted([
        (school.jonas, "telegram", "Lekser til i morgen, onsdag 2. desember:\n- norsk: Les kapittel 3"),
        (school.kari, "telegram", "Lekser til i morgen, onsdag 2. desember:\nJonas:\n- norsk: Les kapittel 3"),
    ])
    again = run("scheduler", "run-once", "--record-to", str(tmp_path / "outbox-recording.jsonl"))
    assert "dispatched 0" in again.output  # nothing twice
    assert len((tmp_path / "outbox-recording.jsonl").read_text().splitlines()) == 2


def test_rules_are_checked_loaded_and_shown(run, tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "regler.yaml"
    bad.write_text(DEMO_RULES.read_text(encoding="utf-8").replace('at: "17:00"', 'at: "5pm"', 1), encoding="utf-8")

    checked = run("scheduler", "rules", "check", str(bad))
    assert checked.exit_code == 1
    assert "regler.yaml, linje 22: rules[0].when.at: «5pm» er ikke et klokkeslett (TT:MM, for eksempel 17:00)" in checked.output

    good = tmp_path / "good.yaml"
    good.write_text("# Kort\n" + DEMO_RULES.read_text(encoding="utf-8").split("\n  # Ukeplanen")[0] + "\n", encoding="utf-8")
    assert run("scheduler", "rules", "load", str(good)).output.strip().endswith("Ransel skole: 4 rules")
    assert run("scheduler", "rules", "show").output.startswith("# Kort\n")


def test_teacher_broadcasts_from_the_command_line_and_sees_delivery(run, school, tmp_path) -> None:  # noqa: ANN001
    sent = run("broadcast", "send", "--as", "liv.andersen", "--group", "4A", "Husk foreldremøtet i kveld kl. 18.")
    assert sent.output.strip() == "broadcast 1: 2 recipients (i kø 2)"

    run("scheduler", "run-once", "--record-to", str(tmp_path / "sent.jsonl"))
    status = run("broadcast", "status", "1", "--as", "liv.andersen").output.splitlines()

    assert status == [
        "Kari Hansen                  sendt                    telegram  2026-12-01 17:00",
        "Per Lie                      sendt                    sms       2026-12-01 17:00",
        "broadcast 1: 2 recipients (sendt 2)",
    ]


def test_a_teacher_cannot_broadcast_to_a_group_they_do_not_teach(run) -> None:  # noqa: ANN001
    result = run("broadcast", "send", "--as", "ola.berg", "--group", "4A", "Hei")
    assert result.exit_code == 1 and "Du kan ikke sende melding til denne mottakergruppen." in result.output


def test_calendar_feed_url_is_issued_and_revoked(run, store_url) -> None:  # noqa: ANN001
    url = run("calendar", "issue", "--for", "kari.hansen").output.strip()
    assert url.startswith("http://127.0.0.1:8080/calendar/") and url.endswith(".ics") and len(url) > 70

    assert run("calendar", "revoke", "--url", url).output.strip() == "revoked 1 feed(s)"
    assert run("calendar", "revoke", "--for", "kari.hansen").output.strip() == "revoked 0 feed(s)"


# --- HTTP -------------------------------------------------------------------------------------


@pytest.fixture
def http(settings, school):  # noqa: ANN001, ANN201
    runtime = Runtime(settings)
    with TestClient(create_app(runtime)) as client:
        yield client, runtime
    runtime.close()


def token_for(runtime: Runtime, person_id: int, purpose: str) -> str:
    with runtime.transaction() as session:
        return tokens.issue(session, session.get(Person, person_id), purpose, runtime.clock)


def test_a_school_admin_reads_and_replaces_the_rules_over_http(http, school) -> None:  # noqa: ANN001
    client, runtime = http
    auth = {"Authorization": f"Bearer {token_for(runtime, school.admin, 'admin')}"}

    got = client.get("/api/schools/solbakken/reminders", headers=auth)
    assert got.status_code == 200 and got.text.startswith("# Påminnelser for demoskolen.")

    bad = client.put("/api/schools/solbakken/reminders", headers=auth, content=got.text.replace("kind: gear", "kind: gir"))
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        "reminders.yaml, linje 31: rules[1].kind: «gir» må være en av: homework, gear, event, test, weekplan, absence"
    ]

    new = got.text.replace('at: "17:00"}', 'at: "16:30"}', 1)
    ok = client.put("/api/schools/solbakken/reminders", headers=auth, content=new.encode())
    assert ok.status_code == 200 and ok.json()["rules"] == 6
    assert client.get("/api/schools/solbakken/reminders", headers=auth).text == new


def test_rules_api_refuses_teachers_and_strangers_alike(http, school) -> None:  # noqa: ANN001
    client, runtime = http
    teacher = {"Authorization": f"Bearer {token_for(runtime, school.liv, 'admin')}"}
    wrong_purpose = {"Authorization": f"Bearer {token_for(runtime, school.admin, 'web')}"}
    for headers in (teacher, wrong_purpose, {}):
        assert client.get("/api/schools/solbakken/reminders", headers=headers).status_code == 404
        assert client.put("/api/schools/solbakken/reminders", headers=headers, content=b"version: 1").status_code == 404


def test_broadcast_api_sends_reports_and_cancels(http, school) -> None:  # noqa: ANN001
    client, runtime = http
    auth = {"Authorization": f"Bearer {token_for(runtime, school.liv, 'admin')}"}

    made = client.post("/api/broadcasts", headers=auth, json={
        "scope": "group", "group": "4A", "audience": "both", "text": "Tur i morgen!", "send_at": "2026-12-01T19:00"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["totals"] == {"queued": 4}
    assert [r["name"] for r in body["recipients"]] == ["Emma Hansen", "Kari Hansen", "Per Lie", "Sofie Lie"]

    cancelled = client.delete(f"/api/broadcasts/{body['broadcast']}", headers=auth)
    assert cancelled.status_code == 200
    other = {"Authorization": f"Bearer {token_for(runtime, school.ola, 'admin')}"}
    assert client.get(f"/api/broadcasts/{body['broadcast']}", headers=other).status_code == 404


def test_calendar_feed_is_valid_icalendar_with_both_children(http, session, school, clock) -> None:  # noqa: ANN001
    client, runtime = http
    homework(session, school.g4a, oslo(clock, "2026-12-02T08:30"), "Side 42")
    test_id = homework(session, school.g9b, oslo(clock, "2026-12-04T08:30"), "Brøk", kind=AssignmentKind.TEST)
    secret = token_for(runtime, school.kari, "calendar")

    response = client.get(f"/calendar/{secret}.ics")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    assert str(cal["X-WR-CALNAME"]) == "Ransel: Emma og Jonas"
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert all("DTSTAMP" in e and "DTSTART" in e for e in events.values())
    test = events[f"assignment-{test_id}-p{school.jonas}@ransel"]
    assert str(test["SUMMARY"]) == "Jonas: prøve i matematikk: Brøk"
    assert str(test.decoded("DTSTART")) == "2026-12-04"
    skating = next(e for e in events.values() if str(e["SUMMARY"]) == "Emma: Skøytedag")
    assert skating.decoded("DTSTART").isoformat() == "2026-12-04T07:30:00+00:00"
    assert str(skating["DESCRIPTION"]) == "ta med skøyter og hjelm"
    bring = events[f"bring-2026-12-03-p{school.emma}@ransel"]
    assert str(bring["SUMMARY"]) == "Emma: ta med gymtøy"
    # The same feed again: the same UIDs (calendar apps update in place).
    again = icalendar.Calendar.from_ical(client.get(f"/calendar/{secret}.ics").content)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(events)

    with runtime.transaction() as s:
        tokens.revoke(s, secret, runtime.clock)
    assert client.get(f"/calendar/{secret}.ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404
