"""Backups: a consistent snapshot of the database and the data directory's files, with a checksum manifest."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, make_url
from sqlalchemy.pool import NullPool

from onboarding.core import clock
from onboarding.core.config import Settings, get_settings

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
FILES_DIR = "files"
# the live database and its WAL side files are copied through the database, never as files
_DATABASE_NAMES = ("onboarding.db", "onboarding.db-wal", "onboarding.db-shm", "onboarding.db-journal")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


@dataclass(frozen=True)
class Database:
    """Where the app's database is, as the backup tools need it."""

    kind: str
    url: str

    @property
    def sqlite_path(self) -> Path:
        return Path(make_url(self.url).database or "")


def _database(settings: Settings) -> Database:
    url = settings.resolved_database_url
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return Database(backend, url)


def sha256_of(path: Path) -> str:
    """The SHA-256 (hex) of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _postgres_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if not candidates:
        raise BackupError(
            f"{name} was not found: install PostgreSQL's client programs (apt-get install postgresql-client)."
        )
    return str(candidates[-1])


def _libpq(url: str) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment that carries it."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _data_files(data_dir: Path, skip: Path | None = None) -> list[Path]:
    """Every regular file under the data directory except the live SQLite database and half-written uploads."""
    if not data_dir.is_dir():
        return []
    files = []
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if skip is not None and (path == skip or skip in path.parents):
            continue
        if (
            path.is_file()
            and not path.is_symlink()
            and str(relative) not in _DATABASE_NAMES
            and not path.name.startswith(".upload-")
        ):
            files.append(relative)
    return files


def _snapshot_database(database: Database, target: Path) -> dict:
    if database.kind == "sqlite":
        if not database.sqlite_path.is_file():
            raise BackupError(f"There is no database at {database.sqlite_path}: nothing to back up.")
        destination = target / SQLITE_FILE
        # the online backup API copies a consistent state while the app keeps writing
        with (
            closing(sqlite3.connect(f"file:{database.sqlite_path}?mode=ro", uri=True)) as source,
            closing(sqlite3.connect(destination)) as copy,
        ):
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no WAL beside it
        return {"kind": "sqlite", "file": SQLITE_FILE}
    connection, env = _libpq(database.url)
    # pg_dump reads inside one repeatable-read transaction: a consistent snapshot while the app runs
    _run(
        [
            _postgres_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target / POSTGRES_FILE),
            "--dbname",
            connection,
        ],
        env,
    )
    return {"kind": "postgresql", "file": POSTGRES_FILE}


def _schema_revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if "alembic_version" not in inspect(connection).get_table_names():
                return None
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one_or_none()
    finally:
        engine.dispose()


def backup(target: Path, settings: Settings | None = None) -> dict:
    """Write the database snapshot, the data directory's files and a manifest of SHA-256 checksums to `target`."""
    settings = settings or get_settings()
    database = _database(settings)
    data_dir = settings.data_dir.resolve()
    target = Path(target).resolve()
    if target == data_dir or data_dir in target.parents:
        raise BackupError(f"Write the backup outside the data directory ({data_dir}), e.g. to another disk.")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} already exists and is not an empty folder: choose a new path.")
    target.mkdir(parents=True, exist_ok=True)
    # the database first: uploads are only ever added, so every file the snapshot names is copied below
    snapshot = _snapshot_database(database, target)
    snapshot["revision"] = _schema_revision(database.url)
    files = []
    for relative in _data_files(data_dir, skip=target):
        destination = target / FILES_DIR / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(data_dir / relative, destination)
        files.append(
            {"path": relative.as_posix(), "size": destination.stat().st_size, "sha256": sha256_of(destination)}
        )
    snapshot_file = target / snapshot["file"]
    snapshot.update(size=snapshot_file.stat().st_size, sha256=sha256_of(snapshot_file))
    manifest = {"format": FORMAT, "created_at": clock.now().isoformat(), "database": snapshot, "files": files}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(source: Path) -> dict:
    """The manifest of a backup, after checking every file against its checksum."""
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is not a backup: it has no {MANIFEST}.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} was written in backup format {manifest.get('format')}; this app reads {FORMAT}.")
    entries = [(manifest["database"]["file"], manifest["database"]["sha256"])]
    entries += [(f"{FILES_DIR}/{entry['path']}", entry["sha256"]) for entry in manifest["files"]]
    for relative, expected in entries:
        file = Path(source) / relative
        if ".." in Path(relative).parts or not file.is_file():
            raise BackupError(f"The backup is incomplete: {relative} is missing.")
        if sha256_of(file) != expected:
            raise BackupError(f"The backup is damaged: {relative} does not match its checksum.")
    return manifest


def _require_empty(database: Database, data_dir: Path) -> None:
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(
            f"The data directory {data_dir} is not empty. Restore only into an empty one: "
            "point ONBOARDING_DATA_DIR at a new folder (or move this one away) and run restore again."
        )
    if database.kind == "postgresql":
        engine = create_engine(database.url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                tables = inspect(connection).get_table_names()
        finally:
            engine.dispose()
        if tables:
            raise BackupError(
                "The PostgreSQL database already has tables. Restore only into an empty database: "
                "create a new one and point DATABASE_URL at it."
            )


def restore(source: Path, settings: Settings | None = None) -> dict:
    """Bring a backup back into an empty data directory (and an empty database); refuses anything else."""
    settings = settings or get_settings()
    source = Path(source).resolve()
    manifest = read_manifest(source)
    database = _database(settings)
    data_dir = settings.data_dir.resolve()
    if manifest["database"]["kind"] != database.kind:
        raise BackupError(
            f"This backup holds a {manifest['database']['kind']} database, but DATABASE_URL points "
            f"at {database.kind}; restore it into the same kind of database."
        )
    _require_empty(database, data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        destination = data_dir / entry["path"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / FILES_DIR / entry["path"], destination)
    snapshot = source / manifest["database"]["file"]
    if database.kind == "sqlite":
        if database.sqlite_path.exists():
            raise BackupError(f"{database.sqlite_path} already exists; restore only into an empty place.")
        database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(snapshot, database.sqlite_path)
    else:
        connection, env = _libpq(database.url)
        _run(
            [
                _postgres_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                connection,
                str(snapshot),
            ],
            env,
        )
    return manifest
