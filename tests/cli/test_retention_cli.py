"""``ransel scheduler retention`` runs the nightly deletion of old conversations at once."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select

from bot.identity import conversation_id
from bot.models import Channel
from ransel.cli import _register, cli
from tests.bot.test_pupil_data_rights import rasa_events_table, say
from tests.builders import build_school


def test_the_retention_command_deletes_what_the_school_no_longer_keeps(session, store_url, clock, tmp_path,
                                                                        monkeypatch) -> None:
    school = build_school(session)
    session.commit()
    tracker, table = rasa_events_table(tmp_path / "tracker.db")
    sender = conversation_id("secret", school.kari.id, Channel.WEB)
    say(tracker, table, sender, "old", clock.utcnow() - timedelta(days=100))
    say(tracker, table, sender, "new", clock.utcnow() - timedelta(days=1))
    monkeypatch.setenv("RANSEL_DATABASE_URL", store_url)
    monkeypatch.setenv("RANSEL_NOW", "2026-12-01T10:00:00+01:00")
    monkeypatch.setenv("RANSEL_TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    _register()
    result = CliRunner().invoke(cli, ["scheduler", "retention"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "deleted 1 conversation event(s) older than the schools' retention"
    with tracker.connect() as connection:
        assert [json.loads(d)["text"] for d in connection.scalars(select(table.c.data))] == ["new"]
