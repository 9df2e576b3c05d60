"""Analytics figures on a hand-built data set whose answers are known."""

from datetime import date, timedelta

import pytest

from models import StageSetting
from onboarding.core.access import Actor
from onboarding.core.config import get_settings
from onboarding.core.errors import AccessDenied, ValidationError
from onboarding.reports import analytics
from tests import analytics_data
from tests.analytics_data import NOW


@pytest.fixture
def dataset(session):
    return analytics_data.build(session)


def report(session, admin, **filters):
    return analytics.report(session, admin, analytics.AnalyticsFilter(**filters), now=NOW)


def test_headline_figures_count_active_launched_over_sla_and_idle(session, admin, dataset):
    kpis = report(session, admin).kpis
    assert kpis["merchants"] == 7
    assert kpis["active"] == 3
    assert (kpis["launched_this_month"], kpis["launched_last_month"]) == (1, 1)
    assert kpis["over_sla"] == 1  # Alpha; Golf is as late but on hold
    assert kpis["idle"] == 1  # Bravo; Golf is as quiet but on hold


def test_days_to_go_live_are_the_median_and_90th_percentile_of_launched_merchants(session, admin, dataset):
    kpis = report(session, admin).kpis
    # Launched after 10, 20 and 30 days.
    assert kpis["median_days_to_live"] == 20
    assert kpis["p90_days_to_live"] == 28


def test_sla_comes_from_the_stage_settings(session, admin, dataset):
    session.get(StageSetting, "sandbox").sla_days = 15
    session.commit()
    assert report(session, admin).kpis["over_sla"] == 0


def test_idle_threshold_is_a_setting(session, admin, dataset, monkeypatch):
    monkeypatch.setenv("IDLE_DAYS", "10")
    get_settings.cache_clear()
    kpis = report(session, admin).kpis
    assert (kpis["idle"], kpis["idle_days"]) == (0, 10)


def test_funnel_counts_merchants_at_and_beyond_each_stage(session, admin, dataset):
    funnel = {row["stage"]: (row["current"], row["reached"]) for row in report(session, admin).funnel}
    assert funnel == {0: (1, 7), 1: (1, 6), 2: (1, 5), 3: (1, 4), 4: (0, 3), 5: (3, 3)}


def test_time_in_stage_reads_the_stays_recorded_as_stages_change(session, admin, dataset):
    stays = {row["stage"]: row for row in report(session, admin).time_in_stage}
    # First stage: Foxtrot 1, Charlie 2, Echo 3, Delta 5, Golf 10, Bravo 18 days.
    assert (stays[0]["stays"], stays[0]["min"], stays[0]["median"], stays[0]["max"]) == (6, 1, 4, 18)
    # Docking: Foxtrot 4, Echo 6, Delta 10 days.
    assert (stays[3]["stays"], stays[3]["median"]) == (3, 6)


def test_weekly_flow_counts_starts_and_launches_per_monday_week(session, admin, dataset):
    weeks = {row["week"]: row for row in report(session, admin).weekly}
    assert len(weeks) == analytics.DEFAULT_WEEKS
    # Alpha (5 June) and Charlie (3 June) started, Delta (5 June) launched in the week of 1 June.
    assert (weeks[date(2026, 6, 1)]["started"], weeks[date(2026, 6, 1)]["launched"]) == (2, 1)
    assert weeks[date(2026, 5, 18)]["launched"] == 1  # Echo


def test_workload_shows_who_holds_the_ball_per_owner(session, admin, dataset):
    rows = {row["owner"]: row for row in report(session, admin).workload}
    assert rows["Li Wei"] == {
        **rows["Li Wei"],
        "active": 2,
        "waiting_on_support": 1,
        "waiting_on_merchant": 1,
        "over_sla": 1,
        "idle": 0,
    }
    assert rows["Anna Schmidt"] == {
        **rows["Anna Schmidt"],
        "active": 1,
        "waiting_on_support": 1,
        "waiting_on_merchant": 0,
        "over_sla": 0,
        "idle": 1,
    }


def test_rejection_rate_is_rejections_per_submission_worst_first(session, admin, dataset):
    rows = [
        (row["item_key"], row["submissions"], row["rejections"], row["rate"])
        for row in report(session, admin).rejections
    ]
    assert rows == [("parameters_replaced", 1, 1, 1.0), ("self_test_screenshot", 3, 1, 0.3333)]


def test_owner_filter_changes_every_figure(session, admin, dataset):
    anna = next(row["owner_id"] for row in report(session, admin).workload if row["owner"] == "Anna Schmidt")
    filtered = report(session, admin, owner_ids=(anna,))
    assert filtered.kpis["merchants"] == 3
    assert (filtered.kpis["active"], filtered.kpis["launched_this_month"]) == (1, 0)
    assert filtered.kpis["median_days_to_live"] == 15  # Echo 20, Foxtrot 10
    assert [row["owner"] for row in filtered.workload] == ["Anna Schmidt"]
    assert [row["item_key"] for row in filtered.rejections] == ["self_test_screenshot"]


def test_platform_mode_and_status_filters_narrow_the_merchants(session, admin, dataset):
    assert report(session, admin, shop_platforms=("woocommerce",)).kpis["merchants"] == 2
    assert report(session, admin, integration_modes=("non_hosted",)).kpis["merchants"] == 1
    launched = report(session, admin, statuses=("launched",))
    assert (launched.kpis["merchants"], launched.kpis["active"]) == (3, 0)
    assert launched.funnel[-1]["current"] == 3


def test_date_range_selects_merchants_by_the_day_they_started(session, admin, dataset):
    recent = report(session, admin, start=(NOW - timedelta(days=15)).date(), end=NOW.date())
    assert recent.kpis["merchants"] == 2  # Alpha and Charlie
    assert recent.kpis["median_days_to_live"] is None
    assert recent.weekly[0]["week"] == date(2026, 5, 25)


def test_a_start_after_the_end_is_refused_with_a_message(session, admin, dataset):
    with pytest.raises(ValidationError) as error:
        report(session, admin, start=date(2026, 6, 10), end=date(2026, 6, 1))
    assert error.value.key == "analytics.bad_date_range"


def test_an_unknown_filter_value_is_refused(session, admin, dataset):
    with pytest.raises(ValidationError):
        report(session, admin, shop_platforms=("ebay",))


def test_merchant_users_cannot_see_analytics(session, dataset):
    with pytest.raises(AccessDenied):
        analytics.report(session, Actor(id=None, name="Emily", role="merchant", merchant_id=1))


def test_percentile_interpolates_between_values():
    assert analytics.percentile([(10, 1), (20, 1), (30, 1)], 0.9) == 28
    assert analytics.percentile([(4, 3)], 0.5) == 4
    assert analytics.percentile([], 0.5) is None
