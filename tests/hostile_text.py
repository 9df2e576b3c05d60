"""Hostile text in every free-text field people fill, and a check that what a page shows of it is inert.

The text carries a remote image (a tracking host), a phishing link, raw HTML with a script, a KaTeX box,
Streamlit's colour and icon directives, an emoji code, a backtick and a right-to-left override.
"""

import re
from collections.abc import Iterable
from datetime import timedelta

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from sqlmodel import select

from models import ChecklistItem, Merchant
from onboarding.accounts import api_tokens, invitations
from onboarding.accounts.users import SYSTEM, create_user
from onboarding.core import clock
from onboarding.core.access import Actor, actor_for
from onboarding.process import checklist, comments, merchants
from onboarding.review import evidence
from tests.samples import png_bytes

TRACKER, PHISH = "tracker.test", "phish.test"
# fits a 200-character name
SHORT = (
    "![p](http://tracker.test/n.png)[Security notice: confirm your password](http://phish.test/)"
    "<img src=http://tracker.test/i.png onerror=alert(1)>$$\\boxed{PAY}$$:red[ALARM]:smile:`\u202egnp.exe"
)
LONG = (
    SHORT + "\n\n# Heading\n> quote\n- [x] task <script>alert(2)</script>\n"
    "Visit https://phish.test/login or www.phish.test or write to help@phish.test "
    ":material/warning: :blue-background[BOX] $x^2$ **bold** [ref][r]\n\n[r]: http://phish.test/ref"
)
MARKERS = ("tracker", "phish", "PAY", "ALARM", "gnp.exe")
PASSWORD = "a long hostile password"
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
DIRECTIVE = re.compile(r"(?<!\\):(?:[a-z]+(?:-background|-badge)?\[|material/|[a-z0-9_+-]+(?<!\\):)", re.IGNORECASE)
MARKUP_TOKENS = {"link_open", "image", "html_inline", "html_block", "math_inline", "math_block", "math_inline_double"}
_markdown = MarkdownIt("gfm-like").use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)


def seed(session) -> dict:
    """An admin, a support owner and a merchant user with hostile names, and hostile text in every field."""
    admin = actor_for(
        create_user(
            session, SYSTEM, email="admin@support.example.com", name="Ada Admin", role="admin", password=PASSWORD
        )
    )
    owner = create_user(
        session, admin, email="owner@support.example.com", name=SHORT, role="support", password=PASSWORD
    )
    merchant = merchants.create_merchant(
        session,
        admin,
        merchants.MerchantInput(
            name=SHORT,
            website="https://shop.example.com/![w](http://tracker.test/w.png)",
            contact_name=SHORT,
            contact_email="![e](http://tracker.test/e.png)@example.com",
            country="US",
            shop_platform="custom",
            integration_mode="non_hosted",
            owner_id=owner.id,
        ),
    )
    _, token = invitations.invite(session, admin, merchant.id, "dev@shop.example.com")
    user = invitations.accept(session, token, SHORT, PASSWORD)
    invitations.invite(session, admin, merchant.id, "x](http://phish.test/i)@example.com")
    person = Actor(id=user.id, name=user.name, role="merchant", merchant_id=merchant.id)
    for stage_index in range(1, 5):
        checklist.override_gate(session, admin, merchant.id, stage_index, LONG)
    items = {
        row.item_key: row
        for row in session.exec(select(ChecklistItem).where(ChecklistItem.merchant_id == merchant.id)).all()
    }
    checklist.complete(session, admin, items["production_parameters"].id, items["production_parameters"].version)
    checklist.submit(
        session, person, items["parameters_replaced"].id, items["parameters_replaced"].version, LONG, note=LONG
    )
    session.refresh(items["parameters_replaced"])
    checklist.reject(session, admin, items["parameters_replaced"].id, items["parameters_replaced"].version, LONG)
    session.refresh(items["parameters_replaced"])
    checklist.submit(session, person, items["parameters_replaced"].id, items["parameters_replaced"].version, LONG)
    checklist.submit(session, person, items["verification_submitted"].id, 1, LONG, note=LONG)
    checklist.submit(
        session, person, items["product_link"].id, 1, "https://shop.example.com/![l](http://tracker.test/l.png)"
    )
    evidence.submit_file(
        session, person, items["self_test_screenshot"].id, 1, png_bytes(), "![f](http:tracker.test/f.png)`$$x$$.png"
    )
    comments.add_comment(session, person, merchant.id, LONG)
    comments.add_comment(session, admin, merchant.id, LONG)
    merchants.change_status(session, admin, merchant.id, "on_hold", LONG)
    merchants.change_status(session, admin, merchant.id, "active", LONG)
    # long in its stage and quiet, so it is listed under Needs attention too
    stored = session.get(Merchant, merchant.id)
    stored.stage_entered_at = stored.last_activity_at = clock.now() - timedelta(days=60)
    session.add(stored)
    session.commit()
    api_tokens.create_token(session, admin, SHORT[:100])
    return {"admin": admin, "merchant": merchant, "person": person, "owner": owner}


def markup_in(source: str) -> list[str]:
    """What a Markdown renderer would make of `source` other than text: links, images, HTML, maths, directives."""
    found = []

    def walk(tokens) -> None:
        for token in tokens:
            if token.type in MARKUP_TOKENS:
                found.append(f"{token.type}: {token.content or token.attrs}")
            walk(token.children or [])

    walk(_markdown.parse(source))
    found += [f"directive: {match.group(0)}" for match in DIRECTIVE.finditer(source)]
    found += ["bidi control"] if BIDI.search(source) else []
    return found


def shows_hostile_text(text: str) -> bool:
    return any(marker in text for marker in MARKERS)


PLAIN_TYPES = {"text", "code", "json", "arrow_data_frame", "dataframe"}
PLAIN_FIELDS = {"options", "default", "value", "id", "form_id", "key", "data", "spec", "url", "icon", "avatar"}


def _strings(message):
    """Every (field name, text) inside a protobuf message, nested ones included."""
    for field, value in message.ListFields():
        values = list(value) if isinstance(value, Iterable) and not isinstance(value, (str, bytes)) else [value]
        for item in values:
            if isinstance(item, str):
                yield field.name, item
            elif hasattr(item, "ListFields"):
                yield from _strings(item)


def what_the_page_shows(at) -> tuple[list[str], list[str], list[str]]:
    """The Markdown sources, plain texts and HTML bodies the page would render (widgets, alerts, tables…)."""
    markdown, plain, html = [], [], []

    def visit(node) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if kind in ("dataframe", "arrow_data_frame") and hasattr(node, "value"):
            frame = node.value
            plain.extend((kind, v) for column in frame.columns for v in frame[column].tolist() if isinstance(v, str))
        elif proto is not None:
            for name, text in _strings(proto):
                if kind == "html" and name == "body":
                    html.append(text)
                elif kind in PLAIN_TYPES or name in PLAIN_FIELDS:
                    plain.append((f"{kind}.{name}", text))
                else:
                    markdown.append(text)
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(at._tree)
    return markdown, plain, html


def assert_inert(at) -> int:
    """Fail on any hostile text the page would render as markup; returns how many places showed it."""
    markdown, plain, html = what_the_page_shows(at)
    shown = 0
    for source in markdown:
        if shows_hostile_text(source):
            shown += 1
            assert markup_in(source) == [], source
    for where, text in plain:
        if shows_hostile_text(text):
            shown += 1
            assert not BIDI.search(text), f"{text!r} in {where}"
    for body in html:
        if shows_hostile_text(body):
            shown += 1
            assert "<img" not in body and "<script" not in body, body
    return shown
