"""A small hand-built data set whose analytics figures are known by heart (used by the analytics tests)."""

import json
from datetime import UTC, datetime, timedelta

from models import ChecklistItem, HistoryEvent, Merchant, StageStay, User
from onboarding.process.definition import default_process

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # a Monday
DONE = {"merchant": "approved", "support": "done", "automatic": "passed"}


def _merchant(
    session,
    now,
    owner,
    name,
    *,
    stages_days,
    stage,
    status="active",
    idle_days=0,
    platform="shopify",
    mode="plugin",
    sandbox="public",
    items=None,
    events=(),
):
    """A merchant created `sum(stages_days)` + days ago, with a stage_entered event after each stay."""
    created = now - timedelta(days=stages_days[0])
    entered = [created]
    for days in stages_days[1:]:
        entered.append(entered[-1] + timedelta(days=days))
    launched = entered[-1] if stage == len(default_process().stages) else None
    merchant = Merchant(
        name=name,
        website=f"https://{name.lower()}.example.com/",
        contact_name="Contact",
        contact_email=f"c@{name.lower()}.example.com",
        country="US",
        shop_platform=platform,
        integration_mode=mode,
        sandbox_account=sandbox,
        owner_id=owner.id,
        status=status,
        current_stage=stage,
        progress=0.5,
        stage_entered_at=entered[-1],
        last_activity_at=now - timedelta(days=idle_days),
        created_at=created,
        launched_at=launched,
    )
    session.add(merchant)
    session.flush()
    for item in default_process().items:
        status_value = (items or {}).get(item.key) or (DONE[item.owner] if item.stage_index < stage else "todo")
        session.add(
            ChecklistItem(merchant_id=merchant.id, item_key=item.key, stage_index=item.stage_index, status=status_value)
        )
    history = [("merchant_created", None, {"name": name}, created)]
    history += [
        ("stage_entered", None, {"stage": index, "previous": index - 1}, entered[index])
        for index in range(1, len(entered))
    ]
    history += [(action, key, None, created + timedelta(hours=hour)) for hour, (action, key) in enumerate(events)]
    # The stays the app records as each stage is left, as it does when a stage changes.
    for index in range(1, len(entered)):
        session.add(
            StageStay(
                merchant_id=merchant.id,
                stage_index=index - 1,
                entered_at=entered[index - 1],
                left_at=entered[index],
                days=(entered[index] - entered[index - 1]).total_seconds() / 86400,
            )
        )
    for action, key, detail, moment in history:
        session.add(
            HistoryEvent(
                merchant_id=merchant.id,
                item_key=key,
                action=action,
                actor_name="Test",
                detail=json.dumps(detail) if detail else None,
                created_at=moment,
            )
        )
    return merchant


def build(session, now=NOW) -> dict[str, Merchant]:
    """Seven merchants, two owners; see the test modules for the figures they must give."""
    li = User(email="li@support.example.com", name="Li Wei", role="support", created_at=now)
    anna = User(email="anna@support.example.com", name="Anna Schmidt", role="support", created_at=now)
    session.add_all([li, anna])
    session.flush()
    # stages_days: days before `now` the merchant was created, then the length of each completed stay.
    made = {
        # Over the first stage's 5-day SLA (10 days there), recently active; the merchant must choose its account.
        "Alpha": _merchant(
            session,
            now,
            li,
            "Alpha",
            stages_days=[10],
            stage=0,
            items={"sandbox_account_type": "todo", "sandbox_credentials_work": "passed"},
        ),
        # Within SLA but idle 9 days; its integration mode waits for support's review.
        "Bravo": _merchant(
            session,
            now,
            anna,
            "Bravo",
            stages_days=[20, 18],
            stage=1,
            idle_days=9,
            platform="woocommerce",
            mode="hosted_checkout",
            items={"integration_mode": "submitted", "sandbox_acceptance": "passed"},
        ),
        # Fine: one day into docking; both sides have something open.
        "Charlie": _merchant(
            session,
            now,
            li,
            "Charlie",
            stages_days=[12, 2, 5, 4],
            stage=3,
            platform="custom",
            mode="non_hosted",
            items={
                "website_review": "done",
                "production_parameters": "todo",
                "parameters_replaced": "rejected",
                "self_test_screenshot": "approved",
                "product_link": "approved",
            },
            events=[("submitted", "parameters_replaced"), ("rejected", "parameters_replaced")],
        ),
        # Launched 10 days ago (this month), 30 days after it started.
        "Delta": _merchant(
            session,
            now,
            li,
            "Delta",
            stages_days=[40, 5, 5, 5, 10, 5],
            stage=5,
            status="launched",
            events=[("submitted", "self_test_screenshot"), ("approved", "self_test_screenshot")],
        ),
        # Launched 26 days ago (last month), 20 days after it started.
        "Echo": _merchant(
            session,
            now,
            anna,
            "Echo",
            stages_days=[46, 3, 7, 2, 6, 2],
            stage=5,
            status="launched",
            platform="woocommerce",
            events=[
                ("submitted", "self_test_screenshot"),
                ("rejected", "self_test_screenshot"),
                ("resubmitted", "self_test_screenshot"),
                ("approved", "self_test_screenshot"),
            ],
        ),
        # Launched in April, 10 days after it started.
        "Foxtrot": _merchant(
            session,
            now,
            anna,
            "Foxtrot",
            stages_days=[85, 1, 2, 1, 4, 2],
            stage=5,
            status="launched",
            platform="magento",
        ),
        # On hold for a month: late and quiet, but paused on purpose, so never flagged.
        "Golf": _merchant(session, now, li, "Golf", stages_days=[50, 10, 10], stage=2, status="on_hold", idle_days=30),
    }
    session.commit()
    return made
