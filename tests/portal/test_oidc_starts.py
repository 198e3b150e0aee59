"""Starting a sign-in costs the caller nothing, so the sign-ins in progress are capped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bot.clock import Clock
from portal.oidc import Pending, Refused, record_login, take_login


def test_over_the_cap_a_start_is_refused_until_the_oldest_expire(session: Session, clock: Clock) -> None:
    now, lifetime = clock.utcnow(), timedelta(minutes=10)
    pending = Pending(nonce="n", code_verifier="v" * 43, next_path="/", language="nb")
    for i in range(3):
        record_login(session, "feide", f"state-{i}", "browser", pending, now, lifetime, most=3)
    with pytest.raises(Refused) as refused:
        record_login(session, "feide", "state-3", "browser", pending, now, lifetime, most=3)
    assert refused.value.reason == "busy"
    take_login(session, "feide", "state-0", "browser", now)  # a finished sign-in no longer counts
    record_login(session, "feide", "state-4", "browser", pending, now, lifetime, most=3)
    later = now + lifetime + timedelta(seconds=1)  # the rest expired: starting works again
    record_login(session, "feide", "state-5", "browser", pending, later, lifetime, most=3)
    record_login(session, "feide", "state-6", "browser", pending, later, lifetime, most=3)
