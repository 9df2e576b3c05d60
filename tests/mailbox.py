"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts, for the mail tests."""

import email
import re
import threading
import time
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from onboarding.core.config import get_settings
from tools.local_processes import free_port


class Mailbox:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller: Controller | None = None
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def start(self) -> "Mailbox":
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def env(self) -> dict[str, str]:
        """The settings that send the app's mail here."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port), "SMTP_SENDER": "onboarding@pingpong.example"}

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`."""
        with self._lock:
            return [message for message in self.messages if message["To"] == address]

    def wait_for(self, count: int, seconds: float = 20) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived; returns them all."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.1)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")


def text_of(message: EmailMessage) -> str:
    """The plain-text body of a message."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    """The HTML body of a message."""
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message: EmailMessage, pattern: str = r"https?://\S+") -> str:
    """The first link in the plain text matching `pattern`."""
    found = re.search(pattern, text_of(message))
    assert found, f"no link like {pattern!r} in {text_of(message)!r}"
    return found.group(0)


@pytest.fixture
def mailbox(monkeypatch) -> Mailbox:
    """A loopback SMTP server, with the app's SMTP settings pointing at it."""
    box = Mailbox().start()
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        yield box
    finally:
        box.stop()
        get_settings.cache_clear()
