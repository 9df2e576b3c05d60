"""Every migration runs up and down on SQLite and on PostgreSQL: no SQL that only one of them understands."""

from contextlib import nullcontext

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import models  # noqa: F401  (every table on the metadata)
from models.db import alembic_config, downgrade, migrate
from tests.conftest import POSTGRES_URL, fresh_postgres_database


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_whole_chain_goes_up_down_to_nothing_and_up_again(tmp_path):
    with fresh_postgres_database() if POSTGRES_URL else nullcontext(f"sqlite:///{tmp_path / 'chain.db'}") as url:
        script = ScriptDirectory.from_config(alembic_config(url))
        assert len(script.get_heads()) == 1, "the chain has one head"
        migrate(url)
        expected = {table.name for table in SQLModel.metadata.sorted_tables}
        assert expected <= _tables(url), f"missing after upgrade: {expected - _tables(url)}"
        downgrade(url, "base")
        assert _tables(url) <= {"alembic_version"}, "downgrading to base removes every table"
        migrate(url)
        assert expected <= _tables(url)
