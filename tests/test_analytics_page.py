"""The Analytics page, driven with AppTest against a hand-built data set."""

import json

import altair as alt
import pytest
from streamlit.testing.v1 import AppTest

from onboarding.core import clock
from onboarding.core.access import Actor
from tests import analytics_data
from tests.conftest import ROOT

SECTIONS = ("funnel", "time_in_stage", "weekly", "workload", "rejections")


def open_page(actor: Actor, language: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/analytics.py"), default_timeout=60)
    at.session_state["actor"] = actor
    at.session_state["language"] = language
    return at.run()


@pytest.fixture
def dataset(session):
    return analytics_data.build(session, now=clock.now())


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_analytics_page_shows_headline_figures_and_every_chart_with_its_table(dataset, admin):
    at = open_page(admin)
    assert not at.exception
    figures = metrics(at)
    assert (figures["Active merchants"], figures["Over SLA"], figures["Idle 7+ days"]) == ("3", "1", "1")
    assert figures["Median days to go-live"] == "20 d"
    assert len(at.get("vega_lite_chart")) == 5
    assert not at.dataframe  # each table is one click away, not drawn hidden
    assert [button.proto.label for button in at.get("download_button")] == ["Download CSV"] * 5
    for key in SECTIONS:
        at.segmented_control(key=f"analytics_view_{key}").set_value("table").run()
    assert not at.exception
    assert len(at.dataframe) == 5
    assert not at.get("vega_lite_chart")


def test_every_chart_is_a_valid_vega_lite_spec_with_its_data(dataset, admin):
    """The page skips Altair's validation on each run, so the specs are checked here against the schema."""
    at = open_page(admin)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 5
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        kind = alt.LayerChart if "layer" in spec else alt.Chart
        kind.from_dict(spec)  # validates against the Vega-Lite schema; raises if invalid
        assert chart.proto.datasets or chart.proto.data.data  # the figures travel with the chart


def test_switching_one_section_to_its_table_leaves_the_others_as_charts(dataset, admin):
    at = open_page(admin)
    at.segmented_control(key="analytics_view_funnel").set_value("table").run()
    assert len(at.dataframe) == 1
    assert list(at.dataframe[0].value["Reached"]) == [7, 6, 5, 4, 3, 3]
    assert len(at.get("vega_lite_chart")) == 4


def test_analytics_filters_change_the_figures(dataset, admin):
    at = open_page(admin)
    at.multiselect(key="analytics_platforms").select("woocommerce").run()
    assert not at.exception
    assert metrics(at)["Active merchants"] == "1"
    at.multiselect(key="analytics_statuses").select("withdrawn").run()
    assert any("No merchant matches" in info.value for info in at.info)


def test_analytics_page_speaks_chinese(dataset, admin):
    at = open_page(admin, "zh")
    assert not at.exception
    assert at.title[0].value == "数据分析"
    assert "进行中的商户" in metrics(at)


def test_analytics_page_tells_a_merchant_user_it_is_for_support(session):
    at = open_page(Actor(id=None, name="Emily", role="merchant", merchant_id=1))
    assert not at.exception
    assert at.error
