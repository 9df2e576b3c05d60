"""A realistic data set of many merchants, bulk-inserted for the benchmark (not through the domain functions)."""

import json
import random
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlmodel import Session

from models import ChecklistItem, HistoryEvent, Merchant, Submission, User
from onboarding.core import clock
from onboarding.process import duplicates, merchants
from onboarding.process.definition import default_process

BATCH = 5000
STAFF = ["Li Wei", "Anna Schmidt", "Rahul Mehta", "Zhang Min", "Sara Lopez", "Tom Becker", "Aiko Mori", "Omar Ali"]
# Share of merchants per current stage (index 5 = launched): most are mid-way, a fair number are live.
STAGE_WEIGHTS = (14, 16, 12, 20, 13, 25)
HISTORY_PER_MERCHANT = 30
ADMIN_ID = 10_001
COMPLETE_BY_OWNER = {"merchant": "approved", "support": "done", "automatic": "passed"}
OPEN_BY_OWNER = {
    "merchant": ("todo", "submitted", "rejected", "approved"),
    "support": ("todo", "done"),
    "automatic": ("todo", "failed", "passed"),
}


class _Writer:
    """Collects rows per table and inserts them in large executemany batches, parents first."""

    ORDER = (User, Merchant, ChecklistItem, Submission, HistoryEvent)

    def __init__(self, session: Session):
        self.session = session
        self.rows: dict[type, list[dict]] = {table: [] for table in self.ORDER}
        self.pending = 0

    def add(self, table, row: dict) -> None:
        self.rows[table].append(row)
        self.pending += 1
        if self.pending >= BATCH:
            self.flush()

    def flush(self) -> None:
        for table in self.ORDER:
            if self.rows[table]:
                self.session.execute(insert(table), self.rows[table])
                self.rows[table] = []
        self.pending = 0


def seed(session: Session, count: int, seed_value: int = 42, now: datetime | None = None) -> int:
    """Insert `count` merchants with their items, submissions and about 30 history rows each."""
    rng = random.Random(seed_value)
    now = now or clock.now()
    process = default_process()
    writer = _Writer(session)
    staff_ids = []
    for number, name in enumerate(STAFF, start=1):
        user_id = ADMIN_ID + number - 1
        staff_ids.append((user_id, name))
        writer.add(
            User,
            {
                "id": user_id,
                "email": f"staff{number}@bench.example.com",
                "name": name,
                "role": "admin" if number == 1 else "support",
                "active": True,
                "language": "en",
                "created_at": now - timedelta(days=400),
            },
        )
    item_id = 0
    stages = len(process.stages)
    for merchant_id in range(1, count + 1):
        owner_id, owner_name = rng.choice(staff_ids)
        stage = rng.choices(range(stages + 1), weights=STAGE_WEIGHTS)[0]
        status = (
            "launched" if stage == stages else rng.choices(("active", "on_hold", "withdrawn"), weights=(85, 9, 6))[0]
        )
        # Walk back from the latest stage entry, so active merchants are mostly recent and a few are stuck.
        latest = now - timedelta(days=rng.expovariate(1 / 5) if status == "active" else rng.uniform(0, 200))
        entered = [latest]
        for _ in range(stage):
            entered.insert(0, entered[0] - timedelta(days=rng.expovariate(1 / 6), hours=1))
        created = entered[0]
        last_activity = now - (now - latest) * rng.random() ** 2
        mode = rng.choice(merchants.INTEGRATION_MODES)
        sandbox = rng.choice(merchants.SANDBOX_ACCOUNTS)
        writer.add(
            Merchant,
            {
                "id": merchant_id,
                "name": f"Bench Merchant {merchant_id:05d}",
                "website": f"https://shop{merchant_id}.bench.example.com/",
                "contact_name": f"Contact {merchant_id}",
                "contact_email": f"owner@shop{merchant_id}.bench.example.com",
                "country": rng.choice(("US", "CN", "DE", "FR", "JP", "GB")),
                "shop_platform": rng.choice(merchants.SHOP_PLATFORMS),
                "integration_mode": mode,
                "sandbox_account": sandbox,
                "uses_refunds": True,
                "uses_preauth": rng.random() < 0.2,
                "uses_3ds": rng.random() < 0.3,
                "owner_id": owner_id,
                "status": status,
                "current_stage": stage,
                "progress": round(stage / stages, 4),
                "stage_entered_at": entered[-1],
                "last_activity_at": last_activity,
                "created_at": created,
                "launched_at": entered[-1] if stage == stages else None,
                "process_version": process.version,
                "process_digest": process.digest,
                **duplicates.keys_for(
                    f"Bench Merchant {merchant_id:05d}",
                    f"https://shop{merchant_id}.bench.example.com/",
                    f"owner@shop{merchant_id}.bench.example.com",
                ),
            },
        )
        events = [("merchant_created", None, {"name": f"Bench Merchant {merchant_id:05d}"}, created)]
        for index in range(1, stage + 1):
            events.append(("stage_entered", None, {"stage": index, "previous": index - 1}, entered[index]))
        if stage == stages:
            events.append(("status_changed", None, {"status": "launched", "previous": "active"}, entered[-1]))
        for item in process.items:
            item_id += 1
            if item.stage_index < stage:
                status_value = COMPLETE_BY_OWNER[item.owner]
            elif item.stage_index == stage:
                status_value = rng.choice(OPEN_BY_OWNER[item.owner])
            else:
                status_value = "todo"
            moment = entered[min(item.stage_index, stage)] + timedelta(hours=rng.uniform(1, 48))
            moment = min(moment, now)
            writer.add(
                ChecklistItem,
                {
                    "id": item_id,
                    "merchant_id": merchant_id,
                    "item_key": item.key,
                    "stage_index": item.stage_index,
                    "status": status_value,
                    "version": 1 if status_value == "todo" else 3,
                    "value": None if status_value == "todo" else "Evidence for the benchmark",
                    "rejection_reason": "Please send the full screenshot" if status_value == "rejected" else None,
                    "updated_by_id": None if status_value == "todo" else owner_id,
                    "updated_by_name": None if status_value == "todo" else owner_name,
                    "updated_at": None if status_value == "todo" else moment,
                    "submitted_at": moment if item.owner == "merchant" and status_value != "todo" else None,
                },
            )
            if item.owner == "merchant" and status_value != "todo":
                rejected_first = status_value == "rejected" or rng.random() < 0.3
                versions = 2 if rejected_first and status_value != "rejected" else 1
                for number in range(1, versions + 1):
                    writer.add(
                        Submission,
                        {
                            "item_id": item_id,
                            "merchant_id": merchant_id,
                            "number": number,
                            "kind": item.evidence,
                            "value": "Evidence for the benchmark",
                            "created_by_name": f"Contact {merchant_id}",
                            "created_at": moment,
                        },
                    )
                    events.append(
                        ("submitted" if number == 1 else "resubmitted", item.key, {"version": number}, moment)
                    )
                if rejected_first:
                    events.append(("rejected", item.key, {"reason": "Please send the full screenshot"}, moment))
                if status_value == "approved":
                    events.append(("approved", item.key, None, moment))
            elif item.owner == "support" and status_value == "done":
                events.append(("done", item.key, None, moment))
            elif item.owner == "automatic" and status_value in ("passed", "failed"):
                events.append((f"check_{status_value}", item.key, {"summary": "Acceptance cases"}, moment))
        while len(events) < HISTORY_PER_MERCHANT:
            events.append(
                (
                    "comment_added",
                    None,
                    {"text": "Followed up by e-mail"},
                    created + (last_activity - created) * rng.random(),
                )
            )
        for action, item_key, detail, moment in events:
            writer.add(
                HistoryEvent,
                {
                    "merchant_id": merchant_id,
                    "item_key": item_key,
                    "action": action,
                    "detail": json.dumps(detail) if detail else None,
                    "actor_id": owner_id,
                    "actor_name": owner_name,
                    "created_at": moment,
                },
            )
    writer.flush()
    session.commit()
    return count
