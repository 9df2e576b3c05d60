"""Per-stage SLA in days: defaults from the process file, changed by admins on the Admin page."""

from sqlmodel import Session, select

from models import StageSetting
from onboarding.core.access import Actor, require_admin
from onboarding.core.errors import ValidationError
from onboarding.process import history
from onboarding.process.definition import default_process


def stage_slas(session: Session) -> dict[str, int]:
    """SLA days per stage key (stored value, else the process file's)."""
    stored = {row.stage_key: row.sla_days for row in session.exec(select(StageSetting))}
    return {stage.key: stored.get(stage.key, stage.sla_days) for stage in default_process().stages}


def set_sla(session: Session, actor: Actor, stage_key: str, days: int) -> None:
    """Change one stage's SLA (1 to 365 days)."""
    require_admin(actor)
    if stage_key not in {stage.key for stage in default_process().stages}:
        raise ValidationError("error.bad_stage")
    if not isinstance(days, int) or not 1 <= days <= 365:
        raise ValidationError("error.bad_sla")
    row = session.get(StageSetting, stage_key) or StageSetting(stage_key=stage_key, sla_days=days)
    previous = row.sla_days
    row.sla_days = days
    session.add(row)
    history.record(session, actor, "sla_changed", stage=stage_key, days=days, previous=previous)
    session.commit()
