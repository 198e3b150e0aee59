import pytest
from sqlalchemy import select

from bot.models import ApiToken
from bot.api_tokens import bearer, issue, resolve, revoke
from tests.builders import build_school


@pytest.fixture
def school(session):  # noqa: ANN001, ANN201
    return build_school(session)


def test_a_token_identifies_its_person_for_its_purpose_only(session, school, clock) -> None:  # noqa: ANN001
    token = issue(session, school.kari, "rest", clock)
    session.commit()
    assert resolve(session, token, "rest", clock.utcnow()) is school.kari
    assert resolve(session, token, "calendar", clock.utcnow()) is None
    assert resolve(session, token + "x", "rest", clock.utcnow()) is None
    stored = session.scalar(select(ApiToken))
    assert token not in stored.token_hash  # only the hash is kept


def test_a_revoked_token_or_a_disabled_person_no_longer_works(session, school, clock) -> None:  # noqa: ANN001
    token = issue(session, school.kari, "rest", clock)
    other = issue(session, school.per, "rest", clock)
    assert revoke(session, token, clock) and not revoke(session, token, clock)
    school.per.enabled = False
    session.commit()
    assert resolve(session, token, "rest", clock.utcnow()) is None and resolve(session, other, "rest", clock.utcnow()) is None


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None), ("Bearer", None), (None, None)],
)
def test_bearer_header_parsing(header, token) -> None:  # noqa: ANN001
    assert bearer(header) == token


def test_tokens_expire_and_note_their_last_use(session, school, clock) -> None:  # noqa: ANN001
    from datetime import timedelta

    token = issue(session, school.kari, "admin", clock)
    session.commit()
    now = clock.utcnow()
    assert resolve(session, token, "admin", now + timedelta(days=89)) is school.kari
    session.commit()
    stored = session.scalar(select(ApiToken))
    assert stored.expires_at == now + timedelta(days=90)
    assert stored.last_used_at == now + timedelta(days=89)
    assert resolve(session, token, "admin", now + timedelta(days=91)) is None
