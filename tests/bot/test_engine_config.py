"""The engine's endpoints.yml: action server, tracker store in the stores' URL family, Redis lock."""

import yaml

from bot.config import load_settings
from bot.engine import lock_store_config, settings_env, tracker_store_config, write_engine_config


def test_sqlite_tracker_store_is_a_file_next_to_the_stores(tmp_path) -> None:  # noqa: ANN001
    settings = load_settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/ransel.db")
    assert tracker_store_config(settings.engine_tracker_url) == {
        "type": "SQL", "dialect": "sqlite", "db": str(tmp_path / "tracker.db")}


def test_postgresql_tracker_store_names_host_port_database_and_user() -> None:
    # Rasa hands `url` to SQLTrackerStore as its host; a `host` key would clash.
    assert tracker_store_config("postgresql://ransel:s%40cret@db.example:5433/ransel") == {
        "type": "SQL", "dialect": "postgresql", "url": "db.example", "port": 5433, "db": "ransel",
        "username": "ransel", "password": "s@cret"}


def test_redis_lock_store_only_when_configured(tmp_path) -> None:  # noqa: ANN001
    assert lock_store_config("") is None
    assert lock_store_config("redis://127.0.0.1:6379/3") == {
        "type": "redis", "url": "127.0.0.1", "port": 6379, "db": 3, "key_prefix": "ransel"}
    settings = load_settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:6379/0",
                             action_server_url="http://127.0.0.1:5999/webhook")
    endpoints, credentials = write_engine_config(settings, tmp_path / "run")
    written = yaml.safe_load(endpoints.read_text())
    assert written["action_endpoint"] == {"url": "http://127.0.0.1:5999/webhook"}
    assert written["lock_store"]["type"] == "redis"
    assert yaml.safe_load(credentials.read_text()) == {"rest": None}


def test_child_processes_get_the_same_settings(tmp_path) -> None:  # noqa: ANN001
    settings = load_settings(data_dir=tmp_path, now="2026-12-01T10:00:00+01:00", clock_runs=True)
    env = settings_env(settings)
    assert env["RANSEL_NOW"] == "2026-12-01T10:00:00+01:00" and env["RANSEL_CLOCK_RUNS"] == "true"
    rebuilt = load_settings(**{k.removeprefix("RANSEL_").lower(): v for k, v in env.items()})
    assert rebuilt == settings
