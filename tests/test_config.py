from datetime import timedelta

import pytest

from bot.clock import Clock
from bot.config import ConfigError, load_settings


def test_fixed_clock_comes_from_ransel_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEL_NOW", "2026-03-29T01:30:00+01:00")
    clock = Clock.from_settings(load_settings())
    # 01:30 CET is before the spring change; one hour later the wall clock reads 03:30 CEST.
    assert clock.now().isoformat() == "2026-03-29T01:30:00+01:00"
    clock.advance(timedelta(hours=1))
    assert clock.now().isoformat() == "2026-03-29T03:30:00+02:00"


def test_naive_ransel_now_is_refused_with_the_setting_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEL_NOW", "2026-12-01T08:00:00")
    with pytest.raises(ConfigError, match="RANSEL_NOW: .*UTC offset"):
        load_settings()


def test_unknown_time_zone_and_bad_language_are_both_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEL_TZ", "Europe/Bergen")
    monkeypatch.setenv("RANSEL_DEFAULT_LANGUAGE", "sv")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "RANSEL_TZ" in str(info.value) and "RANSEL_DEFAULT_LANGUAGE" in str(info.value)


def test_toml_file_is_read_and_env_wins(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ransel.toml"
    config.write_text('tz = "Europe/London"\nhttp_port = 9000\n')
    monkeypatch.setenv("RANSEL_CONFIG", str(config))
    monkeypatch.setenv("RANSEL_HTTP_PORT", "9100")
    settings = load_settings()
    assert settings.tz == "Europe/London" and settings.http_port == 9100


def test_default_store_is_sqlite_in_the_data_folder_and_tracker_beside_it(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.store_url == f"sqlite:///{tmp_path / 'ransel.db'}"
    assert settings.engine_tracker_url == f"sqlite:///{tmp_path / 'tracker.db'}"
    pg = load_settings(database_url="postgresql://root@127.0.0.1/test")
    assert pg.engine_tracker_url == "postgresql://root@127.0.0.1/test"


def test_advancing_a_clock_set_in_local_time_crosses_dst_in_real_hours() -> None:
    from zoneinfo import ZoneInfo

    from datetime import datetime

    oslo = ZoneInfo("Europe/Oslo")
    clock = Clock(zone=oslo)
    clock.set(datetime(2026, 10, 25, 1, 30, tzinfo=oslo))  # CEST, before the autumn change
    clock.advance(timedelta(hours=2))
    # Two real hours later: 02:30 CEST -> 02:30 CET is one hour, then 03:30 CET.
    assert clock.now().isoformat() == "2026-10-25T02:30:00+01:00"


def test_processes_sharing_an_anchor_share_one_running_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEL_NOW", "2026-12-01T10:00:00+01:00")
    monkeypatch.setenv("RANSEL_CLOCK_RUNS", "true")
    monkeypatch.setenv("RANSEL_CLOCK_ANCHOR", "2020-01-01T00:00:00+00:00")
    clock = Clock.from_settings(load_settings())
    # The anchor is long past, so the clock has run on far beyond RANSEL_NOW.
    assert clock.now().year > 2026


FEIDE_JSON = ('[{"name": "feide", "label": "Feide", "issuer": "https://auth.dataporten.no", "client_id": "abc",'
              ' "client_secret": "s", "scopes": ["openid", "userid-feide"],'
              ' "claim": "https://n.feide.no/claims/userid_sec", "claim_prefix": "feide:", "scheme": "Feide"}]')


def test_sign_in_providers_come_from_a_json_list(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEL_OIDC_PROVIDERS", FEIDE_JSON)
    [feide] = load_settings(data_dir=tmp_path).oidc_providers
    assert (feide.issuer, feide.scheme, feide.token_endpoint_auth_method) == (
        "https://auth.dataporten.no", "Feide", "client_secret_basic")
    # Configured providers win over the demo's, even with the emulators on.
    assert [p.issuer for p in load_settings(data_dir=tmp_path, emulators=True).oidc_providers] == [feide.issuer]


def test_a_provider_without_openid_or_two_with_one_name_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEL_OIDC_PROVIDERS", FEIDE_JSON.replace('"openid", ', ""))
    with pytest.raises(ConfigError, match="RANSEL_OIDC_PROVIDERS.*openid"):
        load_settings()
    monkeypatch.setenv("RANSEL_OIDC_PROVIDERS", FEIDE_JSON[:-1] + "," + FEIDE_JSON[1:])
    with pytest.raises(ConfigError, match="same name"):
        load_settings()


def test_with_the_emulators_on_the_demo_feide_and_id_porten_are_used(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path, emulators=True, oidc_emulator_url="http://127.0.0.1:18083")
    assert [(p.name, p.issuer, p.scheme) for p in settings.oidc_providers] == [
        ("feide", "http://127.0.0.1:18083/feide", "Feide"), ("idporten", "http://127.0.0.1:18083/idporten", "NIN")]
    again = load_settings(data_dir=tmp_path, emulators=True)  # another process of the same installation
    assert {p.client_secret for p in [*settings.oidc_providers, *again.oidc_providers]} == {
        settings.oidc_providers[0].client_secret}
    assert len(settings.oidc_providers[0].client_secret) >= 40
