"""The item life cycle, gating and overrides, derived stage and progress, history and conflicts."""

import pytest
from sqlmodel import Session, select

from models import ChecklistItem, HistoryEvent, Merchant, Submission
from models.db import get_engine
from onboarding.core.access import Actor
from onboarding.core.errors import AccessDenied, ConflictError, GateClosed, ValidationError
from onboarding.process import checklist, transitions
from onboarding.process.definition import default_process
from onboarding.process.merchants import create_merchant, merchant_view
from tests.samples import submit_valid

SUPPORT = Actor(id=None, name="Li Wei", role="support")


def item(session, merchant, key) -> ChecklistItem:
    row = session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == key)
    ).one()
    session.refresh(row)
    return row


def events(session, merchant) -> list[tuple[str, str | None, str]]:
    rows = session.exec(select(HistoryEvent).where(HistoryEvent.merchant_id == merchant.id).order_by(HistoryEvent.id))
    return [(event.action, event.item_key, event.actor_name) for event in rows]


def merchant_user(merchant) -> Actor:
    return Actor(id=None, name="Emily Carter", role="merchant", merchant_id=merchant.id)


def finish_stage(session, admin, merchant, stage_index):
    """Complete every applicable item of one stage the way its owner would."""
    session.refresh(merchant)
    for definition in checklist.applicable_items(default_process(), merchant):
        if definition.stage_index != stage_index:
            continue
        row = item(session, merchant, definition.key)
        if definition.owner == "merchant":
            submit_valid(session, merchant_user(merchant), row, definition, merchant)
            row = item(session, merchant, definition.key)
            checklist.approve(session, admin, row.id, row.version)
        elif transitions.proven_by_query(definition) or definition.owner == "automatic":
            checklist.record_result(session, admin, merchant.id, definition.key, True, "ok")
        else:
            note = "every other item is complete" if definition.confirm else None
            checklist.complete(session, admin, row.id, row.version, note=note)
        session.refresh(merchant)


def test_merchant_item_goes_todo_submitted_approved(session, admin, merchant):
    row = item(session, merchant, "sandbox_account_type")
    assert row.status == "todo"
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "public")
    row = item(session, merchant, "sandbox_account_type")
    assert (row.status, row.value) == ("submitted", "public")
    checklist.approve(session, admin, row.id, row.version)
    assert item(session, merchant, "sandbox_account_type").status == "approved"
    assert events(session, merchant)[-2:] == [
        ("submitted", "sandbox_account_type", "Emily Carter"),
        ("approved", "sandbox_account_type", "Local admin"),
    ]


def test_rejection_needs_a_reason_and_the_merchant_can_resubmit(session, admin, merchant):
    row = item(session, merchant, "sandbox_account_type")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "public")
    row = item(session, merchant, "sandbox_account_type")
    with pytest.raises(ValidationError) as caught:
        checklist.reject(session, admin, row.id, row.version, "   ")
    assert caught.value.key == "error.reason_required"
    assert item(session, merchant, "sandbox_account_type").status == "submitted"
    checklist.reject(session, admin, row.id, row.version, "Use the public account for now")
    row = item(session, merchant, "sandbox_account_type")
    assert (row.status, row.rejection_reason) == ("rejected", "Use the public account for now")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "public", note="switched")
    row = item(session, merchant, "sandbox_account_type")
    assert row.status == "submitted" and row.rejection_reason is None
    versions = session.exec(select(Submission.number).where(Submission.item_id == row.id)).all()
    assert sorted(versions) == [1, 2]
    assert [a for a, k, _ in events(session, merchant) if k == "sandbox_account_type"] == [
        "submitted",
        "rejected",
        "resubmitted",
    ]


def test_support_items_go_todo_done_and_merchants_cannot_do_them(session, admin, merchant):
    finish_stage(session, admin, merchant, 0)
    finish_stage(session, admin, merchant, 1)
    row = item(session, merchant, "sandbox_signoff")
    with pytest.raises(AccessDenied):
        checklist.complete(session, merchant_user(merchant), row.id, row.version)
    checklist.complete(session, admin, row.id, row.version)
    assert item(session, merchant, "sandbox_signoff").status == "done"
    with pytest.raises(ValidationError):
        checklist.complete(session, admin, row.id, row.version + 1)


def test_merchant_cannot_approve_its_own_submission(session, admin, merchant):
    row = item(session, merchant, "sandbox_account_type")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "public")
    row = item(session, merchant, "sandbox_account_type")
    with pytest.raises(AccessDenied):
        checklist.approve(session, merchant_user(merchant), row.id, row.version)
    assert item(session, merchant, "sandbox_account_type").status == "submitted"


def test_merchant_user_of_another_merchant_is_refused(session, admin, merchant, merchant_input):
    other = create_merchant(session, admin, merchant_input, allow_duplicate=True)
    row = item(session, merchant, "sandbox_account_type")
    with pytest.raises(AccessDenied):
        checklist.submit(session, merchant_user(other), row.id, row.version, "public")
    with pytest.raises(AccessDenied):
        merchant_view(session, merchant_user(other), merchant.id)


def test_conditional_items_appear_only_when_they_apply(session, admin, merchant):
    def keys():
        session.refresh(merchant)
        return {i.key for i in merchant_view(session, admin, merchant.id).items}

    assert "sandbox_ids" not in keys() and "pci_dss_certificate" not in keys()
    row = item(session, merchant, "sandbox_account_type")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "self_registered")
    checklist.approve(session, admin, row.id, item(session, merchant, "sandbox_account_type").version)
    assert {"sandbox_ids", "sandbox_configured"} <= keys()
    merchant.integration_mode = "non_hosted"
    session.add(merchant)
    session.commit()
    assert "pci_dss_certificate" in keys()


def test_a_stage_opens_only_when_the_previous_one_is_complete(session, admin, merchant):
    row = item(session, merchant, "sandbox_signoff")
    with pytest.raises(GateClosed):
        checklist.complete(session, admin, row.id, row.version)
    finish_stage(session, admin, merchant, 0)
    assert merchant.current_stage == 1
    finish_stage(session, admin, merchant, 1)
    assert merchant.current_stage == 2
    checklist.complete(session, admin, row.id, row.version)
    assert item(session, merchant, "sandbox_signoff").status == "done"


def test_admin_can_override_a_gate_with_a_reason_that_shows_in_history(session, admin, merchant):
    with pytest.raises(AccessDenied):
        checklist.override_gate(session, SUPPORT, merchant.id, 1, "urgent launch")
    with pytest.raises(ValidationError):
        checklist.override_gate(session, admin, merchant.id, 1, "")
    with pytest.raises(ValidationError):
        checklist.override_gate(session, admin, merchant.id, 2, "skip two stages")
    checklist.override_gate(session, admin, merchant.id, 1, "Merchant already tested with the public account")
    session.refresh(merchant)
    assert merchant.current_stage == 1
    derived = checklist.derive_for(session, merchant)
    assert derived.stages[1].is_open and derived.stages[1].overridden and not derived.stages[0].is_complete
    row = item(session, merchant, "integration_mode")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "hosted_checkout")
    override = list(session.exec(select(HistoryEvent).where(HistoryEvent.action == "gate_overridden")))
    assert len(override) == 1 and "already tested" in override[0].detail and override[0].actor_name == "Local admin"


def test_derived_stage_and_progress_follow_the_items(session, admin, merchant):
    process = default_process()
    applicable = [item for item in checklist.applicable_items(process, merchant) if item.required]
    first_stage = [item for item in applicable if item.stage_index == 0]
    assert (merchant.current_stage, merchant.progress) == (0, 0.0)
    finish_stage(session, admin, merchant, 0)
    assert merchant.progress == pytest.approx(len(first_stage) / len(applicable), abs=1e-4)
    for stage in range(1, len(process.stages)):
        finish_stage(session, admin, merchant, stage)
    assert (merchant.current_stage, merchant.progress, merchant.status) == (len(process.stages), 1.0, "launched")
    assert merchant.launched_at is not None
    stage_events = [a for a, _, _ in events(session, merchant) if a == "stage_entered"]
    assert len(stage_events) == len(process.stages)


def test_reopening_an_item_moves_the_merchant_back(session, admin, merchant):
    finish_stage(session, admin, merchant, 0)
    assert merchant.current_stage == 1
    row = item(session, merchant, "sandbox_credentials_work")
    with pytest.raises(ValidationError):
        checklist.reopen(session, admin, row.id, row.version, "")
    checklist.reopen(session, admin, row.id, row.version, "Salt was rotated")
    session.refresh(merchant)
    assert merchant.current_stage == 0 and item(session, merchant, "sandbox_credentials_work").status == "todo"


def test_failed_automatic_check_keeps_the_stage_open(session, admin, merchant):
    checklist.record_result(session, admin, merchant.id, "sandbox_credentials_work", False, "104000")
    assert item(session, merchant, "sandbox_credentials_work").status == "failed"
    with pytest.raises(ValidationError):
        checklist.record_result(session, admin, merchant.id, "sandbox_account_type", True, "no")


def test_second_writer_of_the_same_item_is_told_who_changed_it(session, admin, merchant, database_url):
    row = item(session, merchant, "sandbox_account_type")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "public")
    stale_version = item(session, merchant, "sandbox_account_type").version
    with Session(get_engine(database_url), expire_on_commit=False) as other:
        checklist.approve(other, Actor(id=None, name="Anna Schmidt", role="support"), row.id, stale_version)
    with pytest.raises(ConflictError) as caught:
        checklist.reject(session, admin, row.id, stale_version, "too late")
    assert caught.value.params["who"] == "Anna Schmidt"
    assert "Anna Schmidt" in str(caught.value) and "Reload" in str(caught.value)
    row = item(session, merchant, "sandbox_account_type")
    assert (row.status, row.rejection_reason) == ("approved", None)
    actions = [a for a, k, _ in events(session, merchant) if k == "sandbox_account_type"]
    assert actions == ["submitted", "approved"]


def test_submission_needs_evidence_and_a_valid_choice(session, admin, merchant):
    row = item(session, merchant, "sandbox_account_type")
    with pytest.raises(ValidationError):
        checklist.submit(session, merchant_user(merchant), row.id, row.version, "")
    with pytest.raises(ValidationError):
        checklist.submit(session, merchant_user(merchant), row.id, row.version, "private-cloud")
    assert item(session, merchant, "sandbox_account_type").status == "todo"
    assert session.exec(select(Submission)).all() == []


def test_every_write_is_recorded_with_the_acting_user(session, admin, merchant):
    finish_stage(session, admin, merchant, 0)
    recorded = events(session, merchant)
    assert recorded[0] == ("merchant_created", None, "Local admin")
    assert all(name for _, _, name in recorded)
    stored = session.get(Merchant, merchant.id)
    assert stored.last_activity_at >= stored.created_at
