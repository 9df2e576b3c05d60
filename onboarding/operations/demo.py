"""Demo data: about 25 realistic merchants spread over every stage and status, with weeks of history."""

import io
import random
import secrets
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlmodel import Session, select

from models import ChecklistItem, Merchant, User
from onboarding.accounts import users
from onboarding.core import clock
from onboarding.core.access import Actor, actor_for, require_admin, require_staff
from onboarding.notifications import events
from onboarding.process import checklist, merchants, transitions
from onboarding.process.definition import Item, Process, default_process
from onboarding.review import evidence

STAFF = [
    ("Li Wei", "li.wei@support.example.com", "support"),
    ("Anna Schmidt", "anna.schmidt@support.example.com", "support"),
    ("Rahul Mehta", "rahul.mehta@support.example.com", "support"),
    ("Zhang Min", "zhang.min@support.example.com", "admin"),
]

# name, website, contact, country, platform, mode, (refunds, preauth, 3ds)
MERCHANTS = [
    ("Aurora Outdoor Gear", "aurora-outdoor.example.com", "Emily Carter", "US", "shopify", "plugin", (1, 0, 0)),
    ("Maple & Pine Home", "mapleandpine.example.ca", "Olivier Tremblay", "CA", "woocommerce", "plugin", (1, 0, 0)),
    ("Shenzhen Bright Electronics", "bright-elec.example.com", "Chen Hao", "CN", "custom", "non_hosted", (1, 1, 1)),
    ("Luna Skincare", "lunaskin.example.com", "Sofia Rossi", "IT", "magento", "hosted_checkout", (1, 0, 1)),
    ("Kyoto Tea House", "kyoto-tea.example.jp", "Haruto Sato", "JP", "custom", "hosted_js_sdk", (1, 0, 0)),
    ("Berlin Bike Parts", "bikeparts.example.de", "Jonas Weber", "DE", "prestashop", "plugin", (1, 0, 0)),
    ("Sunset Surfboards", "sunsetsurf.example.com", "Mia Thompson", "AU", "shopify", "plugin", (1, 0, 0)),
    ("Nordic Knitwear", "nordicknit.example.se", "Elsa Lindqvist", "SE", "woocommerce", "hosted_checkout", (1, 0, 0)),
    ("Golden Dragon Crafts", "goldendragon.example.com", "Wang Fang", "CN", "shoplazza", "plugin", (1, 0, 0)),
    ("Petite Paris Boutique", "petiteparis.example.fr", "Camille Martin", "FR", "custom", "hosted_js_sdk", (1, 1, 0)),
    ("Andes Coffee Roasters", "andescoffee.example.co", "Mateo Gómez", "CO", "opencart", "plugin", (1, 0, 0)),
    ("Pixel Gaming Store", "pixelgaming.example.com", "Noah Kim", "KR", "custom", "non_hosted", (1, 1, 1)),
    (
        "Savanna Leather Co.",
        "savannaleather.example.com",
        "Amara Okafor",
        "NG",
        "woocommerce",
        "hosted_checkout",
        (0, 0, 0),
    ),
    ("Lisbon Ceramics", "lisbonceramics.example.pt", "Inês Ferreira", "PT", "zencart", "plugin", (1, 0, 0)),
    ("Mumbai Spice Market", "mumbaispice.example.in", "Priya Sharma", "IN", "custom", "hosted_checkout", (1, 0, 0)),
    ("Yellowstone Fishing Supply", "ysfishing.example.com", "Jake Miller", "US", "magento", "non_hosted", (1, 1, 0)),
    ("Hanami Stationery", "hanami-stationery.example.jp", "Yui Tanaka", "JP", "shopline", "plugin", (1, 0, 0)),
    ("Atlas Phone Cases", "atlascases.example.com", "Omar Haddad", "AE", "shopify", "plugin", (1, 0, 0)),
    ("Vienna Music Sheets", "viennamusic.example.at", "Lena Huber", "AT", "custom", "hosted_js_sdk", (0, 0, 0)),
    ("Coral Reef Swimwear", "coralreef.example.com.br", "Beatriz Lima", "BR", "ueeshop", "plugin", (1, 0, 0)),
    (
        "Highland Whisky Gifts",
        "highlandgifts.example.co.uk",
        "Callum Fraser",
        "GB",
        "woocommerce",
        "hosted_checkout",
        (1, 0, 1),
    ),
    ("Saigon Silk", "saigonsilk.example.vn", "Nguyen Linh", "VN", "custom", "hosted_checkout", (1, 0, 0)),
    ("Polar Drone Works", "polardrone.example.no", "Erik Hansen", "NO", "custom", "non_hosted", (1, 1, 1)),
    ("Terra Garden Tools", "terragarden.example.nl", "Daan de Vries", "NL", "prestashop", "plugin", (1, 0, 0)),
    ("Cactus Tequila Glassware", "cactusglass.example.mx", "Valeria Cruz", "MX", "shopify", "plugin", (1, 0, 0)),
]

REJECTIONS = {
    "self_test_screenshot": "The screenshot does not show the order number and amount; please capture the whole page.",
    "product_link": "The link opens a product priced at 5 USD; we need a product at exactly 1 USD.",
    "pci_dss_certificate": "The certificate expired last month; please upload the renewed one.",
    "sandbox_ids": "The clientId must be the accId without its last three digits; please check both.",
    "parameters_replaced": "Your site still calls the sandbox host; switch the base URL to production.",
}
EVIDENCE = {
    "sandbox_account_type": None,
    "integration_mode": None,
    "sandbox_ids": "2024051500012345 / 2024051500012345001",
    "production_credentials": "2024051500012345 / 2024051500012345101",
    "parameters_replaced": "Production accId and key configured on the live site",
    "self_test_screenshot": "Screenshot of order #10234, 1.00 USD, SUCCESS",
    "product_link": "https://{site}/products/test-item-1-usd",
    "verification_submitted": "Screenshots and link ready for the real transaction",
    "merchant_refund": "Refund of the 1 USD order initiated in the back office",
}
# How far each demo merchant got, keyed by item (not by position, so a changed process file keeps the
# plan): every applicable item up to and including this one is complete (None = nothing yet, EVERYTHING =
# launched), and the merchant's status. A key the running process lacks counts as nothing done.
EVERYTHING = "*"
PLAN = [
    (None, "active"),
    ("sandbox_account_type", "active"),
    ("sandbox_credentials_work", "active"),
    ("integration_mode", "on_hold"),
    ("integration_mode", "active"),
    ("sandbox_acceptance", "active"),
    ("sandbox_signoff", "active"),
    ("api_authorized", "active"),
    ("api_authorized", "withdrawn"),
    ("production_credentials", "active"),
    ("website_review", "active"),
    ("production_parameters", "on_hold"),
    ("parameters_replaced", "active"),
    ("self_test_screenshot", "active"),
    ("product_link", "active"),
    ("verification_submitted", "active"),
    ("real_transaction", "active"),
    ("merchant_refund", "active"),
    (EVERYTHING, "launched"),
    (EVERYTHING, "launched"),
    (EVERYTHING, "launched"),
    (EVERYTHING, "launched"),
    ("sandbox_credentials_work", "active"),
    ("production_credentials", "active"),
    (EVERYTHING, "launched"),
]
# The people a newcomer signs in as, to try both sides; their passwords are made once and printed once.
DEMO_SUPPORT = ("Demo Support", "demo.support@support.example.com")
DEMO_MERCHANT = ("Lisbon Ceramics", "Demo Merchant", "demo.merchant@lisbonceramics.example.pt")


def planned_items(process: Process, merchant: Merchant, last: str | None) -> list[Item]:
    """The applicable items a demo merchant has completed: every one up to `last` in process order."""
    items = checklist.applicable_items(process, merchant)
    if last == EVERYTHING:
        return items
    if last is None or last not in process.keys:
        return []
    end = [item.key for item in process.items].index(last)
    order = {item.key: position for position, item in enumerate(process.items)}
    return [item for item in items if order[item.key] <= end]


def _staff(session: Session) -> list[User]:
    users = []
    for name, email, role in STAFF:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = User(email=email, name=name, role=role, created_at=clock.now() - timedelta(days=90))
            session.add(user)
            session.commit()
        users.append(user)
    return users


def _item_row(session: Session, merchant_id: int, key: str) -> ChecklistItem:
    return session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant_id, ChecklistItem.item_key == key)
    ).one()


def _complete_item(session, staff: Actor, contact: Actor, merchant: Merchant, item, rng, moment) -> None:
    """Walk one item to completion the way people would, sometimes with a rejection first."""

    def at(hours: float):
        return clock.frozen_at(moment + timedelta(hours=hours))

    row = _item_row(session, merchant.id, item.key)
    if transitions.proven_by_query(item):
        with at(0.5):
            checklist.record_result(
                session,
                staff,
                merchant.id,
                item.key,
                True,
                f"transactionId TX{merchant.id:04d}0001 (merchantTransactionId DEMO-{merchant.id}): SUCCESS 1.00 USD",
            )
        return
    if item.owner == "automatic":
        if rng.random() < 0.25:
            with at(0):
                checklist.record_result(
                    session, staff, merchant.id, item.key, False, "104000: the signature does not match: check the salt"
                )
        with at(1):
            checklist.record_result(session, staff, merchant.id, item.key, True, "All applicable cases passed")
        return
    if item.owner == "support":
        note = "Real transaction and refund verified; integration complete" if item.confirm else None
        with at(0.5):
            checklist.complete(session, staff, row.id, row.version, note=note)
        return
    with at(0):
        _submit(session, contact, merchant, item, row)
    if item.key in REJECTIONS and rng.random() < 0.5:
        row = _item_row(session, merchant.id, item.key)
        with at(3):
            checklist.reject(session, staff, row.id, row.version, REJECTIONS[item.key])
        row = _item_row(session, merchant.id, item.key)
        with at(20):
            _submit(session, contact, merchant, item, row, note="Fixed, please check again")
    row = _item_row(session, merchant.id, item.key)
    with at(26):
        checklist.approve(session, staff, row.id, row.version)


def _screenshot(merchant: Merchant) -> bytes:
    """A small picture of an order confirmation, as a merchant's self-test screenshot would show."""
    image = Image.new("RGB", (640, 360), "#f5f7fb")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 640, 56), fill="#2f6fed")
    draw.text((20, 20), f"{merchant.name} - checkout", fill="white")
    draw.rectangle((40, 90, 600, 320), outline="#c9d2e3", fill="white")
    for line, text in enumerate(
        ["Payment successful", "Order #10234", "Amount: 1.00 USD", "Card: 411111******1111", "Status: SUCCESS"]
    ):
        draw.text((70, 110 + line * 38), text, fill="#21a366" if line == 0 else "#1f2a44")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _certificate(merchant: Merchant) -> bytes:
    """A one-page PDF standing in for a PCI DSS attestation of compliance."""
    image = Image.new("RGB", (595, 842), "white")
    draw = ImageDraw.Draw(image)
    draw.text((60, 80), "PCI DSS Attestation of Compliance", fill="black")
    draw.text((60, 120), f"Merchant: {merchant.name}", fill="black")
    draw.text((60, 150), "Level 4 - SAQ D - valid until 2027-06-30", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PDF")
    return buffer.getvalue()


def _submit(session, contact: Actor, merchant: Merchant, item, row, note: str | None = None) -> None:
    if item.evidence == "image":
        evidence.submit_file(session, contact, row.id, row.version, _screenshot(merchant), "self-test.png", note)
    elif item.evidence == "document":
        evidence.submit_file(
            session,
            contact,
            row.id,
            row.version,
            _certificate(merchant),
            "pci-dss-aoc.pdf",
            note,
            expires_on=clock.now().date() + timedelta(days=400),
        )
    else:
        checklist.submit(session, contact, row.id, row.version, _evidence(item, merchant), note=note)


def _evidence(item, merchant: Merchant) -> str:
    if item.key == "sandbox_account_type":
        return merchant.sandbox_account
    if item.key == "integration_mode":
        return merchant.integration_mode
    return EVIDENCE.get(item.key, "Done").format(site=merchant.website.split("//")[-1].strip("/"))


def seed(session: Session, actor: Actor | None = None, seed_value: int = 7) -> int:
    """Add the demo merchants that are not there yet; returns how many were added."""
    with events.quiet():  # the demo's past is made up: nobody is told about it
        return _seed(session, actor, seed_value)


def _seed(session: Session, actor: Actor | None, seed_value: int) -> int:
    actor = actor or Actor(id=None, name="Demo data", role="admin")
    require_staff(actor)
    rng = random.Random(seed_value)
    staff = _staff(session)
    process = default_process()
    existing = set(session.exec(select(Merchant.name)))
    now = clock.now()
    added = 0
    for number, ((name, site, contact, country, platform, mode, features), (last, status)) in enumerate(
        zip(MERCHANTS, PLAN, strict=True)
    ):
        if name in existing:
            continue
        owner = staff[number % len(staff)]
        owner_actor = actor_for(owner)
        # a merchant that got further started earlier: about one to two and a half days per item
        planned = len(process.items) if last == EVERYTHING else len(process.items[: _position(process, last)])
        idle_days = 0 if last == EVERYTHING else rng.choice([0, 1, 2, 4, 9, 15])
        started = now - timedelta(days=idle_days + max(planned, 1) * rng.uniform(1.0, 2.6) + rng.uniform(1, 4))
        with clock.frozen_at(started):
            merchant = merchants.create_merchant(
                session,
                actor_for(owner),
                merchants.MerchantInput(
                    name=name,
                    website=f"https://{site}",
                    contact_name=contact,
                    contact_email=f"{contact.split()[0].lower()}@{site}",
                    country=country,
                    shop_platform=platform,
                    integration_mode=mode,
                    owner_id=owner.id,
                    sandbox_account="self_registered" if number % 4 == 1 else "public",
                    uses_refunds=bool(features[0]),
                    uses_preauth=bool(features[1]),
                    uses_3ds=bool(features[2]),
                ),
            )
        contact_user = User(
            email=f"{contact.split()[0].lower()}@{site}",
            name=contact,
            role="merchant",
            merchant_id=merchant.id,
            created_at=started,
        )
        session.add(contact_user)
        session.commit()
        contact_actor = actor_for(contact_user)
        items = checklist.applicable_items(process, merchant)
        todo = planned_items(process, merchant, last)
        span = max((now - timedelta(days=idle_days) - started).total_seconds() / 3600 - 30, 1.0)
        step = span / max(len(todo), 1)
        for index, item in enumerate(todo):
            _complete_item(
                session, owner_actor, contact_actor, merchant, item, rng, started + timedelta(hours=index * step + 1)
            )
        if len(todo) < len(items):
            _leave_waiting(session, owner_actor, contact_actor, merchant, items[len(todo)], rng, now, idle_days)
        if status in ("on_hold", "withdrawn"):
            # an hour before the merchant went quiet, so never later than now
            with clock.frozen_at(now - timedelta(days=idle_days, hours=1)):
                merchants.change_status(
                    session,
                    owner_actor,
                    merchant.id,
                    status,
                    "Merchant paused the project" if status == "on_hold" else "Merchant chose another provider",
                )
        added += 1
    return added


def _position(process: Process, last: str | None) -> int:
    """How many process items come up to and including `last` (0 for nothing or an unknown key)."""
    keys = [item.key for item in process.items]
    return keys.index(last) + 1 if last in keys else 0


def create_demo_users(session: Session, actor: Actor | None = None) -> list[tuple[str, str, str]]:
    """One support and one merchant user with fresh passwords, as (e-mail, role, password); [] if they exist."""
    actor = actor or Actor(id=None, name="Demo data", role="admin")
    require_admin(actor)
    merchant_name, name, email = DEMO_MERCHANT
    merchant_id = session.exec(select(Merchant.id).where(Merchant.name == merchant_name)).first()
    created = []
    for role, person, address, scope in (
        ("support", DEMO_SUPPORT[0], DEMO_SUPPORT[1], None),
        ("merchant", name, email, merchant_id),
    ):
        if users.find_by_email(session, address) is not None or (role == "merchant" and merchant_id is None):
            continue
        password = secrets.token_urlsafe(12)  # 16 characters, shown once and stored only as a hash
        users.create_user(session, actor, email=address, name=person, role=role, password=password, merchant_id=scope)
        created.append((address, role, password))
    return created


def _leave_waiting(session, staff: Actor, contact: Actor, merchant: Merchant, item, rng, now, idle_days) -> None:
    """Leave the next item half-way: submitted and waiting for support, or rejected and waiting for the merchant."""
    if item.owner != "merchant" or rng.random() < 0.3:
        return
    row = _item_row(session, merchant.id, item.key)
    moment = now - timedelta(days=idle_days, hours=2)
    with clock.frozen_at(moment):
        _submit(session, contact, merchant, item, row)
    if item.key in REJECTIONS and rng.random() < 0.6:
        row = _item_row(session, merchant.id, item.key)
        with clock.frozen_at(moment + timedelta(hours=1)):
            checklist.reject(session, staff, row.id, row.version, REJECTIONS[item.key])
