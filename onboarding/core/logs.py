"""Structured logs: one JSON object per line with request id, user and action; secrets redacted."""

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import event

from onboarding.core.config import Settings, get_settings

LOGGER_NAME = "onboarding"
REDACTED = "[redacted]"

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_user: ContextVar[str | None] = ContextVar("log_user", default=None)

# key=value, "key": "value" and key: value where the key names a secret
# (plain "key" is left out: item_key and stage_key are ordinary names here)
_SECRET_KEYS = (
    r"(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|signing[_-]?key|"
    r"authorization|cookie|salt|signature|cvv|cvc|card[_-]?number)"
)
_SECRET_PAIR = re.compile(
    rf"""(?P<key>["']?[\w.-]*{_SECRET_KEYS}[\w.-]*["']?\s*[:=]\s*)(?P<quote>["']?)(?P<value>[^"'\s,;&}}]+)""",
    re.IGNORECASE,
)
# a credential after its scheme, not a plain lower-case word ("API token created" stays as it is)
_BEARER = re.compile(
    r"(?P<scheme>\b(?:Bearer\s+|(?:Basic|Token)\s+(?!(?-i:[a-z]+)\b)))[A-Za-z0-9._~+/=-]{6,}",
    re.IGNORECASE,
)
_API_TOKEN = re.compile(r"\bppo_[A-Za-z0-9_-]{8,}")
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@", re.IGNORECASE)
# 13–19 digits, optionally grouped by single spaces or dashes, not part of a longer number
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_SECRET_FIELDS = re.compile(rf"^[\w.-]*{_SECRET_KEYS}[\w.-]*$", re.IGNORECASE)


def _mask_card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not 13 <= len(digits) <= 19:
        return match.group(0)
    return f"{digits[:6]}…{digits[-4:]}"


def redact(text: str) -> str:
    """The text with secrets, passwords, tokens and full card numbers taken out."""
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", text)
    text = _BEARER.sub(lambda m: f"{m.group('scheme')}{REDACTED}", text)
    text = _API_TOKEN.sub(REDACTED, text)
    text = _SECRET_PAIR.sub(lambda m: f"{m.group('key')}{m.group('quote')}{REDACTED}", text)
    return _CARD.sub(_mask_card, text)


def redact_value(key: str, value):
    """A structured field's value, redacted by its name and its content."""
    if _SECRET_FIELDS.match(key) and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(key, v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and 13 <= len(str(abs(value))) <= 19:
        return redact(str(value))
    return value


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class RedactingFilter(logging.Filter):
    """Rewrites every record so no handler ever sees a secret; also stamps request id and user."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None  # the redacted text above replaces the raw traceback
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, redact_value(key, value))
        if getattr(record, "request_id", None) is None:
            record.request_id = _request_id.get()
        if getattr(record, "user", None) is None:
            record.user = _user.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, user, action and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user": getattr(record, "user", None),
            "action": getattr(record, "action", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_text:
            entry["error"] = record.exc_text
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """The plain format for a person at a terminal, with the same redaction."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s %(user)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(settings: Settings | None = None, stream=None) -> logging.Handler:
    """Send the app's log records to stderr, as JSON lines when LOG_JSON=true; idempotent."""
    settings = settings or get_settings()
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        if getattr(handler, "_onboarding", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._onboarding = True
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if settings.log_json else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    _log_history_rows()
    return handler


def _log_history_rows() -> None:
    """Every history row (every write of every page and API) also becomes a log line."""
    from models import HistoryEvent

    if not event.contains(HistoryEvent, "after_insert", _history_inserted):
        event.listen(HistoryEvent, "after_insert", _history_inserted)


def _history_inserted(_mapper, _connection, row) -> None:
    get_logger("history").info(
        row.action,
        extra={
            "action": row.action,
            "user": row.actor_name,
            "merchant_id": row.merchant_id,
            "item_key": row.item_key,
            "detail": row.detail,
        },
    )


def get_logger(name: str = "") -> logging.Logger:
    """A logger under the app's own namespace."""
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)


def new_request_id() -> str:
    """A short random id that ties the lines of one request together."""
    return uuid.uuid4().hex[:16]


@contextmanager
def request_context(request_id: str | None = None, user: str | None = None) -> Iterator[str]:
    """Stamp every log line inside the block with this request id and user."""
    request_id = request_id or new_request_id()
    tokens = (_request_id.set(request_id), _user.set(user))
    try:
        yield request_id
    finally:
        _request_id.reset(tokens[0])
        _user.reset(tokens[1])


def set_user(user: str | None) -> None:
    """Name the user of the current request once they are known."""
    _user.set(user)
