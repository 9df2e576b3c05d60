"""Lists that scale: paged, sorted and filtered in SQL with true totals; the board; bulk changes; stage stays."""

import dataclasses
import random
from datetime import timedelta

import pytest
from sqlmodel import select

from models import ChecklistItem, HistoryEvent, Merchant, StageStay
from onboarding.accounts.users import create_user
from onboarding.core import clock
from onboarding.core.access import AccessDenied, Actor
from onboarding.core.errors import NotFound, ValidationError
from onboarding.process import bulk, checklist
from onboarding.process.merchants import PipelineFilter, board, create_merchant, find_merchants, pipeline
from onboarding.reports import analytics, attention
from tests import analytics_data
from tests.analytics_data import NOW
from tools.bench import StatementCounter

MERCHANT_USER = Actor(id=None, name="Emily", role="merchant", merchant_id=1)


@pytest.fixture
def seven(session, admin, merchant_input):
    """Seven merchants named A–G, created a day apart (G is the most recently active)."""
    made = []
    for number, name in enumerate("ABCDEFG"):
        with clock.frozen_at(NOW + timedelta(days=number)):
            made.append(
                create_merchant(
                    session, admin, dataclasses.replace(merchant_input, name=f"{name} Shop"), allow_duplicate=True
                )
            )
    return made


def test_pipeline_pages_carry_the_true_total_and_never_overlap(session, admin, seven):
    with clock.frozen_at(NOW + timedelta(days=8)):
        pages = [pipeline(session, admin, page=number, per_page=3) for number in (1, 2, 3)]
    assert [len(page.rows) for page in pages] == [3, 3, 1]
    assert {page.total for page in pages} == {7} and pages[0].pages == 3
    ids = [row["id"] for page in pages for row in page.rows]
    assert sorted(ids) == sorted(merchant.id for merchant in seven)
    assert pages[0].by_status == {"active": 7} and pages[0].by_stage == {0: 7}
    assert [row["name"] for row in pages[0].rows] == ["G Shop", "F Shop", "E Shop"]  # latest activity first


def test_pipeline_sorts_in_the_database_and_refuses_unknown_orders(session, admin, seven):
    names = [row["name"] for row in pipeline(session, admin, sort="name", descending=False).rows]
    assert names == sorted(names)
    backwards = [row["name"] for row in pipeline(session, admin, sort="name", descending=True).rows]
    assert backwards == names[::-1]
    longest = pipeline(session, admin, sort="days_in_stage", per_page=1).rows[0]
    assert longest["name"] == "A Shop"
    with pytest.raises(ValidationError):
        pipeline(session, admin, sort="name; DROP TABLE merchant")


def test_pipeline_search_takes_percent_and_underscore_literally(session, admin, merchant_input):
    for name in ("100% Cotton", "Under_score Ltd", "Plain Goods"):
        create_merchant(session, admin, dataclasses.replace(merchant_input, name=name), allow_duplicate=True)
    assert [row["name"] for row in pipeline(session, admin, PipelineFilter(search="%")).rows] == ["100% Cotton"]
    assert [row["name"] for row in pipeline(session, admin, PipelineFilter(search="_")).rows] == ["Under_score Ltd"]
    assert pipeline(session, admin, PipelineFilter(search="COTTON")).total == 1


def test_only_flagged_merchants_are_chosen_in_sql_with_their_total(session, admin):
    analytics_data.build(session)
    with clock.frozen_at(NOW):
        result = pipeline(session, admin, PipelineFilter(flagged_only=True))
    assert sorted(row["name"] for row in result.rows) == ["Alpha", "Bravo"] and result.total == 2


def test_a_merchant_user_pages_through_only_their_own_merchant(session, admin, seven):
    result = pipeline(session, Actor(id=None, name="Emily", role="merchant", merchant_id=seven[2].id))
    assert [row["id"] for row in result.rows] == [seven[2].id] and result.total == 1


def test_the_board_has_a_column_per_stage_with_true_counts_and_the_longest_waiting_on_top(session, admin):
    analytics_data.build(session)
    with clock.frozen_at(NOW):
        columns = board(session, admin)
    assert [column.stage for column in columns] == [0, 1, 2, 3, 4, 5]
    cards = {column.stage: [card["name"] for card in column.cards] for column in columns}
    # Golf is on hold: without a status filter the board shows work in progress and launches only.
    assert cards == {0: ["Alpha"], 1: ["Bravo"], 2: [], 3: ["Charlie"], 4: [], 5: ["Delta", "Echo", "Foxtrot"]}
    alpha = columns[0].cards[0]
    assert alpha["over_sla"] and not alpha["idle"]
    with clock.frozen_at(NOW):
        narrow = board(session, admin, PipelineFilter(statuses=("on_hold",)), per_stage=1)
    assert [column.total for column in narrow] == [0, 0, 1, 0, 0, 0]
    with clock.frozen_at(NOW):
        live = board(session, admin, per_stage=1)[5]
    assert live.total == 3 and [card["name"] for card in live.cards] == ["Delta"]  # the newest launch


def test_bulk_owner_change_needs_a_reason_and_records_it_for_each_merchant(session, admin, seven):
    colleague = create_user(
        session, admin, email="li@support.example.com", name="Li Wei", role="support", password="a support password"
    )
    ids = [seven[0].id, seven[1].id]
    with pytest.raises(ValidationError):
        bulk.change_owners(session, admin, ids, colleague.id, "  ")
    assert bulk.change_owners(session, admin, ids, colleague.id, "Li covers Europe") == 2
    assert {session.get(Merchant, merchant_id).owner_id for merchant_id in ids} == {colleague.id}
    events = session.exec(select(HistoryEvent).where(HistoryEvent.action == "owner_changed")).all()
    assert sorted(event.merchant_id for event in events) == sorted(ids)
    assert all('"reason": "Li covers Europe"' in event.detail for event in events)
    assert bulk.change_owners(session, admin, ids, colleague.id, "again") == 0  # nothing left to change


def test_bulk_status_change_is_all_or_nothing(session, admin, seven):
    with pytest.raises(NotFound):
        bulk.change_statuses(session, admin, [seven[0].id, 99_999], "on_hold", "Paused for the holidays")
    session.expire_all()
    assert session.get(Merchant, seven[0].id).status == "active"
    assert bulk.change_statuses(session, admin, [seven[0].id, seven[1].id], "on_hold", "Paused for the holidays") == 2
    assert session.get(Merchant, seven[1].id).status == "on_hold"
    with pytest.raises(ValidationError):
        bulk.change_statuses(session, admin, [seven[0].id], "asleep", "reason")
    with pytest.raises(ValidationError):
        bulk.change_statuses(session, admin, range(1, bulk.MAX_MERCHANTS + 2), "on_hold", "too many")


def test_merchant_users_cannot_change_merchants_in_bulk(session, seven):
    for action, value in ((bulk.change_owners, None), (bulk.change_statuses, "withdrawn")):
        with pytest.raises(AccessDenied):
            action(session, MERCHANT_USER, [seven[0].id], value, "mine now")


def test_needs_attention_is_paged_filtered_and_counted_in_sql(session, admin):
    made = analytics_data.build(session)
    first = attention.needs_attention(session, admin, per_page=1, now=NOW)
    second = attention.needs_attention(session, admin, page=2, per_page=1, now=NOW)
    assert [row["name"] for row in first.rows + second.rows] == ["Alpha", "Bravo"]
    assert (first.total, first.flagged, first.over_sla, first.pages) == (2, 2, 1, 2)
    assert (first.waiting_support, first.waiting_merchant) == (1, 1)
    li = made["Alpha"].owner_id
    mine = attention.needs_attention(session, admin, attention.AttentionFilter(owner_ids=(li,)), now=NOW)
    assert [row["name"] for row in mine.rows] == ["Alpha"] and (mine.total, mine.flagged) == (1, 2)
    nobody = attention.needs_attention(session, admin, attention.AttentionFilter(owner_ids=(None,)), now=NOW)
    assert nobody.rows == [] and nobody.total == 0
    support = attention.needs_attention(session, admin, attention.AttentionFilter(waiting=("support",)), now=NOW)
    assert [row["name"] for row in support.rows] == ["Bravo"]
    with pytest.raises(ValidationError):
        attention.needs_attention(session, admin, attention.AttentionFilter(waiting=("aliens",)), now=NOW)


def test_needs_attention_pages_are_the_full_ranking_cut_in_pieces_ties_included(session, admin, merchant_input):
    """Each page is chosen from a few index walks; together the pages must be exactly the full ranking."""
    rng = random.Random(7)
    li = create_user(
        session, admin, email="li@support.example.com", name="Li Wei", role="support", password="a support password"
    )
    for number in range(60):
        merchant = create_merchant(
            session,
            admin,
            dataclasses.replace(merchant_input, name=f"Shop {number % 13:02}", owner_id=rng.choice((li.id, None))),
            allow_duplicate=True,
        )
        merchant.current_stage = rng.randrange(5)
        merchant.status = rng.choice(("active", "active", "active", "on_hold"))
        # whole days only, so many merchants are exactly as overdue as others (and share a name)
        merchant.stage_entered_at = NOW - timedelta(days=rng.randrange(0, 14))
        merchant.last_activity_at = max(merchant.stage_entered_at, NOW - timedelta(days=rng.randrange(0, 11)))
        session.add(merchant)
    session.commit()
    for filters in (
        attention.AttentionFilter(),
        attention.AttentionFilter(owner_ids=(None,)),
        attention.AttentionFilter(waiting=("support", "nobody")),
    ):
        everything = attention.needs_attention(session, admin, filters, per_page=None, now=NOW)
        ranking = [row["id"] for row in everything.rows]
        assert len(ranking) == everything.total > 2
        overdue = [row["overdue_days"] for row in everything.rows]
        assert overdue == sorted(overdue, reverse=True)
        if filters == attention.AttentionFilter():
            assert len(set(overdue)) < len(overdue)  # merchants exactly as overdue as others
        for per_page in (1, 3, 7):
            pages = -(-len(ranking) // per_page)
            cut = [
                row["id"]
                for page in range(1, pages + 1)
                for row in attention.needs_attention(
                    session, admin, filters, page=page, per_page=per_page, now=NOW
                ).rows
            ]
            assert cut == ranking, (filters, per_page)


def test_merchants_exactly_as_overdue_are_paged_by_name(session, admin, merchant_input):
    for name in ("Foxtrot", "Echo", "Delta", "Charlie", "Bravo", "Alpha"):
        merchant = create_merchant(session, admin, dataclasses.replace(merchant_input, name=name), allow_duplicate=True)
        merchant.stage_entered_at = NOW - timedelta(days=30)  # the same moment, long over the SLA
        merchant.last_activity_at = NOW  # not idle: only the stage's walk can find them
        session.add(merchant)
    session.commit()
    names = [
        row["name"]
        for page in range(1, 7)
        for row in attention.needs_attention(session, admin, page=page, per_page=1, now=NOW).rows
    ]
    assert names == ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]


def test_a_picker_finds_the_first_matches_by_name_with_their_true_total(session, admin, seven):
    found = find_merchants(session, admin, "shop", limit=3)
    assert [row["name"] for row in found.rows] == ["A Shop", "B Shop", "C Shop"] and found.total == 7
    few = find_merchants(session, admin, "f sh", limit=3)
    assert [row["name"] for row in few.rows] == ["F Shop"] and few.total == 1
    assert find_merchants(session, admin, "100%", limit=3).total == 0  # the search is literal
    own = find_merchants(session, Actor(id=None, name="Emily", role="merchant", merchant_id=seven[2].id), "", 3)
    assert [row["name"] for row in own.rows] == ["C Shop"] and own.total == 1


def test_analytics_keeps_a_report_briefly_per_filter(session, admin, database_url):
    analytics_data.build(session, now=clock.now())
    counter = StatementCounter(database_url)
    try:
        first = analytics.report(session, admin)
        asked = counter.count
        again = analytics.report(session, admin)
        assert again is first and counter.count == asked  # no statement at all the second time
        analytics.report(session, admin, analytics.AnalyticsFilter(statuses=("launched",)))
        assert counter.count > asked
        with pytest.raises(AccessDenied):
            analytics.report(session, MERCHANT_USER)  # the access check comes before the cache
    finally:
        counter.close()


def _item(session, merchant_id: int, key: str) -> ChecklistItem:
    return session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant_id, ChecklistItem.item_key == key)
    ).one()


def test_leaving_a_stage_records_how_long_the_merchant_stayed(session, admin, merchant):
    contact = Actor(id=None, name="Emily", role="merchant", merchant_id=merchant.id)
    entered = session.get(Merchant, merchant.id).stage_entered_at
    with clock.frozen_at(entered + timedelta(days=2)):
        row = _item(session, merchant.id, "sandbox_account_type")
        checklist.submit(session, contact, row.id, row.version, "public")
        checklist.approve(session, admin, row.id, _item(session, merchant.id, "sandbox_account_type").version)
    with clock.frozen_at(entered + timedelta(days=3, hours=12)):
        checklist.record_result(session, admin, merchant.id, "sandbox_credentials_work", True, "works")
    assert session.get(Merchant, merchant.id).current_stage == 1
    stay = session.exec(select(StageStay).where(StageStay.merchant_id == merchant.id)).one()
    assert (stay.stage_index, round(stay.days, 2)) == (0, 3.5)


@pytest.mark.postgres
def test_the_migration_fills_stage_stays_from_the_history(tmp_path):
    from contextlib import nullcontext

    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool
    from sqlmodel import Session

    from models.db import alembic_config, migrate
    from tests.conftest import POSTGRES_URL, fresh_postgres_database

    with fresh_postgres_database() if POSTGRES_URL else nullcontext(f"sqlite:///{tmp_path / 'stays.db'}") as url:
        before = ScriptDirectory.from_config(alembic_config(url)).get_revision("0015").down_revision
        migrate(url, before)
        engine = create_engine(url, poolclass=NullPool)
        try:
            with Session(engine) as session:
                created = NOW - timedelta(days=10)
                merchant = Merchant(
                    name="Old Shop",
                    website="https://old.example.com/",
                    contact_name="Old",
                    contact_email="old@example.com",
                    country="US",
                    shop_platform="custom",
                    integration_mode="plugin",
                    current_stage=2,
                    stage_entered_at=created + timedelta(days=6),
                    last_activity_at=created + timedelta(days=6),
                    created_at=created,
                )
                session.add(merchant)
                session.flush()
                for action, detail, days in (
                    ("merchant_created", '{"name": "Old Shop"}', 0),
                    ("comment_added", '{"text": "hello"}', 1),
                    ("stage_entered", '{"stage": 1, "previous": 0}', 2.5),
                    ("stage_entered", '{"stage": 2, "previous": 1}', 6),
                ):
                    session.add(
                        HistoryEvent(
                            merchant_id=merchant.id,
                            action=action,
                            detail=detail,
                            actor_name="Test",
                            created_at=created + timedelta(days=days),
                        )
                    )
                session.commit()
            migrate(url)
            with Session(engine) as session:
                stays = session.exec(select(StageStay).order_by(StageStay.stage_index)).all()
        finally:
            engine.dispose()
    assert [(stay.stage_index, round(stay.days, 2)) for stay in stays] == [(0, 2.5), (1, 3.5)]
