"""ransel token issue, train (reuse), ask against a stub engine."""

import hashlib
import threading

import pytest
import uvicorn
from click.testing import CliRunner
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot import engine as engine_mod
from ransel.cli import _register, cli
from bot.models import ApiToken
from bot.runtime import Runtime
from tests.builders import build_school


@pytest.fixture
def school_env(sqlite_url, tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("RANSEL_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RANSEL_DATA_DIR", str(tmp_path))
    runtime = Runtime.from_env()
    with runtime.sessions() as session:
        build_school(session)
    runtime.close()
    _register()
    return sqlite_url


def test_token_issue_prints_a_token_and_stores_only_its_hash(school_env) -> None:  # noqa: ANN001
    result = CliRunner().invoke(cli, ["token", "issue", "--as", "kari"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    runtime = Runtime.from_env()
    with runtime.sessions() as session:
        [row] = session.scalars(select(ApiToken)).all()
    runtime.close()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in row.token_hash
    assert row.purpose == "rest"


def test_token_list_shows_expiry_and_last_use_and_revoke_ends_it(school_env) -> None:  # noqa: ANN001
    runner = CliRunner()
    secret = runner.invoke(cli, ["token", "issue", "--as", "kari"]).output.strip()
    listed = runner.invoke(cli, ["token", "list"])
    assert listed.exit_code == 0, listed.output
    from datetime import timedelta

    clock = Runtime.from_env().clock
    a_year_on = clock.local(clock.utcnow() + timedelta(days=365))
    assert "kari" in listed.output and "rest" in listed.output and f"expires {a_year_on:%Y-%m-%d}" in listed.output
    assert secret not in listed.output and "last used -" in listed.output
    token_id = listed.output.split()[0]
    assert runner.invoke(cli, ["token", "revoke", token_id]).exit_code == 0
    assert "kari" not in runner.invoke(cli, ["token", "list"]).output
    assert "revoked" in runner.invoke(cli, ["token", "list", "--all"]).output
    runtime = Runtime.from_env()
    from bot.api_tokens import resolve

    with runtime.sessions() as session:
        assert resolve(session, secret, "rest", runtime.clock.utcnow()) is None
    runtime.close()


def test_unknown_user_is_a_clear_error(school_env) -> None:  # noqa: ANN001
    result = CliRunner().invoke(cli, ["ask", "--as", "nobody@example.org", "hei"])
    assert result.exit_code != 0 and "no such person: nobody@example.org" in result.output


def test_ask_goes_through_the_gateway_to_a_running_engine(school_env, monkeypatch) -> None:  # noqa: ANN001
    received = {}

    async def status(request):  # noqa: ANN001, ANN202
        return JSONResponse({"model_file": "stub.tar.gz"})

    async def rest(request):  # noqa: ANN001, ANN202
        received.update(await request.json())
        return JSONResponse([{"recipient_id": received["sender"], "text": "Hvem gjelder det – Emma eller Jonas?",
                              "buttons": [{"title": "Emma", "payload": "/choose_child"},
                                          {"title": "Jonas", "payload": "/choose_child"}]}])

    port = engine_mod.free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/status", status),
                                                             Route("/webhooks/rest/webhook", rest, methods=["POST"])]),
                                           port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            pass
        monkeypatch.setenv("RANSEL_ENGINE_URL", f"http://127.0.0.1:{port}")
        result = CliRunner().invoke(cli, ["ask", "--as", "kari", "hva er leksene?"])
    finally:
        server.should_exit = True
        thread.join(5)
    assert result.exit_code == 0, result.output
    assert result.output == "Hvem gjelder det – Emma eller Jonas?\n  [1] Emma\n  [2] Jonas\n"
    assert received["message"] == "hva er leksene?"


def test_train_reuses_a_model_for_unchanged_data(school_env, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("RANSEL_CACHE_DIR", str(tmp_path / "cache"))
    from bot.config import load_settings

    target = engine_mod.model_path(load_settings())
    target.parent.mkdir(parents=True)
    target.write_bytes(b"a model")
    result = CliRunner().invoke(cli, ["train"])
    assert result.exit_code == 0 and f"model up to date, reused {target}" in result.output


def test_the_fingerprint_follows_config_and_data_but_not_held_out_files(tmp_path) -> None:  # noqa: ANN001
    import shutil

    from bot.config import PROJECT_ROOT

    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "nlu", root / "nlu")
    (root / "engine").mkdir()
    shutil.copy(PROJECT_ROOT / "engine" / "requirements.lock", root / "engine")
    shutil.copy(PROJECT_ROOT / "config.yml", root)
    before = engine_mod.fingerprint(root)
    (root / "tests").mkdir()
    (root / "tests" / "heldout.yml").write_text("nlu: []")
    assert engine_mod.fingerprint(root) == before
    with open(root / "nlu" / "smalltalk" / "nb.yml", "a") as fh:
        fh.write("      - heisann sveisann\n")
    assert engine_mod.fingerprint(root) != before


def test_telegram_commands_say_clearly_when_telegram_is_not_configured(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("RANSEL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RANSEL_TELEGRAM_BOT_TOKEN", raising=False)
    _register()
    for command in (["telegram", "webhook"], ["telegram", "poll"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 1 and "Telegram is not configured: set RANSEL_TELEGRAM_BOT_TOKEN" in result.output
