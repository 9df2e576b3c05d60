"""Local helper processes (app servers, the simulator): free loopback ports, readiness, stop by pid."""

import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_logged(args: list[str], **options) -> subprocess.Popen:
    """Start a process whose output goes to a file (`output_of` reads it), never to a pipe nobody reads.

    A server writes a log line per request; into an unread pipe it blocks once the pipe's 64 KiB are full.
    """
    handle, path = tempfile.mkstemp(prefix="onboarding-process-", suffix=".log")
    with open(handle, "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **options)
    process.log_path = Path(path)  # type: ignore[attr-defined]
    return process


def output_of(process: subprocess.Popen) -> str:
    """What a process started by `start_logged` has printed so far."""
    path = getattr(process, "log_path", None)
    return path.read_text(errors="replace") if path and path.exists() else ""


def wait_until_answering(process: subprocess.Popen, url: str, seconds: float = 60) -> None:
    """Return once `url` answers at all; raise (after stopping the process) if it exits or never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = output_of(process)
            raise RuntimeError(f"{process.args[:4]} exited: {output}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop a process we started, by its pid: terminate, then kill if it lingers; its log file goes too."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    path = getattr(process, "log_path", None)
    if path is not None:
        path.unlink(missing_ok=True)
