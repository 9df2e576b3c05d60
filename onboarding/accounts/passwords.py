"""Password hashing with argon2id, and the password rules."""

import os
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from onboarding.core.errors import ValidationError
from onboarding.core.field_checks import collect

MIN_LENGTH = 12
MAX_LENGTH = 1024
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters (64 MiB of memory per hash)
# Verified against when the e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-timing")
# Each hash takes 64 MiB and a core: a burst of sign-ins waits its turn instead of exhausting memory.
HASHES_AT_ONCE = max(2, min(4, os.cpu_count() or 2))
_slots = threading.BoundedSemaphore(HASHES_AT_ONCE)


def check_rules(password: str) -> str:
    """Refuse passwords shorter than 12 characters, only spaces, or absurdly long."""
    if len(password or "") < MIN_LENGTH:
        raise ValidationError("error.password_too_short", minimum=MIN_LENGTH)
    if not password.strip():
        raise ValidationError("error.password_blank")
    if len(password) > MAX_LENGTH:
        raise ValidationError("error.password_too_long", maximum=MAX_LENGTH)
    return password


def check_repeated(password: str, again: str) -> None:
    """Refuse a repeated password that differs from the first."""
    if password != again:
        raise ValidationError("error.passwords_differ")


def problems(password: str, again: str) -> dict[str, ValidationError]:
    """What is wrong with a new password and its repetition, by field ("password", "password_again")."""
    return collect(
        {"password": lambda: check_rules(password), "password_again": lambda: check_repeated(password, again)}
    )


def hash_password(password: str) -> str:
    """The argon2id hash of a password that follows the rules (call it before opening a database transaction)."""
    check_rules(password)
    with _slots:
        return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches; always does the work of one verification (call it holding no connection)."""
    with _slots:
        try:
            return _hasher.verify(stored_hash or _DUMMY_HASH, password or "") and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False
