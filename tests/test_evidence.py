"""Uploads are checked by content, stored under their digest, and never leave an orphan file."""

import io
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlmodel import select

from models import ChecklistItem, EvidenceFile, Submission
from onboarding.core.access import Actor
from onboarding.core.errors import AccessDenied, ValidationError
from onboarding.process import checklist
from onboarding.review import evidence
from tests.samples import pdf_bytes, png_bytes
from tests.test_checklist import finish_stage


def _item(session, merchant, key):
    return session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == key)
    ).one()


@pytest.fixture
def screenshot_item(session, admin, merchant):
    for stage in range(3):
        finish_stage(session, admin, merchant, stage)
    return _item(session, merchant, "self_test_screenshot")


@pytest.fixture
def certificate_item(session, admin, merchant):
    merchant.integration_mode = "non_hosted"
    session.add(merchant)
    session.commit()
    finish_stage(session, admin, merchant, 0)
    return _item(session, merchant, "pci_dss_certificate")


def _stored_files(data_dir):
    root = data_dir / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_valid_screenshot_is_stored_by_digest_and_submitted(session, admin, screenshot_item, data_dir):
    data = png_bytes()
    submission = evidence.submit_file(session, admin, screenshot_item.id, screenshot_item.version, data, "shot.png")
    stored = session.get(EvidenceFile, submission.file_sha256)
    files = {path.name: path for path in _stored_files(data_dir)}
    assert set(files) == {submission.file_sha256, stored.thumbnail_sha256}, "the image and its thumbnail"
    assert files[submission.file_sha256].read_bytes() == data
    read, content_type, name = evidence.read_file(session, admin, submission.id)
    assert (read, content_type, name) == (data, "image/png", "shot.png")
    assert session.get(ChecklistItem, screenshot_item.id).status == "submitted"


@pytest.mark.parametrize("payload", [b"MZ\x90\x00\x03" + b"\x00" * 200, b"just some text, not an image\n" * 20])
def test_a_renamed_executable_or_text_file_is_refused(session, admin, screenshot_item, data_dir, payload):
    with pytest.raises(ValidationError) as caught:
        evidence.submit_file(session, admin, screenshot_item.id, screenshot_item.version, payload, "shot.png")
    assert caught.value.key == "error.not_an_image"
    assert _stored_files(data_dir) == []
    assert session.exec(select(Submission).where(Submission.item_id == screenshot_item.id)).all() == []


def test_an_oversized_image_is_refused_with_a_message(session, admin, screenshot_item, data_dir):
    with pytest.raises(ValidationError) as caught:
        evidence.submit_file(
            session,
            admin,
            screenshot_item.id,
            screenshot_item.version,
            png_bytes() + b"\x00" * evidence.MAX_IMAGE_BYTES,
            "big.png",
        )
    assert caught.value.key == "error.image_too_large" and "10 MB" in str(caught.value)
    assert _stored_files(data_dir) == []


def test_a_path_in_the_file_name_is_never_used_to_store(session, admin, screenshot_item, data_dir):
    submission = evidence.submit_file(
        session, admin, screenshot_item.id, screenshot_item.version, png_bytes(), "../../etc/passwd.png"
    )
    files = _stored_files(data_dir)
    assert len(files) == 2 and all((data_dir / "evidence") in path.parents for path in files)  # image, thumbnail
    assert submission.file_sha256 in {path.name for path in files}
    assert submission.file_name == "passwd.png"
    assert "/" not in submission.file_name


def test_a_decompression_bomb_is_refused(session, admin, screenshot_item, data_dir):
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, "PNG", optimize=True)  # 81 megapixels in a small file
    assert len(buffer.getvalue()) < evidence.MAX_IMAGE_BYTES
    with pytest.raises(ValidationError) as caught:
        evidence.submit_file(session, admin, screenshot_item.id, screenshot_item.version, buffer.getvalue(), "bomb.png")
    assert caught.value.key == "error.image_too_many_pixels"
    assert _stored_files(data_dir) == []


def test_a_truncated_image_is_refused(session, admin, screenshot_item):
    with pytest.raises(ValidationError):
        evidence.submit_file(
            session, admin, screenshot_item.id, screenshot_item.version, png_bytes(400, 400)[:300], "cut.png"
        )


def test_a_pdf_is_checked_by_content_and_needs_a_future_expiry(session, admin, certificate_item, data_dir):
    future = date.today() + timedelta(days=200)
    with pytest.raises(ValidationError) as caught:
        evidence.submit_file(
            session,
            admin,
            certificate_item.id,
            certificate_item.version,
            b"<html>not a pdf</html>",
            "aoc.pdf",
            expires_on=future,
        )
    assert caught.value.key == "error.not_a_pdf"
    with pytest.raises(ValidationError) as caught:
        evidence.submit_file(
            session,
            admin,
            certificate_item.id,
            certificate_item.version,
            pdf_bytes(),
            "aoc.pdf",
            expires_on=date.today() - timedelta(days=1),
        )
    assert caught.value.key == "error.document_expired"
    assert _stored_files(data_dir) == []
    submission = evidence.submit_file(
        session, admin, certificate_item.id, certificate_item.version, pdf_bytes(), "aoc.pdf", expires_on=future
    )
    assert evidence.read_file(session, admin, submission.id)[1] == "application/pdf"
    assert submission.expires_on == future


def test_a_failure_between_file_write_and_commit_leaves_no_orphan(
    session, admin, screenshot_item, data_dir, monkeypatch
):
    def broken_submit(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(checklist, "submit", broken_submit)
    with pytest.raises(RuntimeError):
        evidence.submit_file(session, admin, screenshot_item.id, screenshot_item.version, png_bytes(), "shot.png")
    assert _stored_files(data_dir) == []
    assert session.exec(select(EvidenceFile)).all() == []


def test_orphans_left_by_a_crash_are_collected(session, data_dir):
    stray = data_dir / "evidence" / "ab" / ("ab" + "0" * 62)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left behind")
    assert evidence.collect_orphans(session) == 1
    assert not stray.exists()


def test_a_merchant_cannot_read_another_merchants_file(session, admin, screenshot_item):
    submission = evidence.submit_file(
        session, admin, screenshot_item.id, screenshot_item.version, png_bytes(), "shot.png"
    )
    with pytest.raises(AccessDenied):
        evidence.read_file(session, Actor(id=None, name="x", role="merchant", merchant_id=999), submission.id)
