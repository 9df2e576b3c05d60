"""The configured database: one `session()` for callers that hold no URL (pages, routes, commands)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from models.db import session_for
from onboarding.core.config import get_settings


@contextmanager
def session() -> Iterator[Session]:
    """A session on the configured database; domain functions commit or roll back inside it."""
    with session_for(get_settings().resolved_database_url) as opened:
        yield opened
