"""Shared fixtures: a fresh data directory and database per test, actors, and a real server."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from models.db import dispose_engines, get_engine
from onboarding.access import Actor, actor_for
from onboarding.config import get_settings
from onboarding.merchants import MerchantInput, create_merchant
from onboarding.startup import prepare
from onboarding.users import ensure_local_admin

ROOT = Path(__file__).resolve().parent.parent


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
def database_url(data_dir) -> str:
    """The migrated database of this test."""
    prepare()
    return get_settings().resolved_database_url


@pytest.fixture
def session(database_url):
    """A session on the test database."""
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def admin(session) -> Actor:
    """The local admin."""
    return actor_for(ensure_local_admin(session))


@pytest.fixture
def merchant_input() -> MerchantInput:
    """Valid input for a typical merchant."""
    return MerchantInput(name="Aurora Outdoor Gear", website="https://aurora.example.com", contact_name="Emily Carter",
                         contact_email="emily@aurora.example.com", country="US", shop_platform="shopify",
                         integration_mode="hosted_checkout")


@pytest.fixture
def merchant(session, admin, merchant_input):
    """A freshly created merchant at stage 1."""
    return create_merchant(session, admin, merchant_input)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, port: int) -> subprocess.Popen:
    """Start `streamlit run app.py` on `port` and wait until /api/health answers at all."""
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stdout.read().decode(errors='replace')}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("server did not start within 60 s")


@pytest.fixture
def server(tmp_path):
    """The real app served on a free loopback port, with its own data directory; stopped by pid."""
    port = free_port()
    data = tmp_path / "server-data"
    process = start_server({"ONBOARDING_DATA_DIR": str(data), "PORT": str(port)}, port)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "data_dir": data, "port": port}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
