"""Loopback servers for the gateway tests: the simulator as its own process, and small stub HTTP servers."""

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from onboarding.core.config import get_settings
from tools.local_processes import free_port, start_logged, stop, wait_until_answering

ROOT = Path(__file__).resolve().parent.parent


def start_simulator(data_dir: Path, own_database: bool = False, **env: str) -> tuple[subprocess.Popen, str]:
    """`python -m onboarding simulator` on a free 127.0.0.1 port, waiting until it answers.

    It shares the test's database (SQLite in `data_dir`, or the PostgreSQL one of that leg) unless `own_database`.
    """
    port = free_port()
    environment = {**os.environ, "ONBOARDING_DATA_DIR": str(data_dir), **env}
    if own_database:
        environment.pop("DATABASE_URL", None)
    process = start_logged(
        [sys.executable, "-m", "onboarding", "simulator", "--port", str(port)], cwd=ROOT, env=environment
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_answering(process, f"{url}/")
    return process, url


_shared: dict[str, str] = {}


@pytest.fixture(scope="session")
def shared_simulator(request, tmp_path_factory):
    """One simulator process with its own database for the whole test session, stopped by pid at its end."""
    # several test modules import this fixture; the process is started once and shared by all of them
    if "url" not in _shared:
        process, _shared["url"] = start_simulator(
            tmp_path_factory.mktemp("simulator"), own_database=True, NOTIFICATION_RETRY_SCALE="0.001"
        )
        request.config.add_cleanup(lambda: (stop(process), _shared.clear()))
    return _shared["url"]


@pytest.fixture
def sandbox(shared_simulator, data_dir, monkeypatch):
    """The app's sandbox calls go to the shared simulator; notifications go to a port nobody listens on."""
    monkeypatch.setenv("PINGPONG_SANDBOX_BASE_URL", shared_simulator)
    monkeypatch.setenv("PORT", str(free_port()))
    get_settings.cache_clear()
    yield shared_simulator
    get_settings.cache_clear()


class StubServer:
    """A tiny HTTP server on 127.0.0.1 whose answers a test scripts; it remembers every request."""

    def __init__(self, answer: Callable[["StubServer", BaseHTTPRequestHandler, bytes], tuple[int, dict, bytes]]):
        self.answer = answer
        self.requests: list[tuple[str, str, bytes]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.requests.append((self.command, self.path, body))
                status, headers, content = stub.answer(stub, self, body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                try:
                    self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _serve

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "StubServer":
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
