"""Starting and using the app sends nothing to outside services (Streamlit's external-IP lookup included).

Every HTTP client in the process is pointed at a loopback proxy that records what reaches it; nothing may.
"""

import os
import socket
import subprocess
import sys

from tests.conftest import ROOT, start_server
from tests.gateway_servers import StubServer
from tools.local_processes import free_port, stop


def _recorder() -> StubServer:
    return StubServer(lambda _stub, _handler, _body: (502, {}, b"recorded"))


def _proxied(url: str) -> dict:
    return {"HTTP_PROXY": url, "HTTPS_PROXY": url, "http_proxy": url, "https_proxy": url, "NO_PROXY": ""}


def test_the_start_banner_looks_up_no_external_address(tmp_path):
    # without --server.address, Streamlit's banner asks a public service for the machine's address
    script = "import app\nfrom streamlit.web import bootstrap\nbootstrap._print_url(is_running_hello=False)\n"
    with _recorder() as recorder:
        run = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={
                **os.environ,
                **_proxied(recorder.url),
                "ONBOARDING_DATA_DIR": str(tmp_path),
                "STREAMLIT_SERVER_HEADLESS": "true",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert "Local URL" in run.stdout
        assert recorder.requests == []


def test_a_cross_origin_websocket_makes_the_server_call_nobody(tmp_path):
    port = free_port()
    with _recorder() as recorder:
        process = start_server(
            {"ONBOARDING_DATA_DIR": str(tmp_path / "data"), "PORT": str(port), **_proxied(recorder.url)}, port
        )
        try:
            # Streamlit checks a foreign Origin against the machine's external address, which it would look up
            with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
                sock.sendall(
                    f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://evil.example\r\n\r\n".encode()
                )
                answer = sock.recv(1024)
            assert not answer.startswith(b"HTTP/1.1 101"), "the foreign page gets no socket"
        finally:
            stop(process)
        assert recorder.requests == []
