"""Browser tests run Debian's Chromium through `tools.chromium`; they skip when it is absent."""

from pathlib import Path

import pytest

from tools.chromium import available

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"

needs_chromium = pytest.mark.skipif(not available(), reason="Debian's chromium is not installed: browser tests skipped")
