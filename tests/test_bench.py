"""The benchmark: pages issue the same number of SQL statements at any size, and the report has its shape."""

import json

import pytest

from onboarding.__main__ import main
from tests.browser import needs_chromium
from tools import bench, bench_data


@pytest.fixture(scope="module")
def report():
    # Small sizes keep the suite quick; `make bench` runs the real 1,000 and 10,000.
    patch = pytest.MonkeyPatch()
    patch.setattr(bench, "acceptance_suite_seconds", lambda: 1.5)
    try:
        yield bench.run(merchants=200, small=20, runs=1)
    finally:
        patch.undo()


def test_each_page_issues_as_many_statements_for_200_merchants_as_for_20(report):
    for name in bench.PAGES:
        counts = report["pages"][name]["statements"]
        assert set(counts) == {"20", "200"}
        assert counts["20"] == counts["200"], name
        assert counts["200"] > 0


def test_report_has_the_documented_shape(report):
    assert set(report) == {"merchants", "pages", "acceptance_suite_s", "seed_s", "seed_cpu_s", "peak_rss_mb"}
    assert report["merchants"] == 200
    assert set(report["pages"]) == {"pipeline", "merchant", "analytics", "attention", "review_queue", "baseline"}
    assert set(report["pages"]["baseline"]) == {"median_s"}
    assert set(report["pages"]["analytics"]) == {"median_s", "ratio_to_baseline", "statements"}
    assert report["peak_rss_mb"] > 0 and report["seed_s"] >= 0
    assert report["acceptance_suite_s"] == 1.5


def test_table_names_every_page_and_target(report):
    text = bench.table(report)
    for name in ("pipeline", "merchant", "analytics", "attention", "review_queue", "baseline", "statement counts"):
        assert name in text


def test_acceptance_suite_is_timed_against_the_simulator():
    assert bench.acceptance_suite_seconds() > 0


def test_bench_command_writes_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bench, "acceptance_suite_seconds", lambda: None)
    path = tmp_path / "bench.json"
    assert main(["bench", "--merchants", "5", "--runs", "1", "--json", str(path)]) == 0
    written = json.loads(path.read_text())
    assert written["merchants"] == 5 and set(written["pages"]["pipeline"]["statements"]) == {"5"}
    assert "Benchmark at 5 merchants" in capsys.readouterr().out


def test_bench_command_refuses_a_size_below_one(capsys):
    assert main(["bench", "--merchants", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err


@pytest.mark.sqlite_only
def test_bench_data_reads_back_as_the_app_stores_it(session):
    """Rows inserted in bulk read back through the models: aware times, stays that match the stages."""
    from sqlmodel import select

    from models import Merchant, StageStay

    bench_data.seed(session, 30)
    merchants = session.exec(select(Merchant)).all()
    assert len(merchants) == 30 and all(m.stage_entered_at.tzinfo is not None for m in merchants)
    stays = session.exec(select(StageStay)).all()
    assert len(stays) == sum(merchant.current_stage for merchant in merchants)
    assert all(stay.days > 0 and stay.left_at > stay.entered_at for stay in stays)


@needs_chromium
def test_the_browser_leg_times_every_page_in_chromium(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(bench, "acceptance_suite_seconds", lambda: None)
    monkeypatch.setattr(bench, "BROWSER_USERS", 2)
    path = tmp_path / "bench.json"
    assert main(["bench", "--merchants", "60", "--runs", "1", "--browser", "--json", str(path)]) == 0
    written = json.loads(path.read_text())
    pages = written["browser"]
    assert set(pages) == {"pipeline", "merchant", "attention", "analytics", "review_queue", "baseline"}
    for page in pages.values():
        assert page["median_s"] > 0 and page["ws_bytes"] > 0 and "ratio_to_baseline" in page
    assert pages["baseline"]["ratio_to_baseline"] == 1.0
    assert written["approve_s"] > 0 and written["server_rss_mb"] > 0
    assert set(written["server_rss_mb_users"]) == {"1", "2"}
    assert "In Chromium" in capsys.readouterr().out
