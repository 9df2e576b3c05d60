"""Item life cycle, stage gating and derived progress: the process rules in one place."""

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from models import ChecklistItem, Merchant, StageOverride, StageStay, Submission
from onboarding.core import clock, validation
from onboarding.core.access import Actor, require_admin, require_merchant_access, require_staff
from onboarding.core.errors import ConflictError, GateClosed, NotFound, ValidationError
from onboarding.notifications import events
from onboarding.process import history, transitions
from onboarding.process.definition import Item, Process, default_process

MAX_REASON = 2000


@dataclass(frozen=True)
class StageState:
    """A stage of one merchant as derived from its items and overrides."""

    index: int
    is_open: bool
    is_complete: bool
    overridden: bool
    done: int
    total: int


@dataclass(frozen=True)
class Derived:
    """What a merchant's items say about it: stage states, current stage, progress."""

    stages: tuple[StageState, ...]
    current_stage: int
    progress: float


def applicable_items(process: Process, merchant: Merchant) -> list[Item]:
    """The items of the process that apply to this merchant (conditions evaluated)."""
    return [item for item in process.items if item.applies_to(merchant)]


def derive(process: Process, merchant: Merchant, statuses: dict[str, str], overridden: set[int]) -> Derived:
    """Stage states, current stage and progress from item statuses and gate overrides."""
    states: list[StageState] = []
    previous_open, previous_complete = True, True
    required_total = required_done = 0
    for stage in process.stages:
        items = [item for item in stage.items if item.required and item.applies_to(merchant)]
        done = sum(1 for item in items if transitions.is_complete(statuses.get(item.key, "")))
        is_override = stage.index in overridden
        is_open = stage.index == 0 or (previous_open and (previous_complete or is_override))
        is_complete = done == len(items)
        states.append(StageState(stage.index, is_open, is_complete, is_override, done, len(items)))
        previous_open, previous_complete = is_open, is_complete
        required_total += len(items)
        required_done += done
    open_stages = [state for state in states if state.is_open]
    last_open = open_stages[-1]
    current = len(states) if last_open.index == len(states) - 1 and last_open.is_complete else last_open.index
    progress = required_done / required_total if required_total else 1.0
    return Derived(tuple(states), current, round(progress, 4))


def _statuses(session: Session, merchant_id: int) -> dict[str, str]:
    rows = session.exec(
        select(ChecklistItem.item_key, ChecklistItem.status).where(ChecklistItem.merchant_id == merchant_id)
    )
    return dict(rows.all())


def _overrides(session: Session, merchant_id: int) -> set[int]:
    rows = session.exec(select(StageOverride.stage_index).where(StageOverride.merchant_id == merchant_id))
    return set(rows)


def derive_for(session: Session, merchant: Merchant, process: Process | None = None) -> Derived:
    """Derive the state of a stored merchant."""
    process = process or default_process()
    return derive(process, merchant, _statuses(session, merchant.id), _overrides(session, merchant.id))


def unmet_requirements(process: Process, merchant: Merchant, statuses: dict[str, str], item: Item) -> list[Item]:
    """The items `item` requires that apply to this merchant and are not complete yet, in process order."""
    required = set(item.requires)
    return [
        other
        for other in process.items
        if other.key in required
        and other.applies_to(merchant)
        and not transitions.is_complete(statuses.get(other.key, ""))
    ]


def waits_for_text(items: list[Item], limit: int = 3) -> dict[str, str]:
    """The titles of the items waited for, per language, the first few and how many more."""
    texts = {}
    for language, separator, more in (("en", ", ", " and {n} more"), ("zh", "、", " 等 {n} 项")):
        titles = separator.join(item.title[language] for item in items[:limit])
        texts[language] = titles + (more.format(n=len(items) - limit) if len(items) > limit else "")
    return texts


def _require_ready(session: Session, merchant: Merchant, item: Item) -> None:
    """Refuse to move an item forward while items it requires are incomplete, naming them."""
    if not item.requires:
        return
    waiting = unmet_requirements(default_process(), merchant, _statuses(session, merchant.id), item)
    if waiting:
        raise ValidationError("error.waits_for", items=waits_for_text(waiting))


def require_ready(session: Session, actor: Actor, merchant_id: int, item_key: str) -> None:
    """Refuse early (before a gateway call) when the item still waits for items it requires."""
    require_merchant_access(actor, merchant_id)
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("error.merchant_not_found")
    _require_ready(session, merchant, default_process().item(item_key))


def refresh_merchant(
    session: Session, actor: Actor, merchant: Merchant, process: Process | None = None, activity: bool = True
) -> Derived:
    """Recompute the merchant's cached stage and progress; record a stage change in history."""
    process = process or default_process()
    return apply_derived(session, actor, merchant, derive_for(session, merchant, process), process, activity)


def apply_derived(
    session: Session, actor: Actor, merchant: Merchant, derived: Derived, process: Process, activity: bool = True
) -> Derived:
    """Store a derived stage and progress on the merchant; a stage change goes into history, the last stage launches.

    `activity=False` (a process update) leaves the merchant's last activity alone and tells nobody.
    """
    now = clock.now()
    if derived.current_stage != merchant.current_stage:
        history.record(
            session, actor, "stage_entered", merchant.id, stage=derived.current_stage, previous=merchant.current_stage
        )
        opened = activity and derived.current_stage > merchant.current_stage
        # Analytics reads how long stays lasted from these rows, not by replaying the history.
        session.add(
            StageStay(
                merchant_id=merchant.id,
                stage_index=merchant.current_stage,
                entered_at=merchant.stage_entered_at,
                left_at=now,
                days=(now - merchant.stage_entered_at).total_seconds() / 86400,
            )
        )
        merchant.current_stage = derived.current_stage
        merchant.stage_entered_at = now
        if opened:
            events.stage_opened(session, actor, merchant, derived.current_stage)
        if derived.current_stage == len(process.stages) and merchant.status == "active":
            merchant.status = "launched"
            merchant.launched_at = now
            history.record(session, actor, "status_changed", merchant.id, status="launched", previous="active")
            if activity:
                events.went_live(session, actor, merchant)
    merchant.progress = derived.progress
    if activity:
        merchant.last_activity_at = now
    session.add(merchant)
    return derived


def create_items(session: Session, merchant: Merchant, process: Process | None = None) -> None:
    """Add one checklist row per process item (conditions are applied when read); the merchant is in sync."""
    process = process or default_process()
    for item in process.items:
        session.add(ChecklistItem(merchant_id=merchant.id, item_key=item.key, stage_index=item.stage_index))
    merchant.process_version = process.version
    merchant.process_digest = process.digest


def _load(session: Session, actor: Actor, item_id: int) -> tuple[ChecklistItem, Merchant, Item]:
    row = session.get(ChecklistItem, item_id)
    if row is None:
        raise NotFound("error.item_not_found")
    require_merchant_access(actor, row.merchant_id)
    process = default_process()
    if row.retired_at is not None or row.item_key not in process.keys:
        raise NotFound("error.item_retired")
    merchant = session.get(Merchant, row.merchant_id)
    return row, merchant, process.item(row.item_key)


def _require_open(session: Session, merchant: Merchant, item: Item) -> None:
    derived = derive_for(session, merchant)
    if not derived.stages[item.stage_index].is_open:
        raise GateClosed("error.stage_locked")
    if not item.applies_to(merchant):
        raise ValidationError("error.item_not_applicable")


def _change(session: Session, actor: Actor, row: ChecklistItem, expected_version: int, **values) -> None:
    """Write new values only if nobody changed the row since `expected_version` was read."""
    now = clock.now()
    result = session.execute(
        update(ChecklistItem)
        .where(col(ChecklistItem.id) == row.id, col(ChecklistItem.version) == expected_version)
        .values(
            version=expected_version + 1, updated_by_id=actor.id, updated_by_name=actor.name, updated_at=now, **values
        )
    )
    if result.rowcount != 1:
        session.rollback()
        current = session.get(ChecklistItem, row.id)
        session.refresh(current)
        raise ConflictError(
            "error.conflict",
            who=current.updated_by_name or "?",
            when=current.updated_at.strftime("%Y-%m-%d %H:%M UTC") if current.updated_at else "?",
        )
    session.refresh(row)


def _finish(session: Session, actor: Actor, merchant: Merchant) -> None:
    refresh_merchant(session, actor, merchant)
    session.commit()


def _check_reason(reason: str | None, missing: str = "error.reason_required") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(missing)
    if len(reason) > MAX_REASON:
        raise ValidationError("error.reason_too_long", limit=MAX_REASON)
    return reason


def submit(
    session: Session,
    actor: Actor,
    item_id: int,
    expected_version: int,
    value: str,
    kind: str | None = None,
    note: str | None = None,
    file_sha256: str | None = None,
    file_name: str | None = None,
    expires_on=None,
) -> Submission:
    """Hand in evidence for a merchant item: todo/rejected/submitted → submitted, as a new version."""
    row, merchant, item = _load(session, actor, item_id)
    if item.owner != "merchant":
        raise ValidationError("error.not_merchant_item")
    _require_open(session, merchant, item)
    transition = transitions.require(transitions.SUBMIT, item, row.status)
    _require_ready(session, merchant, item)
    value = (value or "").strip()
    if not value and item.evidence != "none":
        raise ValidationError("error.evidence_required")
    if item.evidence == "choice" and value not in item.choices:
        raise ValidationError("error.bad_choice", choices=", ".join(item.choices))
    if item.evidence in ("image", "document") and file_sha256 is None:
        raise ValidationError("error.file_required")
    if item.evidence == "link":
        value = validation.normalise_url(value, field="link")
    if item.evidence == "identifier":
        value = validation.normalise_identifiers(value)
    resubmitted = transitions.is_resubmission(row.status)
    now = clock.now()
    _change(
        session,
        actor,
        row,
        expected_version,
        status=transition.target,
        value=value,
        rejection_reason=None,
        submitted_at=now,
    )
    number = len(session.exec(select(Submission.id).where(Submission.item_id == row.id)).all()) + 1
    submission = Submission(
        item_id=row.id,
        merchant_id=merchant.id,
        number=number,
        kind=kind or item.evidence,
        value=value,
        note=(note or "").strip()[:2000] or None,
        created_by_id=actor.id,
        created_by_name=actor.name,
        created_at=now,
        file_sha256=file_sha256,
        file_name=file_name,
        expires_on=expires_on,
    )
    session.add(submission)
    history.record(
        session,
        actor,
        "resubmitted" if resubmitted else "submitted",
        merchant.id,
        item.key,
        value=value,
        version=number,
    )
    events.evidence_submitted(session, actor, merchant, row, number)
    _finish(session, actor, merchant)
    return submission


def approve(session: Session, actor: Actor, item_id: int, expected_version: int) -> ChecklistItem:
    """Support accepts a submitted merchant item: submitted → approved."""
    require_staff(actor)
    row, merchant, item = _load(session, actor, item_id)
    transition = transitions.require(transitions.APPROVE, item, row.status)
    _require_ready(session, merchant, item)
    _change(session, actor, row, expected_version, status=transition.target)
    if item.sets and row.value:
        setattr(merchant, item.sets, row.value)
    history.record(session, actor, "approved", merchant.id, item.key, value=row.value)
    events.item_approved(session, actor, merchant, row)
    _finish(session, actor, merchant)
    return row


def reject(session: Session, actor: Actor, item_id: int, expected_version: int, reason: str) -> ChecklistItem:
    """Support refuses a submitted merchant item (or a support review) with a reason the merchant sees."""
    require_staff(actor)
    reason = _check_reason(reason)
    row, merchant, item = _load(session, actor, item_id)
    transition = transitions.require(transitions.REJECT, item, row.status)
    _require_open(session, merchant, item)
    _change(session, actor, row, expected_version, status=transition.target, rejection_reason=reason)
    history.record(session, actor, "rejected", merchant.id, item.key, reason=reason)
    events.item_rejected(session, actor, merchant, row, reason)
    _finish(session, actor, merchant)
    return row


def complete(
    session: Session, actor: Actor, item_id: int, expected_version: int, note: str | None = None
) -> ChecklistItem:
    """Support does one of its own steps: todo/rejected → done; a `confirm` item (go-live) needs a written reason."""
    require_staff(actor)
    row, merchant, item = _load(session, actor, item_id)
    transition = transitions.require(transitions.COMPLETE_STEP, item, row.status)
    _require_open(session, merchant, item)
    _require_ready(session, merchant, item)
    note = _check_reason(note, "error.confirm_reason_required") if item.confirm else (note or "").strip() or None
    _change(
        session, actor, row, expected_version, status=transition.target, value=note or row.value, rejection_reason=None
    )
    history.record(session, actor, "done", merchant.id, item.key, note=note)
    _finish(session, actor, merchant)
    return row


def reopen(session: Session, actor: Actor, item_id: int, expected_version: int, reason: str) -> ChecklistItem:
    """Support takes back an approval or a done step, with a reason: → todo."""
    require_staff(actor)
    reason = _check_reason(reason)
    row, merchant, item = _load(session, actor, item_id)
    transition = transitions.require(transitions.REOPEN, item, row.status)
    _change(session, actor, row, expected_version, status=transition.target, rejection_reason=None)
    history.record(session, actor, "reopened", merchant.id, item.key, reason=reason)
    _finish(session, actor, merchant)
    return row


def override_item(session: Session, actor: Actor, item_id: int, expected_version: int, reason: str) -> ChecklistItem:
    """An admin completes a transaction item without the verified production query, with a written reason."""
    require_admin(actor)
    reason = _check_reason(reason, "error.override_reason_required")
    row, merchant, item = _load(session, actor, item_id)
    transition = transitions.require(transitions.OVERRIDE, item, row.status)
    _require_open(session, merchant, item)
    _require_ready(session, merchant, item)
    _change(session, actor, row, expected_version, status=transition.target, value=reason, rejection_reason=None)
    history.record(session, actor, "item_overridden", merchant.id, item.key, reason=reason)
    _finish(session, actor, merchant)
    return row


def record_result(
    session: Session, actor: Actor, merchant_id: int, item_key: str, passed: bool, summary: str
) -> ChecklistItem:
    """An automatic check ran (passed or failed), or a production query verified a transaction item."""
    require_staff(actor)
    require_merchant_access(actor, merchant_id)
    row = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == merchant_id,
            ChecklistItem.item_key == item_key,
            col(ChecklistItem.retired_at).is_(None),
        )
    ).first()
    process = default_process()
    if row is None or item_key not in process.keys:
        raise NotFound("error.item_not_found")
    item = process.item(item_key)
    merchant = session.get(Merchant, merchant_id)
    if item.owner == "automatic":
        action = transitions.CHECK_PASSED if passed else transitions.CHECK_FAILED
    else:
        action = transitions.VERIFIED
    transition = transitions.require(action, item, row.status)
    if passed and transition.forward:
        _require_ready(session, merchant, item)
    # a failed verification keeps the item where it was and records what the query found
    status = transition.target if passed or item.owner == "automatic" else row.status
    _change(session, actor, row, row.version, status=status, value=summary)
    history.record(session, actor, "check_passed" if passed else "check_failed", merchant_id, item_key, summary=summary)
    _finish(session, actor, merchant)
    return row


def override_gate(session: Session, actor: Actor, merchant_id: int, stage_index: int, reason: str) -> StageOverride:
    """An admin opens a stage before the previous one is complete, with a written reason."""
    require_admin(actor)
    reason = _check_reason(reason)
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("error.merchant_not_found")
    process = default_process()
    if not 0 < stage_index < len(process.stages):
        raise ValidationError("error.bad_stage")
    derived = derive_for(session, merchant, process)
    state = derived.stages[stage_index]
    if state.is_open:
        raise ValidationError("error.stage_already_open")
    if not derived.stages[stage_index - 1].is_open:
        raise ValidationError("error.previous_stage_locked")
    override = StageOverride(
        merchant_id=merchant_id, stage_index=stage_index, reason=reason, created_by_id=actor.id, created_at=clock.now()
    )
    session.add(override)
    session.flush()
    history.record(session, actor, "gate_overridden", merchant_id, stage=stage_index, reason=reason)
    _finish(session, actor, merchant)
    return override
