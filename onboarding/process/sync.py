"""Every merchant follows the process file: new items get rows, removed items retire, completed stages stay complete."""

from dataclasses import dataclass, field

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import ChecklistItem, Merchant, StageOverride
from onboarding.core import clock
from onboarding.core.access import Actor
from onboarding.process import checklist, history
from onboarding.process.definition import Process, default_process

PROCESS_UPDATE = Actor(id=None, name="Process update", role="admin")
CHUNK = 500


@dataclass
class SyncReport:
    """What one sync changed, over all merchants."""

    version: int
    merchants: int = 0
    added: int = 0
    waived: int = 0
    retired: int = 0
    restored: int = 0
    moved: int = 0
    changed_merchants: list[int] = field(default_factory=list)


def _out_of_date(session: Session, process: Process) -> list[int]:
    query = select(Merchant.id).where(
        or_(col(Merchant.process_digest).is_(None), Merchant.process_digest != process.digest)
    )
    return list(session.exec(query.order_by(Merchant.id)))


def _completed_stages(process: Process, merchant: Merchant, rows: list[ChecklistItem], overrides: set[int]) -> set[int]:
    """The stages this merchant had completed before the update (judged by the items it already had)."""
    if merchant.status == "launched":
        return {stage.index for stage in process.stages}  # launched stays launched: nothing new to do
    known = {row.item_key for row in rows if row.retired_at is None}
    statuses = {row.item_key: row.status for row in rows if row.retired_at is None}
    # items the merchant has no row for yet count as complete, so that the state before the update is judged
    before = {item.key: statuses.get(item.key, "waived") for item in process.items}
    derived = checklist.derive(process, merchant, before, overrides)
    return {
        state.index
        for state in derived.stages
        if state.is_open and state.is_complete and any(item.key in known for item in process.stages[state.index].items)
    }


def _sync_merchant(
    session: Session, process: Process, merchant: Merchant, rows: list[ChecklistItem], overrides: set[int], now
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Bring one merchant's rows in line with the process; returns the keys per kind of change and the statuses."""
    by_key = {row.item_key: row for row in rows}
    positions = {item.key: item for item in process.items}
    changes: dict[str, list[str]] = {"added": [], "waived": [], "retired": [], "restored": [], "moved": []}
    completed = _completed_stages(process, merchant, rows, overrides)
    for row in rows:
        item = positions.get(row.item_key)
        if item is None:
            if row.retired_at is None:
                row.retired_at = now
                changes["retired"].append(row.item_key)
                session.add(row)
            continue
        if row.retired_at is not None:
            row.retired_at = None
            changes["restored"].append(row.item_key)
            session.add(row)
        if row.stage_index != item.stage_index:
            row.stage_index = item.stage_index
            changes["moved"].append(row.item_key)
            session.add(row)
    for item in process.items:
        if item.key in by_key:
            continue
        waived = item.stage_index in completed
        session.add(
            ChecklistItem(
                merchant_id=merchant.id,
                item_key=item.key,
                stage_index=item.stage_index,
                status="waived" if waived else "todo",
                updated_by_name=PROCESS_UPDATE.name if waived else None,
                updated_at=now if waived else None,
            )
        )
        changes["waived" if waived else "added"].append(item.key)
    statuses = {row.item_key: row.status for row in rows if row.retired_at is None}
    statuses |= dict.fromkeys(changes["waived"], "waived") | dict.fromkeys(changes["added"], "todo")
    return changes, statuses


def _sync_chunk(session: Session, process: Process, merchant_ids: list[int], report: SyncReport) -> None:
    now = clock.now()
    merchants = list(session.exec(select(Merchant).where(col(Merchant.id).in_(merchant_ids))))
    rows: dict[int, list[ChecklistItem]] = {merchant_id: [] for merchant_id in merchant_ids}
    for row in session.exec(select(ChecklistItem).where(col(ChecklistItem.merchant_id).in_(merchant_ids))):
        rows[row.merchant_id].append(row)
    overrides: dict[int, set[int]] = {merchant_id: set() for merchant_id in merchant_ids}
    for merchant_id, stage_index in session.exec(
        select(StageOverride.merchant_id, StageOverride.stage_index).where(
            col(StageOverride.merchant_id).in_(merchant_ids)
        )
    ):
        overrides[merchant_id].add(stage_index)
    for merchant in merchants:
        changes, statuses = _sync_merchant(session, process, merchant, rows[merchant.id], overrides[merchant.id], now)
        if any(changes.values()):
            history.record(
                session,
                PROCESS_UPDATE,
                "process_updated",
                merchant.id,
                version=process.version,
                **{kind: ", ".join(keys) for kind, keys in changes.items() if keys},
            )
            report.changed_merchants.append(merchant.id)
        # derived in memory: rules (`required`, conditions) may have changed even where no row did
        derived = checklist.derive(process, merchant, statuses, overrides[merchant.id])
        checklist.apply_derived(session, PROCESS_UPDATE, merchant, derived, process, activity=False)
        report.added += len(changes["added"])
        report.waived += len(changes["waived"])
        report.retired += len(changes["retired"])
        report.restored += len(changes["restored"])
        report.moved += len(changes["moved"])
        merchant.process_version = process.version
        merchant.process_digest = process.digest
        session.add(merchant)
    report.merchants += len(merchants)
    session.commit()


def sync_all(session: Session, process: Process | None = None) -> SyncReport:
    """Sync every merchant whose checklist follows another process file than `process`; idempotent."""
    process = process or default_process()
    report = SyncReport(version=process.version)
    pending = _out_of_date(session, process)
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start : start + CHUNK]
        try:
            _sync_chunk(session, process, chunk, report)
        except IntegrityError:
            # another instance synced the same merchants at the same moment: read what it wrote, once
            session.rollback()
            still = set(_out_of_date(session, process))
            _sync_chunk(session, process, [merchant_id for merchant_id in chunk if merchant_id in still], report)
    return report
