"""No silent duplicates: look-alikes are caught, countries and websites are real, duplicates archived or merged."""

import dataclasses

import pytest
from sqlmodel import select

from models import ChecklistItem, Comment, HistoryEvent, Merchant, Submission, User
from onboarding.accounts import users
from onboarding.core.access import Actor, actor_for
from onboarding.core.errors import AccessDenied, ValidationError
from onboarding.process import archive, checklist, comments, merchants
from onboarding.process.duplicates import DuplicateMerchant, find_duplicates, name_key, website_key
from onboarding.process.history import detail_of
from onboarding.process.merchants import InvalidInput, PipelineFilter, create_merchant, pipeline
from onboarding.reports import attention
from onboarding.review import queue
from tests.test_checklist import item, merchant_user

KYOTO = merchants.MerchantInput(
    name="Kyoto Tea House",
    website="https://kyoto-tea.example.jp",
    contact_name="Haruto Sato",
    contact_email="haruto@kyoto-tea.example.jp",
    country="JP",
    shop_platform="custom",
    integration_mode="hosted_js_sdk",
)


def other_shop(**changes) -> merchants.MerchantInput:
    return dataclasses.replace(
        KYOTO,
        **{"name": "Other Shop", "website": "other.example.com", "contact_email": "dev@other.example.com", **changes},
    )


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({"name": "Kyoto Tea House "}, ("name",)),
        ({"name": "kyoto  TEA house"}, ("name",)),
        ({"website": "https://www.Kyoto-Tea.example.jp/shop"}, ("website",)),
        ({"contact_email": " Haruto@KYOTO-tea.example.jp "}, ("contact_email",)),
    ],
)
def test_a_look_alike_is_refused_until_confirmed(session, admin, changes, reasons):
    first = create_merchant(session, admin, KYOTO)
    with pytest.raises(DuplicateMerchant) as caught:
        create_merchant(session, admin, other_shop(**changes))
    assert [(match.id, match.reasons) for match in caught.value.matches] == [(first.id, reasons)]
    assert len(session.exec(select(Merchant)).all()) == 1, "nothing was created"
    second = create_merchant(session, admin, other_shop(**changes), allow_duplicate=True)
    created = session.exec(
        select(HistoryEvent).where(HistoryEvent.merchant_id == second.id, HistoryEvent.action == "merchant_created")
    ).one()
    assert detail_of(created)["created_despite"] == f"#{first.id} Kyoto Tea House"


def test_the_same_merchant_typed_twice_matches_on_every_key(session, admin):
    create_merchant(session, admin, KYOTO)
    (match,) = find_duplicates(session, admin, KYOTO.name + " ", "kyoto-tea.example.jp", KYOTO.contact_email.upper())
    assert match.reasons == ("website", "contact_email", "name")


def test_different_merchants_on_one_platform_domain_are_not_duplicates(session, admin):
    create_merchant(session, admin, other_shop(website="https://aurora.example.com"))
    assert find_duplicates(session, admin, "Luna", "https://luna.example.com", "sofia@luna.example.com") == []


def test_keys_ignore_case_spaces_and_www():
    assert name_key(" Kyoto  Tea\tHouse ") == name_key("kyoto tea house") == "kyototeahouse"
    assert website_key("https://WWW.Kyoto-Tea.example.jp:8443/a") == "kyoto-tea.example.jp"


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("country", "XX", "error.bad_country"),
        ("country", "usa", "error.bad_country"),
        ("website", "www.pixelgaming", "error.no_registrable_domain"),
        ("website", "https://localhost:8501", "error.no_registrable_domain"),
        ("website", "http://192.168.1.10/shop", "error.no_registrable_domain"),
        ("website", "https://co.uk", "error.no_registrable_domain"),
    ],
)
def test_countries_come_from_iso_3166_and_websites_need_a_registrable_domain(session, admin, field, value, key):
    with pytest.raises(ValidationError) as caught:
        create_merchant(session, admin, dataclasses.replace(KYOTO, **{field: value}))
    assert caught.value.key == key
    assert session.exec(select(Merchant)).all() == []


def test_a_country_code_in_lower_case_and_a_subdomain_shop_are_accepted(session, admin):
    merchant = create_merchant(session, admin, dataclasses.replace(KYOTO, country="jp", website="shop.example.co.uk"))
    assert (merchant.country, merchant.website) == ("JP", "https://shop.example.co.uk/")


def test_every_wrong_field_is_reported_at_once(session, admin):
    wrong = dataclasses.replace(KYOTO, name=" ", website="www.pixelgaming", contact_email="nobody", country="XX")
    with pytest.raises(InvalidInput) as caught:
        create_merchant(session, admin, wrong)
    assert {field: error.key for field, error in caught.value.errors.items()} == {
        "name": "error.field_required",
        "website": "error.no_registrable_domain",
        "contact_email": "error.bad_email",
        "country": "error.bad_country",
    }


def test_archive_hides_a_merchant_from_the_work_lists_until_restored(session, admin, merchant):
    row = item(session, merchant, "sandbox_account_type")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "public")
    with pytest.raises(ValidationError) as refused:
        archive.archive(session, admin, merchant.id, "  ")
    assert refused.value.key == "error.archive_reason_required"
    archive.archive(session, admin, merchant.id, "Created twice by mistake")

    assert pipeline(session, admin).rows == []
    assert [row["id"] for row in pipeline(session, admin, PipelineFilter(archived=True)).rows] == [merchant.id]
    assert queue.waiting_page(session, admin).items == 0
    assert all(row["id"] != merchant.id for row in attention.needs_attention(session, admin).rows)
    assert merchants.merchant_view(session, admin, merchant.id).merchant.archived_reason == "Created twice by mistake"

    archive.restore(session, admin, merchant.id)
    assert [row["id"] for row in pipeline(session, admin).rows] == [merchant.id]
    assert queue.waiting_page(session, admin).items == 1
    actions = session.exec(select(HistoryEvent.action).where(HistoryEvent.merchant_id == merchant.id)).all()
    assert "archived" in actions and "unarchived" in actions


def test_a_merchant_user_cannot_archive_or_merge(session, admin, merchant):
    intruder = merchant_user(merchant)
    with pytest.raises(AccessDenied):
        archive.archive(session, intruder, merchant.id, "mine")
    with pytest.raises(AccessDenied):
        archive.merge(session, intruder, merchant.id, merchant.id, "mine")


def test_merge_moves_users_evidence_comments_and_history_into_the_kept_merchant(session, admin):
    kept = create_merchant(session, admin, KYOTO)
    duplicate = create_merchant(
        session, admin, dataclasses.replace(KYOTO, name="Kyoto Tea House "), allow_duplicate=True
    )
    person = users.create_user(
        session, admin, email="yui@kyoto-tea.example.jp", name="Yui", role="merchant", password=None,
        merchant_id=duplicate.id,
    )  # fmt: skip
    kept_row = item(session, kept, "sandbox_account_type")
    checklist.submit(session, merchant_user(kept), kept_row.id, kept_row.version, "public")
    row = item(session, duplicate, "sandbox_account_type")
    checklist.submit(session, actor_for(person), row.id, row.version, "self_registered")
    comments.add_comment(session, actor_for(person), duplicate.id, "Is our account ready?")

    with pytest.raises(ValidationError):
        archive.merge(session, admin, duplicate.id, kept.id, "")
    with pytest.raises(ValidationError):
        archive.merge(session, admin, duplicate.id, duplicate.id, "itself")
    archive.merge(session, admin, duplicate.id, kept.id, "Same shop, created twice")

    assert session.get(User, person.id).merchant_id == kept.id
    assert session.exec(select(Comment.merchant_id)).all() == [kept.id]
    versions = session.exec(
        select(Submission.number, Submission.value).where(Submission.item_id == kept_row.id).order_by(Submission.number)
    ).all()
    assert versions == [(1, "public"), (2, "self_registered")]
    assert item(session, kept, "sandbox_account_type").status == "submitted"
    kept_actions = session.exec(select(HistoryEvent.action).where(HistoryEvent.merchant_id == kept.id)).all()
    assert kept_actions.count("merchant_created") == 2 and "merchant_merged" in kept_actions
    gone = session.get(Merchant, duplicate.id)
    assert gone.archived_at is not None and gone.merged_into_id == kept.id
    assert [row["id"] for row in pipeline(session, admin).rows] == [kept.id]
    with pytest.raises(ValidationError) as refused:
        archive.restore(session, admin, duplicate.id)
    assert refused.value.key == "error.merged_cannot_restore"
    assert session.exec(select(ChecklistItem).where(ChecklistItem.merchant_id == duplicate.id)).all(), "rows stay"
    assert merchants.merchant_view(session, actor_for(person), kept.id).merchant.id == kept.id


def test_launching_is_only_the_go_live_sign_off_and_withdrawing_needs_a_reason(session, admin, merchant):
    with pytest.raises(ValidationError) as refused:
        merchants.change_status(session, admin, merchant.id, "launched")
    assert refused.value.key == "error.launch_by_go_live"
    with pytest.raises(ValidationError) as refused:
        merchants.change_status(session, admin, merchant.id, "withdrawn", " ")
    assert refused.value.key == "error.withdraw_reason_required"
    merchants.change_status(session, admin, merchant.id, "withdrawn", "Chose another provider")
    assert session.get(Merchant, merchant.id).status == "withdrawn"


def test_staff_only_find_duplicates():
    with pytest.raises(AccessDenied):
        find_duplicates(None, Actor(id=None, name="M", role="merchant", merchant_id=1), "a", "b", "c")


def test_merchants_from_before_the_upgrade_get_their_duplicate_keys(tmp_path):
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, text

    from models.db import migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0005")
    engine = create_engine(url)
    moment = datetime(2026, 1, 5, tzinfo=UTC).isoformat()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO merchant (name, website, contact_name, contact_email, country, shop_platform, "
                "integration_mode, sandbox_account, uses_refunds, uses_preauth, uses_3ds, status, current_stage, "
                "progress, stage_entered_at, last_activity_at, created_at) VALUES ('Kyoto Tea House ', "
                "'https://www.kyoto-tea.example.jp/', 'Haruto', 'Haruto@Kyoto-Tea.example.jp', 'JP', 'custom', "
                "'plugin', 'public', 1, 0, 0, 'active', 0, 0, :m, :m, :m)"
            ),
            {"m": moment},
        )
    migrate(url)
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT name_key, website_key, email_key FROM merchant")).one()
    engine.dispose()
    assert tuple(keys) == (
        name_key("Kyoto Tea House "),
        website_key("https://www.kyoto-tea.example.jp/"),
        "haruto@kyoto-tea.example.jp",
    )
