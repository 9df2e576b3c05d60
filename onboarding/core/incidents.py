"""Unexpected errors: the trace goes to the log under a short incident id, which is all a person is shown."""

import secrets

from onboarding.core.logs import get_logger

log = get_logger("incidents")


def new_incident_id() -> str:
    """A short id a person can read out to support, e.g. 7F3A90C2."""
    return secrets.token_hex(4).upper()


def record(error: BaseException, where: str) -> str:
    """Log an unexpected error with its trace; returns the incident id to show instead of the trace."""
    incident = new_incident_id()
    log.error(
        "unexpected error %s in %s: %s",
        incident,
        where,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__),
        extra={"action": "incident", "incident": incident, "where": where},
    )
    return incident
