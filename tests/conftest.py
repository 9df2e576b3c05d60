"""Shared fixtures: a fresh data directory and database per test, actors, and a real server.

With `TEST_DATABASE_URL` set (a PostgreSQL server's admin URL), every test that uses the database
fixtures gets a fresh PostgreSQL database instead of SQLite, and only those tests (and tests
marked `postgres`) run.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from models.db import dispose_engines, get_engine
from onboarding.accounts.users import SYSTEM, create_user
from onboarding.core.access import Actor, actor_for
from onboarding.core.config import get_settings
from onboarding.operations.startup import prepare
from onboarding.process.merchants import MerchantInput, create_merchant
from tests.gateway_servers import sandbox, shared_simulator  # noqa: F401  (fixtures for every module)
from tests.mailbox import mailbox  # noqa: F401  (a loopback SMTP server for every module)
from tools.local_processes import free_port, start_logged, stop, wait_until_answering

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
_TEMPLATE = f"onboarding_template_{os.getpid()}"


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: also runs in the PostgreSQL leg (TEST_DATABASE_URL)")
    config.addinivalue_line("markers", "sqlite_only: reads the SQLite file itself; left out of the PostgreSQL leg")


def pytest_collection_modifyitems(config, items):
    """In the PostgreSQL leg, run only the tests that touch the database."""
    if not POSTGRES_URL:
        return
    keep, drop = [], []
    for item in items:
        facing = "database_url" in getattr(item, "fixturenames", ()) or item.get_closest_marker("postgres")
        if item.get_closest_marker("sqlite_only"):
            facing = False
        (keep if facing else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _admin_execute(*statements: str) -> None:
    engine = create_engine(POSTGRES_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def _postgres_url(database: str) -> str:
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A database migrated once per run; each test copies it (far faster than migrating each time)."""
    from models.db import migrate

    _admin_execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)', f'CREATE DATABASE "{_TEMPLATE}"')
    migrate(_postgres_url(_TEMPLATE))
    dispose_engines()
    yield _TEMPLATE
    _admin_execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')


@contextmanager
def fresh_postgres_database(template: str | None = None) -> Iterator[str]:
    """A new, empty (or template-copied) PostgreSQL database, dropped afterwards."""
    name = f"onboarding_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield _postgres_url(name)
    finally:
        dispose_engines()
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh data directory with its own SQLite database, set as the app's settings."""
    directory = tmp_path / "data"
    monkeypatch.setenv("ONBOARDING_DATA_DIR", str(directory))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield directory
    dispose_engines()
    get_settings.cache_clear()


@pytest.fixture
def database_url(data_dir, request, monkeypatch) -> Iterator[str]:
    """The migrated database of this test: SQLite in the data directory, or a fresh PostgreSQL one."""
    if not POSTGRES_URL:
        prepare()
        yield get_settings().resolved_database_url
        return
    template = request.getfixturevalue("postgres_template")
    with fresh_postgres_database(template) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        prepare()
        yield url


@pytest.fixture
def session(database_url):
    """A session on the test database."""
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def admin(session) -> Actor:
    """The local admin."""
    user = create_user(
        session,
        SYSTEM,
        email="admin@example.com",
        name="Local admin",
        role="admin",
        password="correct horse battery staple",
    )
    return actor_for(user)


@pytest.fixture
def merchant_input() -> MerchantInput:
    """Valid input for a typical merchant."""
    return MerchantInput(
        name="Aurora Outdoor Gear",
        website="https://aurora.example.com",
        contact_name="Emily Carter",
        contact_email="emily@aurora.example.com",
        country="US",
        shop_platform="shopify",
        integration_mode="hosted_checkout",
    )


@pytest.fixture
def merchant(session, admin, merchant_input):
    """A freshly created merchant at stage 1."""
    return create_merchant(session, admin, merchant_input)


def start_server(env: dict, port: int) -> subprocess.Popen:
    """Start `streamlit run app.py` on `port` and wait until /api/health answers at all."""
    process = start_logged(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    wait_until_answering(process, f"http://127.0.0.1:{port}/api/health")
    return process


@pytest.fixture
def server_env() -> dict:
    """Extra settings for the `server` fixture; a module overrides it (e.g. to send mail to a loopback SMTP server)."""
    return {}


@pytest.fixture
def server(tmp_path, server_env):
    """The real app served on a free loopback port, with its own data directory; stopped by pid."""
    port = free_port()
    data = tmp_path / "server-data"
    process = start_server(
        {
            "ONBOARDING_DATA_DIR": str(data),
            "PORT": str(port),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            **server_env,
        },
        port,
    )
    try:
        yield {"url": f"http://127.0.0.1:{port}", "data_dir": data, "port": port, "pid": process.pid}
    finally:
        stop(process)
