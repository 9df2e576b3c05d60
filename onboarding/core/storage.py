"""The data directory's disk: whether it can be written, and whether an error means it is full."""

import errno
import os
import secrets
from pathlib import Path

from onboarding.core.errors import DomainError

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"
PROBE_BYTES = 64 * 1024


class StorageFull(DomainError):
    """The server's disk (or quota) is full: nothing was saved."""

    def __init__(self):
        super().__init__("security.storage_full")


def _causes(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__


def is_full(error: BaseException) -> bool:
    """Whether an error (or what caused it) says the disk is full: OSError, SQLite or PostgreSQL."""
    for cause in _causes(error):
        if isinstance(cause, StorageFull):
            return True
        if isinstance(cause, OSError) and cause.errno in FULL_ERRNOS:
            return True
        if getattr(cause, "sqlite_errorcode", None) == SQLITE_FULL or "database or disk is full" in str(cause):
            return True
        if getattr(cause, "sqlstate", None) == POSTGRES_DISK_FULL:
            return True
    return False


def check_writable(directory: Path) -> None:
    """Write, flush to disk and remove a small file in `directory`; raises OSError when that is not possible."""
    directory.mkdir(parents=True, exist_ok=True)
    probe = directory / f".write-probe-{secrets.token_hex(4)}"
    try:
        with probe.open("wb") as stream:
            stream.write(b"\0" * PROBE_BYTES)
            stream.flush()
            os.fsync(stream.fileno())
    finally:
        probe.unlink(missing_ok=True)
