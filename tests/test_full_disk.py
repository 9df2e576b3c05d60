"""A full disk: health says so, sign-in and pages give a clear message, nothing shows a traceback.

The server runs in its own mount namespace (unshare) on a small tmpfs that the test fills up for real.
"""

import errno
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import ChecklistItem
from models.db import migrate, session_for
from onboarding.accounts.users import SYSTEM, create_user
from onboarding.core import storage
from onboarding.process import checklist
from onboarding.review import evidence
from tests.conftest import ROOT
from tests.samples import png_bytes
from tools.local_processes import free_port, start_logged, stop, wait_until_answering

PASSWORD = "correct horse battery staple"


def _namespaces_work() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0


needs_namespaces = pytest.mark.skipif(not _namespaces_work(), reason="needs unshare with user and mount namespaces")


def _fill(path: Path) -> None:
    """Write until the disk refuses: a real full disk, not a stub."""
    with path.open("wb") as stream:
        try:
            while True:
                stream.write(b"\0" * (1024 * 1024))
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as error:
            assert error.errno == errno.ENOSPC


@needs_namespaces
@pytest.mark.sqlite_only
def test_a_full_disk_is_reported_by_health_and_sign_in_answers_clearly(tmp_path):
    seed, data, port = tmp_path / "seed", tmp_path / "data", free_port()
    migrate(f"sqlite:///{seed / 'onboarding.db'}")
    with session_for(f"sqlite:///{seed / 'onboarding.db'}") as session:
        create_user(session, SYSTEM, email="lead@support.example.com", name="Lead", role="admin", password=PASSWORD)
    data.mkdir()
    mount = 'mount -t tmpfs -o size=32m tmpfs "$0" && cp -a "$1"/. "$0"/ && shift && exec "$@"'
    process = start_logged(
        ["unshare", "-rm", "sh", "-c", mount, str(data), str(seed), sys.executable, "-m", "streamlit", "run", "app.py"]
        + ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT,
        env={**os.environ, "ONBOARDING_DATA_DIR": str(data), "PORT": str(port)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(process, f"{base}/api/health")
        assert httpx.get(f"{base}/api/health").json()["storage"] == "ok"
        # the server's own view of its data directory (its tmpfs lives in its mount namespace)
        filler = Path(f"/proc/{process.pid}/root") / str(data).lstrip("/") / "filler"
        _fill(filler)
        health = httpx.get(f"{base}/api/health", timeout=20)
        assert (health.status_code, health.json()["storage"]) == (503, "error: full")
        for password in (PASSWORD, "a wrong password"):
            answer = httpx.post(
                f"{base}/auth/login", data={"email": "lead@support.example.com", "password": password}, timeout=120
            )
            assert answer.status_code != 500, answer.text
            if answer.status_code == 503:
                assert "storage is full" in answer.text and "Traceback" not in answer.text
        filler.unlink()
        assert httpx.get(f"{base}/api/health", timeout=20).status_code == 200
        signed_in = httpx.post(f"{base}/auth/login", data={"email": "lead@support.example.com", "password": PASSWORD})
        assert signed_in.status_code in (303, 429)
    finally:
        stop(process)


def test_an_upload_on_a_full_disk_is_refused_with_a_message_and_keeps_nothing(session, admin, merchant, monkeypatch):
    def disk_full(_descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    for stage_index in (1, 2, 3):
        checklist.override_gate(session, admin, merchant.id, stage_index, "open the docking stage for the test")
    row = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == "self_test_screenshot"
        )
    ).one()
    monkeypatch.setattr(os, "fsync", disk_full)  # what the kernel answers when the disk is full
    with pytest.raises(storage.StorageFull) as refused:
        evidence.submit_file(session, admin, row.id, row.version, png_bytes(), "shot.png")
    assert "storage is full" in str(refused.value)
    assert [path for path in evidence.evidence_dir().rglob("*") if path.is_file()] == [], "nothing is left behind"
    session.refresh(row)
    assert row.status == "todo"


def test_an_unexpected_error_in_a_page_shows_an_apology_with_an_incident_id_and_no_trace():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("onboarding.incidents").addHandler(handler)

    def page():
        from ui.incidents import on_script_error

        try:
            raise RuntimeError("secret internals: /srv/app/models.py line 42")
        except RuntimeError as error:
            on_script_error(error)

    try:
        at = AppTest.from_function(page).run()
    finally:
        logging.getLogger("onboarding.incidents").removeHandler(handler)
    (message,) = at.error
    assert "incident number" in message.value and "secret internals" not in message.value
    incident = message.value.rsplit(" ", 1)[-1].strip(".")
    logged = [record for record in records if incident in record.getMessage()]
    assert logged and (logged[0].exc_info or "secret internals" in (logged[0].exc_text or "")), "the trace is logged"
