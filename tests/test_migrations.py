from sqlalchemy import inspect

from bot.models import Base


def test_migrations_build_every_table_of_the_model(engine) -> None:  # noqa: ANN001
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
