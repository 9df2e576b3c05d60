"""The benchmark: render time and SQL statements of each page on a large, realistic data set."""

import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlmodel import select

from models import Merchant
from models.db import dispose_engines, get_engine, session_for
from onboarding.core import database
from onboarding.core.access import Actor
from onboarding.core.config import get_settings
from onboarding.operations.startup import prepare
from onboarding.reports.cache import clear_all
from tools import bench_browser, bench_data
from tools.local_processes import free_port, stop, wait_until_answering

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "pipeline": "pages/pipeline.py",
    "merchant": "pages/merchant.py",
    "analytics": "pages/analytics.py",
    "attention": "pages/attention.py",
    "review_queue": "pages/review_queue.py",
}
BASELINE = "pages/new_merchant.py"  # a form that reads nothing at scale, as in the browser leg
SMALL = 1000
# Server-side targets (AppTest), as ratios to the New merchant page (no target for Needs attention or the queue).
TARGETS = {"pipeline": 5, "merchant": 3, "analytics": 8}
PEAK_MEMORY_TARGET_MB = 1024
# Browser targets (issue 15, at 100,000 merchants): ratios to the New merchant page, websocket bytes, memory.
BROWSER_RATIO_TARGET = 2.0
WS_BYTES_TARGET = 512 * 1024
APPROVE_RATIO_TARGET = 1.5
SERVER_RSS_TARGET_MB = {"one user": 1024, "several users": 1536}
BROWSER_USERS = 10


class BenchError(RuntimeError):
    """A page failed while being measured; the message names it."""


@dataclass
class Dataset:
    """A seeded temporary database and what the pages need to render against it."""

    merchants: int
    url: str
    seed_s: float
    seed_cpu_s: float
    merchant_id: int
    actor: Actor


@contextmanager
def _environment(directory: Path, **extra: str):
    """Point the app's settings and engines at `directory` (and `extra` variables) for the block."""
    names = ("ONBOARDING_DATA_DIR", "DATABASE_URL", *extra)
    saved = {name: os.environ.get(name) for name in names}
    os.environ["ONBOARDING_DATA_DIR"] = str(directory)
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(extra)
    get_settings.cache_clear()
    dispose_engines()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
        dispose_engines()


def build(count: int) -> Dataset:
    """Migrate the current settings' database and bulk-seed `count` merchants into it."""
    prepare()
    url = get_settings().resolved_database_url
    with session_for(url) as session:
        started, cpu = time.perf_counter(), time.process_time()
        bench_data.seed(session, count)
        seed_s, seed_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        # A merchant half-way through, so the Merchant page shows a typical checklist.
        merchant_id = session.exec(select(Merchant.id).where(Merchant.current_stage == 3).limit(1)).first() or 1
    actor = Actor(id=bench_data.ADMIN_ID, name=bench_data.STAFF[0], role="admin")
    return Dataset(count, url, seed_s, seed_cpu_s, merchant_id, actor)


class StatementCounter:
    """Counts the SQL statements sent through the app's engine."""

    def __init__(self, url: str):
        self.engine = get_engine(url)
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args, **_kwargs) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def render(path: str, dataset: Dataset, counter: StatementCounter) -> tuple[float, int]:
    """Open one page with AppTest as the admin, through app.py's navigation; returns seconds and SQL statements.

    The app runs once (its default page) so the navigation exists; only the run of `path` is timed and counted.
    """
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app.session_state["actor"] = dataset.actor
    app.session_state["language"] = "en"
    app.run()
    app.switch_page(path)
    if path == PAGES["merchant"]:
        app.query_params["id"] = str(dataset.merchant_id)
    clear_all()  # the server's own work each time, not a report kept from the run before
    counter.count = 0
    started = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - started
    if app.exception:
        raise BenchError(f"{path} raised: {app.exception[0].message}")
    return elapsed, counter.count


def measure(dataset: Dataset, runs: int) -> dict[str, dict]:
    """Median render time and statement count per page, pages interleaved so load changes hit all alike."""
    # AppTest runs scripts without a browser session; Streamlit says so on every run.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    paths = {"baseline": BASELINE, **PAGES}
    counter = StatementCounter(dataset.url)
    times: dict[str, list[float]] = {name: [] for name in paths}
    statements: dict[str, set[int]] = {name: set() for name in paths}
    try:
        for path in paths.values():
            render(path, dataset, counter)  # warm-up: imports, caches, first connection
        for _ in range(runs):
            for name, path in paths.items():
                elapsed, count = render(path, dataset, counter)
                times[name].append(elapsed)
                statements[name].add(count)
    finally:
        counter.close()
    return {name: {"median_s": statistics.median(times[name]), "statements": max(statements[name])} for name in paths}


@contextmanager
def _simulator(directory: Path):
    """`python -m onboarding simulator` on a free loopback port, stopped by its pid afterwards."""
    port = free_port()
    environment = {**os.environ, "ONBOARDING_DATA_DIR": str(directory), "NOTIFICATION_RETRY_SCALE": "0.001"}
    environment.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "onboarding", "simulator", "--port", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_answering(process, f"{url}/")
        except RuntimeError as error:
            raise BenchError(f"the gateway simulator did not start: {error}") from None
        yield url
    finally:
        stop(process)


def acceptance_suite_seconds() -> float | None:
    """Seconds the gateway acceptance suite (every case) takes against the simulator; None when it is not there."""
    try:
        from onboarding.gateway import acceptance
    except ImportError:
        return None
    if not callable(getattr(acceptance, "run_suite", None)):
        return None
    from onboarding.accounts.users import SYSTEM, create_user
    from onboarding.core.access import actor_for
    from onboarding.process.merchants import MerchantInput, create_merchant

    with tempfile.TemporaryDirectory(prefix="onboarding-bench-suite-") as temporary:
        with (
            _simulator(Path(temporary) / "simulator") as url,
            _environment(Path(temporary) / "app", PINGPONG_SANDBOX_BASE_URL=url, PORT=str(free_port())),
        ):
            prepare()
            with database.session() as session:
                admin = actor_for(
                    create_user(
                        session, SYSTEM, email="bench@example.com", name="Benchmark", role="admin", password=None
                    )
                )
                merchant = create_merchant(
                    session,
                    admin,
                    MerchantInput(
                        name="Benchmark Suite Shop",
                        website="https://suite.bench.example.com",
                        contact_name="Bench",
                        contact_email="bench@suite.bench.example.com",
                        country="US",
                        shop_platform="custom",
                        integration_mode="hosted_js_sdk",
                        uses_refunds=True,
                        uses_preauth=True,
                        uses_3ds=True,
                    ),
                )
                started = time.perf_counter()
                run = acceptance.run_suite(session, admin, merchant.id)
                elapsed = time.perf_counter() - started
            if run.status != "passed":
                raise BenchError(f"the acceptance suite did not pass against the simulator ({run.status})")
            return elapsed


def peak_rss_mb() -> float:
    """The highest resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(merchants: int = 10_000, small: int = SMALL, runs: int = 5, browser: bool = False) -> dict:
    """Seed, render every page at `small` and `merchants` merchants, and return the report in the JSON shape.

    With `browser`, the same data set is then served by the real app and measured in Chromium too.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    small = min(small, merchants)
    counts: dict[int, dict[str, dict]] = {}
    in_browser: dict = {}
    with tempfile.TemporaryDirectory(prefix="onboarding-bench-") as temporary:
        if small != merchants:
            with _environment(Path(temporary) / "small"):
                counts[small] = measure(build(small), runs=1)
        with _environment(Path(temporary) / "large"):
            large = build(merchants)
            results = measure(large, runs=runs)
            if browser:
                in_browser = bench_browser.measure(
                    Path(temporary) / "large",
                    large.url,
                    bench_data.ADMIN_ID,
                    bench_data.ADMIN_EMAIL,
                    runs=runs,
                    users=BROWSER_USERS,
                )
    counts[merchants] = results
    baseline = results["baseline"]["median_s"]
    pages = {
        name: {
            "median_s": round(results[name]["median_s"], 4),
            "ratio_to_baseline": round(results[name]["median_s"] / baseline, 2),
            "statements": {str(size): counts[size][name]["statements"] for size in (small, merchants)},
        }
        for name in PAGES
    }
    pages["baseline"] = {"median_s": round(baseline, 4)}
    return {
        "merchants": merchants,
        "pages": pages,
        "acceptance_suite_s": _rounded(acceptance_suite_seconds()),
        "seed_s": round(large.seed_s, 2),
        "seed_cpu_s": round(large.seed_cpu_s, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **in_browser,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def table(report: dict) -> str:
    """The report as a plain-text table, with the targets checked."""
    sizes = list(report["pages"]["pipeline"]["statements"])
    lines = [
        f"Benchmark at {report['merchants']:,} merchants (seeded in {report['seed_s']} s, "
        f"{report['seed_cpu_s']} s of CPU; peak memory {report['peak_rss_mb']} MiB)",
        "",
        "Server side (AppTest through app.py; baseline = New merchant page):",
        f"{'page':<14}{'median s':>10}{'× baseline':>12}{'target':>8}"
        + "".join(f"{'SQL @' + size:>12}" for size in sizes),
    ]
    for name, page in report["pages"].items():
        if name == "baseline":
            lines.append(f"{name:<14}{page['median_s']:>10.3f}{1:>12.2f}{'':>8}")
            continue
        target = f"≤{TARGETS[name]}×" if name in TARGETS else "—"
        lines.append(
            f"{name:<14}{page['median_s']:>10.3f}{page['ratio_to_baseline']:>12.2f}{target:>8}"
            + "".join(f"{page['statements'][size]:>12}" for size in sizes)
        )
    if "browser" in report:
        lines += [
            "",
            "In Chromium (in-app navigation until drawn; baseline = New merchant page):",
            f"{'page':<14}{'median s':>10}{'× baseline':>12}{'ws KiB':>10}{'ws KiB max':>12}{'first s':>10}",
        ]
        for name, page in report["browser"].items():
            lines.append(
                f"{name:<14}{page['median_s']:>10.3f}{page['ratio_to_baseline']:>12.2f}"
                f"{page['ws_bytes'] / 1024:>10.1f}{page['ws_bytes_max'] / 1024:>12.1f}{page['first_s']:>10.3f}"
            )
        users = report["server_rss_mb_users"]
        lines += [
            f"{'approve':<14}{report['approve_s']:>10.3f}{report['approve_ratio_to_baseline']:>12.2f}",
            "",
            "server peak memory: " + ", ".join(f"{mib} MiB with {count} user(s)" for count, mib in users.items()),
        ]
    suite = report["acceptance_suite_s"]
    lines += ["", f"acceptance suite: {'not available yet' if suite is None else f'{suite} s'}", ""]
    lines += [f"{'met ' if ok else 'MISSED'}  {what}" for what, ok in checks(report)]
    return "\n".join(lines)


def checks(report: dict) -> list[tuple[str, bool]]:
    """Each benchmark target and whether this report meets it."""
    pages = report["pages"]
    results = [
        (f"{name} ≤ {limit}× baseline", pages[name]["ratio_to_baseline"] <= limit) for name, limit in TARGETS.items()
    ]
    results.append(
        (
            "statement counts independent of the number of merchants",
            all(len(set(page["statements"].values())) == 1 for name, page in pages.items() if name != "baseline"),
        )
    )
    results.append((f"peak memory under {PEAK_MEMORY_TARGET_MB} MiB", report["peak_rss_mb"] < PEAK_MEMORY_TARGET_MB))
    if "browser" in report:
        for name, page in report["browser"].items():
            if name == "baseline":
                continue
            results.append(
                (
                    f"browser: {name} ≤ {BROWSER_RATIO_TARGET:g}× baseline",
                    page["ratio_to_baseline"] <= BROWSER_RATIO_TARGET,
                )
            )
            results.append((f"browser: {name} ≤ 512 KiB of websocket data", page["ws_bytes_max"] <= WS_BYTES_TARGET))
        results.append(
            (
                f"browser: Approve ≤ {APPROVE_RATIO_TARGET:g}× baseline",
                report["approve_ratio_to_baseline"] <= APPROVE_RATIO_TARGET,
            )
        )
        for count, mib in report["server_rss_mb_users"].items():
            limit = SERVER_RSS_TARGET_MB["one user" if count == "1" else "several users"]
            results.append((f"server memory under {limit} MiB with {count} user(s)", mib < limit))
    return results


def write_json(report: dict, path: Path) -> None:
    """Write the report to `path` as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
