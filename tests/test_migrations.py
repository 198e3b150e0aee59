from sqlalchemy import inspect

from bot.models import Base


def test_migrations_build_every_table_of_the_model(engine) -> None:  # noqa: ANN001
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_do_not_drift(engine) -> None:  # noqa: ANN001
    """A model change without a migration would pass on a fresh test DB and fail in production."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
