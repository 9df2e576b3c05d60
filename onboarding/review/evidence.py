"""Evidence files: checked by content, stored once by SHA-256, shown only after an access check."""

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session, select

from models import ChecklistItem, EvidenceFile, Submission
from onboarding.core import clock, storage
from onboarding.core.access import Actor, require_merchant_access
from onboarding.core.config import get_settings
from onboarding.core.errors import NotFound, ValidationError
from onboarding.core.storage import StorageFull
from onboarding.process import checklist

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
PDF_TYPE = "application/pdf"


THUMBNAIL_BOX = 640  # pages show images at most 300 px wide; twice that stays sharp on dense screens
THUMBNAIL_TYPE = "image/webp"


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed its content checks (an image brings its thumbnail)."""

    data: bytes
    content_type: str
    width: int | None = None
    height: int | None = None
    thumbnail: "CheckedFile | None" = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _thumbnail_of(image: Image.Image) -> "CheckedFile":
    """A WebP copy that fits THUMBNAIL_BOX, from an image already decoded."""
    small = image.copy() if image.mode in ("RGB", "RGBA") else image.convert("RGBA")
    small.thumbnail((THUMBNAIL_BOX, THUMBNAIL_BOX), Image.Resampling.LANCZOS, reducing_gap=3.0)
    buffer = io.BytesIO()
    small.save(buffer, format="WEBP", quality=82, method=4)
    return CheckedFile(buffer.getvalue(), THUMBNAIL_TYPE, small.width, small.height)


def make_thumbnail(data: bytes) -> "CheckedFile":
    """The thumbnail of stored image bytes (images stored before thumbnails existed)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (THUMBNAIL_BOX, THUMBNAIL_BOX))  # JPEG decodes straight at a smaller scale
        image.load()
        return _thumbnail_of(image)


def check_image(data: bytes) -> CheckedFile:
    """A PNG, JPEG or WebP of at most 10 MB and 40 megapixels that really decodes."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError("error.image_too_large", limit_mb=MAX_IMAGE_BYTES // (1024 * 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ValidationError("error.image_too_many_pixels", limit=MAX_PIXELS // 1_000_000)
                if kind not in IMAGE_TYPES:
                    raise ValidationError("error.not_an_image")
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # verify() skips pixel data; decoding proves the file is whole
                # made from this one decode, once: pages never decode the full image again
                thumbnail = _thumbnail_of(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError("error.image_too_many_pixels", limit=MAX_PIXELS // 1_000_000) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError("error.not_an_image") from None
    return CheckedFile(data, IMAGE_TYPES[kind], width, height, thumbnail)


def check_pdf(data: bytes) -> CheckedFile:
    """A PDF of at most 20 MB, recognised by its signature and end marker, not by its name."""
    if len(data) > MAX_PDF_BYTES:
        raise ValidationError("error.pdf_too_large", limit_mb=MAX_PDF_BYTES // (1024 * 1024))
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationError("error.not_a_pdf")
    return CheckedFile(data, PDF_TYPE)


def evidence_dir() -> Path:
    """Where evidence files live: <data dir>/evidence."""
    return get_settings().data_dir / "evidence"


def path_for(sha256: str) -> Path:
    """The stored file of a digest; the name comes from the digest, never from the upload."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return evidence_dir() / sha256[:2] / sha256


def _write(checked: CheckedFile) -> tuple[Path, bool]:
    """Write the bytes atomically (temporary file, flush, fsync, rename); True when newly written."""
    target = path_for(checked.sha256)
    if target.exists():
        return target, False
    temporary = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(checked.data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        if storage.is_full(error):
            raise StorageFull() from error
        raise
    return target, True


def _file_row(checked: CheckedFile, thumbnail_sha256: str | None = None) -> EvidenceFile:
    return EvidenceFile(
        sha256=checked.sha256,
        size=len(checked.data),
        content_type=checked.content_type,
        width=checked.width,
        height=checked.height,
        created_at=clock.now(),
        thumbnail_sha256=thumbnail_sha256,
    )


def safe_display_name(name: str | None) -> str:
    """The upload's own name, only for display: no folders, no control characters, at most 120 characters."""
    base = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*').strip(" .")
    return cleaned[:120] or "upload"


def submit_file(
    session: Session,
    actor: Actor,
    item_id: int,
    expected_version: int,
    data: bytes,
    file_name: str | None,
    note: str | None = None,
    expires_on: date | None = None,
) -> Submission:
    """Check an uploaded file against the item's evidence kind, store it and submit it as a new version."""
    row = session.get(ChecklistItem, item_id)
    if row is None:
        raise NotFound("error.item_not_found")
    require_merchant_access(actor, row.merchant_id)
    from onboarding.process.definition import default_process

    kind = default_process().item(row.item_key).evidence
    if kind == "image":
        checked = check_image(data)
    elif kind == "document":
        checked = check_pdf(data)
        if expires_on is None:
            raise ValidationError("error.expiry_required")
        if expires_on <= clock.now().date():
            raise ValidationError("error.document_expired")
    else:
        raise ValidationError("error.no_file_for_item")
    display = safe_display_name(file_name)
    written = [_write(checked)]
    try:
        if checked.thumbnail is not None:
            written.append(_write(checked.thumbnail))
        thumbnail_sha256 = checked.thumbnail.sha256 if checked.thumbnail is not None else None
        if thumbnail_sha256 and session.get(EvidenceFile, thumbnail_sha256) is None:
            session.add(_file_row(checked.thumbnail))
        if session.get(EvidenceFile, checked.sha256) is None:
            session.add(_file_row(checked, thumbnail_sha256))
        return checklist.submit(
            session,
            actor,
            item_id,
            expected_version,
            value=display,
            kind=kind,
            note=note,
            file_sha256=checked.sha256,
            file_name=display,
            expires_on=expires_on,
        )
    except BaseException as error:
        session.rollback()
        for (path, created), stored in zip(written, (checked, checked.thumbnail), strict=False):
            if created and not _referenced(session, stored.sha256):
                path.unlink(missing_ok=True)
        if storage.is_full(error) and not isinstance(error, StorageFull):
            raise StorageFull() from error
        raise


def _referenced(session: Session, sha256: str) -> bool:
    return session.get(EvidenceFile, sha256) is not None


def describe_file(session: Session, actor: Actor, submission_id: int) -> tuple[str, str, str]:
    """The digest, safe content type and display name of a submission's file, after the access check."""
    submission = session.get(Submission, submission_id)
    if submission is None or submission.file_sha256 is None:
        raise NotFound("error.file_not_found")
    require_merchant_access(actor, submission.merchant_id)
    stored = session.get(EvidenceFile, submission.file_sha256)
    if stored is None or not path_for(submission.file_sha256).exists():
        raise NotFound("error.file_not_found")
    content_type = (
        stored.content_type if stored.content_type in (*IMAGE_TYPES.values(), PDF_TYPE) else "application/octet-stream"
    )
    return submission.file_sha256, content_type, submission.file_name or "evidence"


def thumbnail(session: Session, actor: Actor, submission_id: int) -> str:
    """The digest of a submitted image's thumbnail, after the access check (made once if it was never made)."""
    sha256, content_type, _ = describe_file(session, actor, submission_id)
    if not content_type.startswith("image/"):
        raise NotFound("error.file_not_found")
    stored = session.get(EvidenceFile, sha256)
    if stored.thumbnail_sha256 and path_for(stored.thumbnail_sha256).exists():
        return stored.thumbnail_sha256
    small = make_thumbnail(read_bytes(sha256))
    path, created = _write(small)
    try:
        if session.get(EvidenceFile, small.sha256) is None:
            session.add(_file_row(small))
        stored.thumbnail_sha256 = small.sha256
        session.add(stored)
        session.commit()
    except BaseException:
        session.rollback()
        if created and not _referenced(session, small.sha256):
            path.unlink(missing_ok=True)
        raise
    return small.sha256


def read_bytes(sha256: str) -> bytes:
    """The stored bytes of a digest; callers check access first (describe_file)."""
    return path_for(sha256).read_bytes()


def read_file(session: Session, actor: Actor, submission_id: int) -> tuple[bytes, str, str]:
    """The bytes, safe content type and display name of a submission's file, after the access check."""
    sha256, content_type, name = describe_file(session, actor, submission_id)
    return read_bytes(sha256), content_type, name


def collect_orphans(session: Session) -> int:
    """Delete stored files that no database row knows (left by a crash); returns how many."""
    known = set(session.exec(select(EvidenceFile.sha256)))
    removed = 0
    root = evidence_dir()
    if not root.exists():
        return 0
    for path in root.glob("*/*"):
        if path.name.startswith(".upload-") or path.name not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
