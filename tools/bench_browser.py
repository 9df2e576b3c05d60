"""The benchmark's browser leg: the real server and Debian's Chromium, timing what a person waits for.

Each page is reached by in-app navigation (a sidebar link, or a merchant's link in the review queue) and
timed from the click until the server's run has finished (its script_finished message on the websocket)
and the page shows its content (its title, its marker element, nothing left over from the page before).
Websocket bytes are counted per navigation. The server's peak memory comes from /proc.
"""

import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from sqlmodel import Session
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from models import User
from models.db import get_engine
from onboarding.accounts.passwords import hash_password
from tools.chromium import chromium_browser, sign_in
from tools.local_processes import free_port, stop, wait_until_answering

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark password, loopback only"
TIMEOUT_MS = 180_000


@dataclass(frozen=True)
class Target:
    """How to reach a page in the app and how to know it is drawn."""

    link: str  # the sidebar link's text, or "" for a merchant's link in the review queue
    title: str  # the page's h1 (English)
    marker: str  # a JS expression that is true once the page's content is drawn


# The baseline is the New merchant page, a form that reads nothing at scale.
TARGETS = {
    "baseline": Target("New merchant", "New merchant", "document.querySelector('[data-testid=\"stForm\"] button')"),
    "pipeline": Target(
        "Pipeline", "Onboarding pipeline", "document.querySelector('[data-testid=\"stDataFrame\"] canvas')"
    ),
    "attention": Target(
        "Needs attention", "Needs attention", "document.querySelector('[data-testid=\"stDataFrame\"] canvas')"
    ),
    "analytics": Target(
        "Analytics",
        "Analytics",
        'document.querySelectorAll(\'[data-testid="stVegaLiteChart"] canvas, '
        '[data-testid="stVegaLiteChart"] svg\').length >= 5',
    ),
    "review_queue": Target("Review queue", "Review queue", "document.querySelector('[class*=\"st-key-group_\"]')"),
    "merchant": Target("", "", "document.querySelector('[data-testid=\"stTabs\"]')"),
}
ORDER = ("baseline", "pipeline", "attention", "analytics", "review_queue", "merchant")

# Where the page notes the moment it was drawn.
INSTRUMENT = "window.__bench = {};"
# True (and the time noted) once the page shows its content and the app is not running.
DRAWN = """
([title, gone]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (app.getAttribute('data-test-script-state') === 'running') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]')) return false;
  if (title && !Array.from(document.querySelectorAll('h1')).some((h) => h.innerText.trim() === title)) return false;
  if (gone && document.querySelector(gone)) return false;
  if (!(MARKER)) return false;
  window.__bench.done = performance.now();
  return true;
}
"""
FINISHED = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


class BrowserBenchError(RuntimeError):
    """The browser leg could not measure a page; the message says which and why."""


@contextmanager
def app_server(data_dir: Path):
    """`streamlit run app.py` on a free loopback port against `data_dir`, stopped by its pid afterwards."""
    port = free_port()
    environment = {
        **os.environ,
        "ONBOARDING_DATA_DIR": str(data_dir),
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # the daily reminders would run at the server's first start and compete with the pages being timed
        "REMINDERS_IN_APP": "false",
    }
    environment.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        try:
            wait_until_answering(process, f"http://127.0.0.1:{port}/api/health", seconds=120)
        except RuntimeError as error:
            raise BrowserBenchError(f"the app server did not start: {error}") from None
        yield process, f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def peak_rss_mb(pid: int) -> float:
    """The process's highest resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def give_password(url: str, user_id: int) -> None:
    """Let the benchmark sign in as the seeded admin."""
    with Session(get_engine(url)) as session:
        user = session.get(User, user_id)
        user.password_hash = hash_password(PASSWORD)
        session.add(user)
        session.commit()


class Tab:
    """One signed-in browser tab that counts the websocket bytes it receives and the script runs that finish."""

    def __init__(self, browser, base_url: str, email: str):
        self.page = browser.new_page(viewport={"width": 1440, "height": 900})
        self.received = 0
        self.finished = 0
        self.page.add_init_script(INSTRUMENT)
        self.page.on("websocket", self._watch)
        before = self.finished
        sign_in(self.page, base_url, email, PASSWORD)
        self.page.wait_for_selector("[data-testid='stSidebarNav']", timeout=TIMEOUT_MS)
        self.wait_drawn(before, "Onboarding pipeline", TARGETS["pipeline"].marker)

    def _watch(self, socket) -> None:
        socket.on("framereceived", self._count)

    def _count(self, payload) -> None:
        self.received += len(payload)
        if isinstance(payload, bytes):
            message = ForwardMsg()
            message.ParseFromString(payload)
            if message.WhichOneof("type") == "script_finished" and message.script_finished in FINISHED:
                self.finished += 1

    def now(self) -> float:
        return self.page.evaluate("performance.now()")

    def wait_drawn(self, runs_before: int, title: str, marker: str, gone: str = "") -> float:
        """Milliseconds (page clock) at which a run the server finished after `runs_before` was drawn."""
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        try:
            while self.finished == runs_before:
                if time.monotonic() > deadline:
                    raise BrowserBenchError(f"no script run finished for '{title or marker}'")
                self.page.wait_for_timeout(5)  # lets Playwright deliver the websocket frames
            predicate = DRAWN.replace("MARKER", marker)
            self.page.wait_for_function(predicate, arg=[title, gone], timeout=TIMEOUT_MS, polling="raf")
        except PlaywrightError as error:
            state = self.page.evaluate(
                "[document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state'),"
                " Array.from(document.querySelectorAll('h1')).map((h) => h.innerText), location.href]"
            )
            message = f"'{title or marker}' was not drawn (run state, titles, URL: {state}): {error}"
            raise BrowserBenchError(message) from None
        return self.page.evaluate("window.__bench.done")

    def click_and_time(self, click, title: str, marker: str, gone: str = "") -> tuple[float, int]:
        """Seconds from the click until drawn, and websocket bytes received meanwhile."""
        received, runs = self.received, self.finished
        started = self.now()
        click()
        done = self.wait_drawn(runs, title, marker, gone)
        return (done - started) / 1000, self.received - received

    def open(self, name: str) -> tuple[float, int]:
        """Navigate in the app to page `name`; seconds and websocket bytes."""
        target = TARGETS[name]
        if name == "merchant":
            # A merchant's link in the review queue: the Merchant page with that merchant.
            link = self.page.locator("[class*='st-key-group_'] [data-testid='stPageLink-NavLink']").first
            return self.click_and_time(link.click, "", target.marker)
        link = self.page.locator("[data-testid='stSidebarNav'] a", has_text=target.link).first
        return self.click_and_time(link.click, target.title, target.marker)

    def approve_first(self) -> float:
        """Approve the first item of the review queue; seconds until the queue is drawn again."""
        card = self.page.locator("[class*='st-key-review_item_']").first
        key = next(name for name in card.get_attribute("class").split() if name.startswith("st-key-review_item_"))
        button = card.get_by_role("button", name="Approve")
        seconds, _ = self.click_and_time(button.click, "Review queue", "true", gone=f".{key}")
        return seconds


def measure(data_dir: Path, url: str, admin_id: int, admin_email: str, runs: int, users: int = 10) -> dict:
    """Browser timings per page, one Approve, and the server's peak memory with one and with `users` users."""
    give_password(url, admin_id)
    times: dict[str, list[float]] = {name: [] for name in ORDER}
    sizes: dict[str, list[int]] = {name: [] for name in ORDER}
    approvals: list[float] = []
    with app_server(data_dir) as (server, base_url), chromium_browser() as browser:
        tab = Tab(browser, base_url, admin_email)
        # Warm-up: the server's first run of each page (imports, cold caches), kept as first_s.
        first = {name: tab.open(name)[0] for name in ORDER}
        for _ in range(runs):
            for name in ORDER:
                seconds, received = tab.open(name)
                times[name].append(seconds)
                sizes[name].append(received)
        tab.open("review_queue")
        for _ in range(runs):
            approvals.append(tab.approve_first())
        one_user = peak_rss_mb(server.pid)
        tabs = [tab]
        for _ in range(users - 1):
            other = Tab(browser, base_url, admin_email)
            for name in ORDER:
                other.open(name)
            tabs.append(other)
        many_users = peak_rss_mb(server.pid)
    baseline = statistics.median(times["baseline"])
    pages = {
        name: {
            "median_s": round(statistics.median(times[name]), 3),
            "ratio_to_baseline": round(statistics.median(times[name]) / baseline, 2),
            "ws_bytes": int(statistics.median(sizes[name])),
            "ws_bytes_max": max(sizes[name]),
            "first_s": round(first[name], 3),
        }
        for name in ORDER
    }
    approve = statistics.median(approvals)
    return {
        "browser": pages,
        "approve_s": round(approve, 3),
        "approve_ratio_to_baseline": round(approve / baseline, 2),
        "server_rss_mb": round(one_user, 1),
        "server_rss_mb_users": {"1": round(one_user, 1), str(users): round(many_users, 1)},
        "browser_runs": runs,
        "measured_at": time.strftime("%Y-%m-%d %H:%M"),
    }
