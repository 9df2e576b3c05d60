"""A built wheel carries every package of the app, its data files and the migrations, and no tests."""

import shutil
import subprocess
import sys
import zipfile

from tests.conftest import ROOT

PACKAGES = ("onboarding", "models", "web", "ui", "pages", "tools")


def _tracked_files() -> list[str]:
    listing = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return listing.stdout.split()


def test_the_wheel_holds_every_source_file_data_file_and_migration(tmp_path):
    source = tmp_path / "source"
    for name in _tracked_files():  # what a clean clone holds, nothing the working tree happens to have
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        name
        for name in _tracked_files()
        if name.split("/", 1)[0] in PACKAGES and name.endswith((".py", ".toml", ".mako"))
    }
    assert expected - inside == set()
    assert {
        "onboarding/gateway/simulator/engine.py",
        "onboarding/process/process.toml",
        "onboarding/locales/zh/core.toml",
        "models/migrations/env.py",
        "models/migrations/script.py.mako",
        "models/migrations/versions/0001_initial_tables.py",
    } <= inside
    assert not any(name.startswith("tests/") for name in inside)
