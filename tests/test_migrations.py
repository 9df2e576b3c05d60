"""Alembic migrations: an empty database reaches head, and head goes down a step and back."""

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from models.db import alembic_config, downgrade, migrate


def _tables(url):
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _revision(url):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    finally:
        engine.dispose()


def test_empty_database_migrates_to_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate(url)
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert _revision(url) == head
    assert {"merchant", "checklistitem", "historyevent", "user", "submission", "stageoverride"} <= _tables(url)


def test_head_goes_one_step_down_and_back_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'steps.db'}"
    migrate(url)
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    previous = script.get_revision(head).down_revision
    downgrade(url, "-1")
    assert _revision(url) == previous
    migrate(url)
    assert _revision(url) == head


def test_migrations_and_models_describe_the_same_schema(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import models  # noqa: F401  (every table on the metadata)

    url = f"sqlite:///{tmp_path / 'schema.db'}"
    migrate(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        engine.dispose()
    # SQLite cannot add the user→merchant key after both tables exist; PostgreSQL gets it in 0001
    differences = [d for d in differences if not (d[0] == "add_fk" and d[1].name == "fk_user_merchant")]
    assert differences == []
