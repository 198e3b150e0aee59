"""Exception logs carry no bound SQL parameters and no quoted message text."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.logs import ScrubbingFormatter
from bot.models import ApiToken, Person, ThreadMessage

SECRET_TEXT = "Emma har vondt i magen og er lei seg"


def _logged(emit) -> str:  # noqa: ANN001
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ScrubbingFormatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("ransel.test.scrub")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_a_database_error_is_logged_without_the_message_text_it_was_writing(engine) -> None:  # noqa: ANN001
    """A real IntegrityError from the real database (SQLite and PostgreSQL) with a teacher
    message in its parameters: the log keeps the error type and where, not the text."""
    with Session(engine) as session:
        person = Person(sourced_id="p", given_name="A", family_name="B")
        session.add(person)
        session.flush()
        session.add(ThreadMessage(thread_id=999999, author_id=person.id, text=SECRET_TEXT,
                                  created_at=__import__("datetime").datetime.now(__import__("datetime").UTC)))
        with pytest.raises(IntegrityError) as raised:
            session.flush()
        session.rollback()

    def emit(logger: logging.Logger) -> None:
        try:
            raise raised.value
        except IntegrityError:
            logger.exception("saving a message failed thread=%s", 999999)

    text = _logged(emit)
    assert "IntegrityError" in text and "thread=999999" in text and "Traceback" in text
    assert SECRET_TEXT not in text and "Emma" not in text


def test_quoted_values_and_details_in_exception_messages_are_redacted() -> None:
    def emit(logger: logging.Logger) -> None:
        try:
            raise ValueError(f"could not parse {SECRET_TEXT!r} from +4791234567 \\nDETAIL: Key (address)=(+4791234567)")
        except ValueError:
            logger.exception("failed")

    text = _logged(emit)
    assert SECRET_TEXT not in text and "<redacted>" in text and "ValueError" in text


def test_engines_hide_parameters(engine) -> None:  # noqa: ANN001
    assert engine.hide_parameters
    with Session(engine) as session:
        session.add_all([ApiToken(token_hash="dup", person_id=None, school_id=None, purpose="x",
                                  created_at=__import__("datetime").datetime.now(__import__("datetime").UTC))])
        with pytest.raises(IntegrityError) as raised:
            session.flush()
    assert "[parameters:" not in str(raised.value)  # PostgreSQL's DETAIL still has the row ...

    def emit(logger: logging.Logger) -> None:
        try:
            raise raised.value
        except IntegrityError:
            logger.exception("token insert failed")

    assert "dup" not in _logged(emit)  # ... which the log line does not
