"""Demo data: every stage and status, weeks of history, and a command that loads it."""

import subprocess
import sys
from datetime import timedelta

from sqlmodel import func, select

from models import HistoryEvent, Merchant
from onboarding.operations import demo
from tests.conftest import ROOT


def test_demo_spreads_merchants_over_every_stage_and_status(session):
    assert demo.seed(session) == 25
    merchants = session.exec(select(Merchant)).all()
    assert {m.current_stage for m in merchants} == {0, 1, 2, 3, 4, 5}
    assert {m.status for m in merchants} == {"active", "on_hold", "launched", "withdrawn"}
    first, last = session.exec(select(func.min(HistoryEvent.created_at), func.max(HistoryEvent.created_at))).one()
    assert last - first > timedelta(weeks=3)
    assert demo.seed(session) == 0, "seeding twice adds nothing"


def test_seed_demo_command_loads_the_data(data_dir):
    result = subprocess.run(
        [sys.executable, "-m", "onboarding", "seed-demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "ONBOARDING_DATA_DIR": str(data_dir)},
    )
    assert result.returncode == 0, result.stderr
    assert "25 merchants added" in result.stdout
