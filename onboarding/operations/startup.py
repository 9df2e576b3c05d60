"""What the app does once per process before serving: check the process file, migrate, sync merchants to it."""

import logging

from sqlmodel import Session, select

from models import StageSetting
from models.db import migrate, session_for
from onboarding.core import logs
from onboarding.core.config import Settings, get_settings
from onboarding.process import sync
from onboarding.process.definition import default_process

log = logging.getLogger("onboarding.startup")


def prepare(settings: Settings | None = None) -> sync.SyncReport:
    """Validate the process file, upgrade the database to head, store default SLAs, sync every merchant."""
    settings = settings or get_settings()
    logs.configure(settings)
    process = default_process()  # raises ProcessError naming file, item and field
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.resolved_database_url)
    with session_for(settings.resolved_database_url) as session:
        _store_default_slas(session, process)
        report = sync.sync_all(session, process)
    if report.merchants:
        log.info(
            "merchants synced to the process file",
            extra={
                "version": report.version,
                "merchants": report.merchants,
                "added": report.added,
                "waived": report.waived,
                "retired": report.retired,
                "restored": report.restored,
            },
        )
    return report


def _store_default_slas(session: Session, process) -> None:
    known = set(session.exec(select(StageSetting.stage_key)))
    for stage in process.stages:
        if stage.key not in known:
            session.add(StageSetting(stage_key=stage.key, sla_days=stage.sla_days))
    session.commit()
