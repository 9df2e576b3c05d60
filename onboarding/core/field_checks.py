"""Every problem of a form at once: each field's check runs, and each field keeps its own error."""

from collections.abc import Callable

from onboarding.core.errors import ValidationError


def collect(checks: dict[str, Callable[[], object]]) -> dict[str, ValidationError]:
    """Run each field's check; the fields whose check refused, with the error it raised."""
    problems: dict[str, ValidationError] = {}
    for field, check in checks.items():
        try:
            check()
        except ValidationError as error:
            problems[field] = error
    return problems


def require(text: str | None, field: str) -> str:
    """`text` trimmed; refused when empty."""
    value = (text or "").strip()
    if not value:
        raise ValidationError("error.field_required", field=field)
    return value
