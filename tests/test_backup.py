"""Backups: a seeded instance restores into a fresh one with every row and every file the same."""

import hashlib
import json
from contextlib import nullcontext
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from models.db import dispose_engines
from onboarding.__main__ import main
from onboarding.core.config import get_settings
from onboarding.operations import demo
from onboarding.operations.backup import MANIFEST, BackupError, backup, restore
from tests.conftest import POSTGRES_URL, fresh_postgres_database

DATABASE_FILES = {"onboarding.db", "onboarding.db-wal", "onboarding.db-shm"}


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            rows = {"alembic_version": connection.execute(text("SELECT version_num FROM alembic_version")).all()}
            for table in SQLModel.metadata.sorted_tables:
                if table.name in tables:
                    rows[table.name] = [
                        tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))
                    ]
            return rows
    finally:
        engine.dispose()


def _files(data_dir: Path) -> dict[str, bytes]:
    return {
        path.relative_to(data_dir).as_posix(): path.read_bytes()
        for path in data_dir.rglob("*")
        if path.is_file() and path.name not in DATABASE_FILES
    }


def _store_evidence(data_dir: Path, content: bytes) -> None:
    """A file as the uploads area stores it: <data>/evidence/<2 hex>/<sha256>."""
    digest = hashlib.sha256(content).hexdigest()
    path = data_dir / "evidence" / digest[:2] / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


@pytest.fixture
def seeded(session, data_dir, database_url):
    """An instance with the demo merchants, two evidence files and a key file in its data directory."""
    demo.seed(session)
    _store_evidence(data_dir, b"\x89PNG\r\n\x1a\n" + b"screenshot" * 1000)
    _store_evidence(data_dir, b"%PDF-1.7\n certificate \n%%EOF\n")
    (data_dir / "secret.key").write_bytes(b"a-key-the-instance-made-for-itself")
    return {"data_dir": data_dir, "url": database_url}


@pytest.fixture
def fresh_instance(tmp_path, monkeypatch):
    """Switch the settings to a new, empty data directory (and an empty PostgreSQL database in that leg)."""

    def switch():
        dispose_engines()
        directory = tmp_path / "restored"
        monkeypatch.setenv("ONBOARDING_DATA_DIR", str(directory))
        get_settings.cache_clear()
        return directory

    return switch


def test_backup_restores_every_row_and_every_file_into_a_fresh_instance(seeded, fresh_instance, tmp_path):
    target = tmp_path / "backup-1"
    manifest = backup(target)
    assert manifest["database"]["kind"] == ("postgresql" if POSTGRES_URL else "sqlite")
    assert {entry["path"] for entry in manifest["files"]} >= {"secret.key"}
    assert sum(entry["path"].startswith("evidence/") for entry in manifest["files"]) >= 2
    before_rows, before_files = _rows(seeded["url"]), _files(seeded["data_dir"])
    assert len(before_rows["merchant"]) == len(demo.MERCHANTS) and len(before_rows["historyevent"]) > 100

    with fresh_postgres_database() if POSTGRES_URL else nullcontext() as empty_database:
        directory = fresh_instance()
        if empty_database:
            import os

            os.environ["DATABASE_URL"] = empty_database
            get_settings.cache_clear()
        restore(target)
        restored_url = get_settings().resolved_database_url
        assert restored_url != seeded["url"]
        assert _rows(restored_url) == before_rows
        assert _files(directory) == before_files
        if not POSTGRES_URL:
            database = Path(restored_url.split("///", 1)[1])
            assert hashlib.sha256(database.read_bytes()).hexdigest() == manifest["database"]["sha256"]


def test_restore_refuses_a_data_directory_that_is_not_empty(seeded, tmp_path, capsys):
    target = tmp_path / "backup-2"
    assert main(["backup", str(target)]) == 0
    assert "Backup written" in capsys.readouterr().out
    assert main(["restore", str(target)]) == 1
    error = capsys.readouterr().err
    assert "is not empty" in error and "ONBOARDING_DATA_DIR" in error
    assert _rows(seeded["url"])["merchant"], "nothing was touched"


def test_a_damaged_or_incomplete_backup_is_refused_before_anything_is_written(seeded, fresh_instance, tmp_path):
    target = tmp_path / "backup-3"
    manifest = backup(target)
    evidence = next(entry["path"] for entry in manifest["files"] if entry["path"].startswith("evidence/"))
    (target / "files" / evidence).write_bytes(b"tampered")
    directory = fresh_instance()
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(target)
    assert not directory.exists()
    (target / MANIFEST).unlink()
    with pytest.raises(BackupError, match="not a backup"):
        restore(target)


def test_backup_refuses_a_target_inside_the_data_directory_or_one_already_used(seeded, tmp_path):
    with pytest.raises(BackupError, match="outside the data directory"):
        backup(seeded["data_dir"] / "backups")
    backup(tmp_path / "backup-4")
    with pytest.raises(BackupError, match="choose a new path"):
        backup(tmp_path / "backup-4")


def test_manifest_lists_a_checksum_for_every_file(seeded, tmp_path):
    target = tmp_path / "backup-5"
    backup(target)
    manifest = json.loads((target / MANIFEST).read_text())
    for entry in manifest["files"]:
        assert hashlib.sha256((target / "files" / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert manifest["database"]["revision"]
