"""A changed process file reaches every merchant: new items get rows, removed items retire, nobody is pulled back."""

import os
import subprocess
import sys

import pytest
from sqlmodel import col, select

from models import ChecklistItem, HistoryEvent, Merchant, Submission
from onboarding.core.config import get_settings
from onboarding.operations import demo
from onboarding.operations.startup import prepare
from onboarding.process import checklist, merchants, sync
from onboarding.process.definition import DEFAULT_PROCESS_FILE, default_process
from onboarding.process.history import detail_of
from onboarding.review import queue
from tests.conftest import ROOT
from tests.test_checklist import finish_stage, item, merchant_user

NEW_KEY = "refund_policy_page"
NEW_ITEM = f"""
  [[stages.items]]
  key = "{NEW_KEY}"
  owner = "merchant"
  evidence = "link"
  title = {{ en = "Refund policy page published", zh = "已发布退款政策页面" }}

"""
VERIFICATION_STAGE = '[[stages]]\nkey = "verification"'


def process_copy(tmp_path, edit, version: int = 3):
    """A copy of the shipped process file, edited as a support lead would, with a new version."""
    text = DEFAULT_PROCESS_FILE.read_text(encoding="utf-8")
    text = edit(text).replace("\nversion = 2\n", f"\nversion = {version}\n")
    path = tmp_path / f"process-{version}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def with_docking_item(text: str) -> str:
    """One more merchant item at the end of stage 4 (production docking)."""
    assert VERIFICATION_STAGE in text
    return text.replace(VERIFICATION_STAGE, NEW_ITEM.lstrip("\n") + VERIFICATION_STAGE)


def without_item(key: str):
    def edit(text: str) -> str:
        start = text.index(f'  key = "{key}"')
        block_start = text.rindex("  [[stages.items]]", 0, start)
        block_end = text.index("\n\n", start) + 2
        return text[:block_start] + text[block_end:]

    return edit


def use_process_file(monkeypatch, path) -> None:
    monkeypatch.setenv("ONBOARDING_PROCESS_FILE", str(path))
    get_settings.cache_clear()


def test_a_new_stage_four_item_reaches_every_demo_merchant_through_migrate(session, data_dir, tmp_path, monkeypatch):
    demo.seed(session)
    docking = default_process().stage("docking").index
    before = {
        m.id: (m.current_stage, m.status, m.launched_at, m.last_activity_at) for m in session.exec(select(Merchant))
    }
    assert any(stage > docking for stage, *_ in before.values()) and any(
        stage <= docking for stage, *_ in before.values()
    )
    changed = process_copy(tmp_path, with_docking_item)

    result = subprocess.run(
        [sys.executable, "-m", "onboarding", "migrate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "ONBOARDING_PROCESS_FILE": str(changed)},
    )

    assert result.returncode == 0, result.stderr
    assert f"{len(before)} merchants synced" in result.stdout
    session.expire_all()
    rows = dict(
        session.exec(
            select(ChecklistItem.merchant_id, ChecklistItem.status).where(ChecklistItem.item_key == NEW_KEY)
        ).all()
    )
    assert set(rows) == set(before), "every merchant has a row for the new item"
    for merchant in session.exec(select(Merchant)):
        stage, status, launched_at, last_activity = before[merchant.id]
        assert (merchant.current_stage, merchant.status, merchant.launched_at) == (stage, status, launched_at)
        assert merchant.last_activity_at == last_activity, "a process update is not the merchant's activity"
        assert rows[merchant.id] == ("waived" if stage > docking else "todo"), merchant.name
        assert merchant.process_version == 3
        update = session.exec(
            select(HistoryEvent).where(
                HistoryEvent.merchant_id == merchant.id, HistoryEvent.action == "process_updated"
            )
        ).one()
        assert detail_of(update) == {"version": 3, "waived" if stage > docking else "added": NEW_KEY}
    launched = [m for m in session.exec(select(Merchant)) if m.status == "launched"]
    assert launched and all(m.current_stage == len(default_process().stages) for m in launched)

    again = subprocess.run(
        [sys.executable, "-m", "onboarding", "migrate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "ONBOARDING_PROCESS_FILE": str(changed)},
    )
    assert "Every merchant follows the process file" in again.stdout, "a second run changes nothing"


def test_a_merchant_in_the_changed_stage_can_hand_the_new_item_in(session, admin, merchant, tmp_path, monkeypatch):
    for stage in range(default_process().stage("docking").index):
        finish_stage(session, admin, merchant, stage)
    use_process_file(monkeypatch, process_copy(tmp_path, with_docking_item))
    prepare()
    session.expire_all()
    view = merchants.merchant_view(session, admin, merchant.id)
    new = next(entry for entry in view.items if entry.key == NEW_KEY)
    assert new.status == "todo"
    docking = default_process().stage("docking")
    assert view.derived.stages[docking.index].total == len(docking.items)
    checklist.submit(session, merchant_user(merchant), new.id, new.version, "https://shop.example.com/refunds")
    assert item(session, merchant, NEW_KEY).status == "submitted"
    waiting = [entry for group in queue.waiting_page(session, admin).groups for entry in group.entries]
    assert any(entry.item_key == NEW_KEY for entry in waiting)


def test_a_new_item_in_a_completed_stage_is_waived_and_support_can_reopen_it(
    session, admin, merchant, tmp_path, monkeypatch
):
    process = default_process()
    for stage in range(process.stage("verification").index):
        finish_stage(session, admin, merchant, stage)
    stage_before, progress_before = merchant.current_stage, merchant.progress
    use_process_file(monkeypatch, process_copy(tmp_path, with_docking_item))
    prepare()
    session.expire_all()
    merchant = session.get(Merchant, merchant.id)
    row = item(session, merchant, NEW_KEY)
    assert row.status == "waived" and merchant.current_stage == stage_before
    assert merchant.progress >= progress_before, "a waived item counts as complete"
    checklist.reopen(session, admin, row.id, row.version, "We need the refund policy after all")
    assert item(session, merchant, NEW_KEY).status == "todo"
    session.refresh(merchant)
    assert merchant.current_stage == default_process().stage("docking").index


def test_a_removed_item_is_retired_with_its_history_and_comes_back_when_restored(
    session, admin, merchant, tmp_path, monkeypatch
):
    finish_stage(session, admin, merchant, 0)
    row = item(session, merchant, "integration_mode")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "hosted_checkout")
    use_process_file(monkeypatch, process_copy(tmp_path, without_item("integration_mode")))
    prepare()
    session.expire_all()

    retired = item(session, merchant, "integration_mode")
    assert retired.retired_at is not None and retired.status == "submitted"
    assert session.exec(select(Submission).where(Submission.item_id == retired.id)).all(), "evidence is kept"
    assert "integration_mode" not in {entry.key for entry in merchants.merchant_view(session, admin, merchant.id).items}
    waiting = [entry for group in queue.waiting_page(session, admin).groups for entry in group.entries]
    assert all(entry.item_key != "integration_mode" for entry in waiting)
    update = session.exec(select(HistoryEvent).where(HistoryEvent.action == "process_updated")).one()
    assert detail_of(update)["retired"] == "integration_mode"
    with pytest.raises(Exception) as refused:
        checklist.approve(session, admin, retired.id, retired.version)
    assert getattr(refused.value, "key", None) == "error.item_retired"

    use_process_file(monkeypatch, process_copy(tmp_path, lambda text: text, version=4))
    prepare()
    session.expire_all()
    back = item(session, merchant, "integration_mode")
    assert back.retired_at is None and back.status == "submitted"
    checklist.approve(session, admin, back.id, back.version)
    assert item(session, merchant, "integration_mode").status == "approved"


def test_removing_the_last_open_item_of_a_stage_moves_the_merchant_on(session, admin, merchant, tmp_path, monkeypatch):
    row = item(session, merchant, "sandbox_account_type")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "public")
    checklist.approve(session, admin, row.id, item(session, merchant, "sandbox_account_type").version)
    assert merchant.current_stage == 0
    use_process_file(monkeypatch, process_copy(tmp_path, without_item("sandbox_credentials_work")))
    report = prepare()
    assert (report.merchants, report.retired) == (1, 1)
    session.refresh(merchant)
    assert merchant.current_stage == 1


def test_the_sync_touches_only_merchants_on_another_process_file(session, admin, merchant):
    assert (merchant.process_version, merchant.process_digest) == (default_process().version, default_process().digest)
    assert sync.sync_all(session).merchants == 0
    merchant.process_digest = None  # as after the upgrade that introduced process versions
    session.add(merchant)
    session.commit()
    report = sync.sync_all(session)
    assert (report.merchants, report.added, report.retired) == (1, 0, 0)
    assert session.exec(select(HistoryEvent).where(col(HistoryEvent.action) == "process_updated")).all() == []
