"""The benchmark: pages issue the same number of SQL statements at any size, and the report has its shape."""

import json

import pytest

from onboarding.__main__ import main
from tools import bench


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
    assert set(report) == {"merchants", "pages", "acceptance_suite_s", "seed_s", "peak_rss_mb"}
    assert report["merchants"] == 200
    assert set(report["pages"]) == {"pipeline", "merchant", "analytics", "attention", "baseline"}
    assert set(report["pages"]["baseline"]) == {"median_s"}
    assert set(report["pages"]["analytics"]) == {"median_s", "ratio_to_baseline", "statements"}
    assert report["peak_rss_mb"] > 0 and report["seed_s"] >= 0
    assert report["acceptance_suite_s"] == 1.5


def test_table_names_every_page_and_target(report):
    text = bench.table(report)
    for name in ("pipeline", "merchant", "analytics", "attention", "baseline", "statement counts"):
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
