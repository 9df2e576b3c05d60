"""A realistic data set of many merchants, bulk-inserted for the benchmark (not through the domain functions).

Rows go in as plain tuples through the SQLite driver's executemany in one transaction: 100,000 merchants
(about six million rows) take about a minute of CPU.
"""

import json
import random
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from onboarding.core import clock
from onboarding.process import duplicates, merchants
from onboarding.process.definition import default_process

BATCH = 20_000
STAFF = ["Li Wei", "Anna Schmidt", "Rahul Mehta", "Zhang Min", "Sara Lopez", "Tom Becker", "Aiko Mori", "Omar Ali"]
# Share of merchants per current stage (index 5 = launched): most are mid-way, a fair number are live.
STAGE_WEIGHTS = (14, 16, 12, 20, 13, 25)
HISTORY_PER_MERCHANT = 30
ADMIN_ID = 10_001
ADMIN_EMAIL = "staff1@bench.example.com"
COMPLETE_BY_OWNER = {"merchant": "approved", "support": "done", "automatic": "passed"}
OPEN_BY_OWNER = {
    "merchant": ("todo", "submitted", "rejected", "approved"),
    "support": ("todo", "done"),
    "automatic": ("todo", "failed", "passed"),
}
COUNTRIES = ("US", "CN", "DE", "FR", "JP", "GB")
EVIDENCE = "Evidence for the benchmark"
REJECTION = "Please send the full screenshot"
# Columns per table, in the order of the tuples below.
COLUMNS = {
    "user": ("id", "email", "name", "role", "active", "language", "created_at"),
    "merchant": (
        "id",
        "name",
        "website",
        "contact_name",
        "contact_email",
        "country",
        "shop_platform",
        "integration_mode",
        "sandbox_account",
        "uses_refunds",
        "uses_preauth",
        "uses_3ds",
        "owner_id",
        "status",
        "current_stage",
        "progress",
        "stage_entered_at",
        "last_activity_at",
        "created_at",
        "launched_at",
        "process_version",
        "process_digest",
        "name_key",
        "website_key",
        "email_key",
    ),
    "checklistitem": (
        "id",
        "merchant_id",
        "item_key",
        "stage_index",
        "status",
        "version",
        "value",
        "rejection_reason",
        "updated_by_id",
        "updated_by_name",
        "updated_at",
        "submitted_at",
    ),
    "submission": ("item_id", "merchant_id", "number", "kind", "value", "created_by_name", "created_at"),
    "historyevent": ("merchant_id", "item_key", "action", "detail", "actor_id", "actor_name", "created_at"),
    "stagestay": ("merchant_id", "stage_index", "entered_at", "left_at", "days"),
}


def _evidence(item) -> str:
    """What a merchant hands in for `item`: a valid choice, a link, or a line of text."""
    if item.choices:
        return item.choices[0]
    if item.evidence == "link":
        return "https://shop.bench.example.com/products/test-item-1-usd"
    return EVIDENCE


def _stamp(moment: datetime) -> str:
    """A naive UTC time as SQLAlchemy stores it in SQLite (read back as an aware datetime); isoformat is C-fast."""
    return moment.isoformat(" ", "microseconds")


class _Writer:
    """Collects tuples per table and inserts them in large executemany batches, parents first."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
        self.sql = {
            table: f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
            for table, columns in COLUMNS.items()
        }

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                self.cursor.executemany(self.sql[table], rows)
                rows.clear()


def seed(session: Session, count: int, seed_value: int = 42, now: datetime | None = None) -> int:
    """Insert `count` merchants with their items, submissions, stage stays and about 30 history rows each."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        raise ValueError("the benchmark data set is bulk-inserted into SQLite only")
    driver = connection.connection.driver_connection
    cursor = driver.cursor()
    cursor.execute("PRAGMA synchronous=OFF")  # a throw-away benchmark database: no fsync while loading
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.execute("PRAGMA foreign_keys=OFF")  # the rows are generated consistent; checking each costs a lookup
    # Building each index once after loading is several times faster than growing it row by row.
    indexes = cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
        f"({', '.join(repr(table) for table in COLUMNS)})"
    ).fetchall()
    for name, _sql in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    rng = random.Random(seed_value)
    random_value, choice, expovariate, uniform = rng.random, rng.choice, rng.expovariate, rng.uniform
    # Naive UTC from here on: formatting is the hot loop, and SQLite stores UTC without an offset anyway.
    now = (now or clock.now()).astimezone(UTC).replace(tzinfo=None)
    process = default_process()
    items = [(item.key, item.stage_index, item.owner, item.evidence, _evidence(item)) for item in process.items]
    stages = len(process.stages)
    writer = _Writer(cursor)
    users, merchant_rows, item_rows = writer.rows["user"], writer.rows["merchant"], writer.rows["checklistitem"]
    submission_rows, history_rows, stay_rows = (
        writer.rows["submission"],
        writer.rows["historyevent"],
        writer.rows["stagestay"],
    )
    staff = []
    for number, name in enumerate(STAFF, start=1):
        user_id = ADMIN_ID + number - 1
        staff.append((user_id, name))
        role = "admin" if number == 1 else "support"
        users.append(
            (user_id, f"staff{number}@bench.example.com", name, role, 1, "en", _stamp(now - timedelta(days=400)))
        )
    # Texts that repeat across rows are built once.
    stage_details = {index: json.dumps({"stage": index, "previous": index - 1}) for index in range(1, stages + 1)}
    version_details = {number: json.dumps({"version": number}) for number in (1, 2)}
    launched_detail = json.dumps({"status": "launched", "previous": "active"})
    rejected_detail = json.dumps({"reason": REJECTION})
    check_detail = json.dumps({"summary": "Acceptance cases"})
    comment_detail = json.dumps({"text": "Followed up by e-mail"})
    stage_choices = rng.choices(range(stages + 1), weights=STAGE_WEIGHTS, k=count)
    hour = timedelta(hours=1)
    item_id = 0
    for merchant_id in range(1, count + 1):
        owner_id, owner_name = choice(staff)
        stage = stage_choices[merchant_id - 1]
        if stage == stages:
            status = "launched"
        else:
            draw = random_value()
            status = "active" if draw < 0.85 else "on_hold" if draw < 0.94 else "withdrawn"
        # Walk back from the latest stage entry, so active merchants are mostly recent and a few are stuck.
        latest = now - timedelta(days=expovariate(0.2) if status == "active" else uniform(0, 200))
        entered = [latest]
        for _ in range(stage):
            entered.insert(0, entered[0] - timedelta(days=expovariate(1 / 6)) - hour)
        created = entered[0]
        last_activity = now - (now - latest) * random_value() ** 2
        stamps = [_stamp(moment) for moment in entered]
        name = f"Bench Merchant {merchant_id:05d}"
        contact = f"Contact {merchant_id}"
        site = f"https://shop{merchant_id}.bench.example.com/"
        email = f"owner@shop{merchant_id}.bench.example.com"
        keys = duplicates.keys_for(name, site, email)
        merchant_rows.append(
            (
                merchant_id,
                name,
                site,
                contact,
                email,
                choice(COUNTRIES),
                choice(merchants.SHOP_PLATFORMS),
                choice(merchants.INTEGRATION_MODES),
                choice(merchants.SANDBOX_ACCOUNTS),
                1,
                int(random_value() < 0.2),
                int(random_value() < 0.3),
                owner_id,
                status,
                stage,
                round(stage / stages, 4),
                stamps[-1],
                _stamp(last_activity),
                stamps[0],
                stamps[-1] if stage == stages else None,
                process.version,
                process.digest,
                keys["name_key"],
                keys["website_key"],
                keys["email_key"],
            )
        )
        events = [("merchant_created", None, json.dumps({"name": name}), stamps[0])]
        for index in range(1, stage + 1):
            events.append(("stage_entered", None, stage_details[index], stamps[index]))
            days = (entered[index] - entered[index - 1]).total_seconds() / 86400
            stay_rows.append((merchant_id, index - 1, stamps[index - 1], stamps[index], days))
        if stage == stages:
            events.append(("status_changed", None, launched_detail, stamps[-1]))
        for key, stage_index, owner, evidence, value in items:
            item_id += 1
            if stage_index < stage:
                item_status = COMPLETE_BY_OWNER[owner]
            elif stage_index == stage:
                item_status = choice(OPEN_BY_OWNER[owner])
            else:
                item_status = "todo"
            if item_status == "todo":
                item_rows.append(
                    (item_id, merchant_id, key, stage_index, "todo", 1, None, None, None, None, None, None)
                )
                continue
            moment = min(entered[min(stage_index, stage)] + timedelta(hours=uniform(1, 48)), now)
            stamp = _stamp(moment)
            item_rows.append(
                (
                    item_id,
                    merchant_id,
                    key,
                    stage_index,
                    item_status,
                    3,
                    value,
                    REJECTION if item_status == "rejected" else None,
                    owner_id,
                    owner_name,
                    stamp,
                    stamp if owner == "merchant" else None,
                )
            )
            if owner == "merchant":
                rejected_first = item_status == "rejected" or random_value() < 0.3
                versions = 2 if rejected_first and item_status != "rejected" else 1
                for number in range(1, versions + 1):
                    submission_rows.append((item_id, merchant_id, number, evidence, value, contact, stamp))
                    events.append(("submitted" if number == 1 else "resubmitted", key, version_details[number], stamp))
                if rejected_first:
                    events.append(("rejected", key, rejected_detail, stamp))
                if item_status == "approved":
                    events.append(("approved", key, None, stamp))
            elif owner == "support":
                if item_status == "done":
                    events.append(("done", key, None, stamp))
            elif item_status in ("passed", "failed"):
                events.append((f"check_{item_status}", key, check_detail, stamp))
        span = last_activity - created
        for _ in range(HISTORY_PER_MERCHANT - len(events)):
            events.append(("comment_added", None, comment_detail, _stamp(created + span * random_value())))
        history_rows.extend(
            (merchant_id, item_key, action, detail, owner_id, owner_name, moment)
            for action, item_key, detail, moment in events
        )
        if len(history_rows) >= BATCH:
            writer.flush()
    writer.flush()
    for _name, sql in indexes:
        cursor.execute(sql)
    # The planner statistics a long-lived database has (PostgreSQL's autovacuum keeps them; here we ask once).
    cursor.execute("ANALYZE")
    driver.commit()
    cursor.execute("PRAGMA foreign_keys=ON")  # the connection goes back to the app's pool as it came
    session.commit()
    return count
