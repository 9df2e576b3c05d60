"""Valid evidence of each kind, made in the test run (no binary fixtures in the repo)."""

import io
from datetime import date, timedelta

from PIL import Image

from onboarding.process import checklist
from onboarding.review import evidence

IDENTIFIERS = "2024051500012345 / 2024051500012345001"


def png_bytes(width: int = 64, height: int = 48, colour: str = "#2f6fed") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(buffer, "PDF")
    return buffer.getvalue()


def submit_valid(session, actor, row, definition, merchant=None):
    """Submit evidence that passes the item's checks, whatever its kind."""
    kind = definition.evidence
    if kind == "image":
        return evidence.submit_file(session, actor, row.id, row.version, png_bytes(), "shot.png")
    if kind == "document":
        return evidence.submit_file(
            session, actor, row.id, row.version, pdf_bytes(), "aoc.pdf", expires_on=date.today() + timedelta(days=300)
        )
    if kind == "choice":
        value = (
            merchant.integration_mode if definition.key == "integration_mode" and merchant else definition.choices[0]
        )
    elif kind == "identifier":
        value = IDENTIFIERS
    elif kind == "link":
        value = "https://shop.example.com/products/one-dollar"
    else:
        value = "evidence"
    return checklist.submit(session, actor, row.id, row.version, value)
