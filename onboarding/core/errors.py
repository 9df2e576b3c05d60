"""Errors a person can act on: each carries a catalogue key and its parameters."""


class DomainError(Exception):
    """Base of every error the pages show as a message instead of a traceback."""

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params
        super().__init__(key)

    def __str__(self) -> str:
        from onboarding.core.i18n import translate

        return translate(self.key, "en", **self.params)


class ValidationError(DomainError):
    """Input that cannot be accepted; nothing was written."""


class AccessDenied(DomainError):
    """The acting user may not do this."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the user)."""


class ConflictError(DomainError):
    """Someone else changed the row since it was read; reload and try again."""


class GateClosed(DomainError):
    """The item belongs to a stage that has not opened yet."""
