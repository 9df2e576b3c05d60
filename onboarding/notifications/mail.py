"""E-mails as people read them: one layout, plain text and HTML, every text from the catalogues."""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from onboarding.core.config import get_settings
from onboarding.core.i18n import translate

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_SUBJECT = 300
LATIN_FONTS = "-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif"
# Chinese fonts first only for Chinese mail: they would draw English quotes full-width
CHINESE_FONTS = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',-apple-system,'Segoe UI',Roboto,Arial,sans-serif"


@dataclass(frozen=True)
class Section:
    """A titled list in a mail (a digest's groups, a reminder's items)."""

    title: str
    lines: list[str]


@dataclass(frozen=True)
class Content:
    """What one mail says, already in the recipient's language; people's text stays text."""

    language: str
    subject: str
    greeting: str
    paragraphs: list[str]
    action_label: str | None = None
    action_url: str | None = None
    quote: str | None = None
    quote_label: str | None = None
    quote_colour: str = "#d64545"
    sections: list[Section] = field(default_factory=list)
    security: bool = False  # security mail cannot be turned off, so it offers no settings link
    staff: bool = False  # staff choose their e-mails on My work, merchants in their portal


@dataclass(frozen=True)
class Rendered:
    """A mail ready for the outbox."""

    subject: str
    text: str
    html: str


@lru_cache
def _environment(html: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]) if html else False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def settings_url(staff: bool) -> str:
    """Where a person turns categories of e-mail on and off: My work for staff, the portal for merchants."""
    return f"{get_settings().public_url}/{'my-work' if staff else ''}?notifications=settings"


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """Text fit for a header: no line breaks, at most `limit` characters."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render(content: Content) -> Rendered:
    """The mail as plain text and HTML (HTML escapes everything it is given)."""
    language = content.language

    def t(key: str, **params) -> str:
        return translate(key, language, **params)

    values = {
        "language_tag": "zh-CN" if language == "zh" else "en",
        "fonts": CHINESE_FONTS if language == "zh" else LATIN_FONTS,
        "subject": one_line(content.subject),
        "preheader": one_line(content.paragraphs[0] if content.paragraphs else content.subject, 140),
        "brand": t("mail.brand"),
        "greeting": content.greeting,
        "paragraphs": content.paragraphs,
        "quote": content.quote,
        "quote_label": content.quote_label,
        "quote_colour": content.quote_colour,
        "sections": content.sections,
        "action_label": content.action_label,
        "action_url": content.action_url,
        "link_hint": t("mail.link_hint"),
        "footer": t("mail.footer_security") if content.security else t("mail.footer"),
        "settings_url": None if content.security else settings_url(content.staff),
        "settings_label": t("mail.settings_link"),
    }
    text = _environment(False).get_template("mail.txt").render(values)
    html = _environment(True).get_template("mail.html").render(values)
    return Rendered(one_line(content.subject), text, html)
