"""Access is checked in the domain layer: a merchant user of A is refused everything of merchant B.

The test walks every public function of the domain package, so a new function that takes a
merchant, item, submission or invitation without checking access fails here.
"""

import dataclasses
import importlib
import inspect
import pkgutil

import pytest
from sqlmodel import select

import onboarding
from models import ChecklistItem
from onboarding.accounts import invitations
from onboarding.core.access import Actor
from onboarding.core.errors import AccessDenied, NotFound
from onboarding.process import comments
from onboarding.process.merchants import create_merchant, pipeline
from onboarding.review import queue
from tests.samples import png_bytes

# Building blocks that only add rows to their caller's transaction; every caller checks access first.
INTERNAL = {"onboarding.process.history.record"}
SCOPED = {"merchant_id", "item_id", "submission_id", "invitation_id"}
SAMPLES = {
    "expected_version": 1,
    "value": "public",
    "reason": "because",
    "note": "n",
    "body": "hello",
    "email": "someone@example.com",
    "status": "on_hold",
    "owner_id": None,
    "stage_index": 1,
    "item_key": "sandbox_credentials_work",
    "passed": True,
    "summary": "s",
    "data": png_bytes(),
    "file_name": "x.png",
    "environment": "sandbox",
    "days": 3,
}


def _domain_functions():
    for info in pkgutil.walk_packages(onboarding.__path__, "onboarding."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            parameters = inspect.signature(function).parameters
            if "actor" in parameters and SCOPED & set(parameters) and f"{info.name}.{name}" not in INTERNAL:
                yield f"{info.name}.{name}", function


FUNCTIONS = sorted(_domain_functions())


def test_the_walk_finds_the_domain_functions():
    names = {name for name, _ in FUNCTIONS}
    assert {
        "onboarding.process.checklist.submit",
        "onboarding.process.checklist.approve",
        "onboarding.process.merchants.merchant_view",
        "onboarding.review.evidence.submit_file",
        "onboarding.review.evidence.read_file",
        "onboarding.process.comments.add_comment",
    } <= names


@pytest.fixture
def two_merchants(session, admin, merchant_input):
    first = create_merchant(session, admin, merchant_input)
    second = create_merchant(
        session, admin, dataclasses.replace(merchant_input, name="Other Merchant"), allow_duplicate=True
    )
    item = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == second.id, ChecklistItem.item_key == "sandbox_account_type"
        )
    ).one()
    from onboarding.process import checklist

    submission = checklist.submit(session, admin, item.id, item.version, "public")
    invitation, _ = invitations.invite(session, admin, second.id, "new.person@other.example.com")
    comments.add_comment(session, admin, second.id, "Only for merchant B")
    intruder = Actor(id=None, name="Emily", role="merchant", merchant_id=first.id)
    return {
        "merchant_id": second.id,
        "item_id": item.id,
        "submission_id": submission.id,
        "invitation_id": invitation.id,
    }, intruder


@pytest.mark.parametrize(("name", "function"), FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_merchant_user_of_a_is_refused_on_merchant_b(session, two_merchants, name, function):
    targets, intruder = two_merchants
    arguments = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name == "session":
            arguments["session"] = session
        elif parameter.name == "actor":
            arguments["actor"] = intruder
        elif parameter.name in targets:
            arguments[parameter.name] = targets[parameter.name]
        elif parameter.name in SAMPLES:
            arguments[parameter.name] = SAMPLES[parameter.name]
        elif parameter.default is inspect.Parameter.empty:
            arguments[parameter.name] = "sample"  # access must be checked before the input is read
    with pytest.raises((AccessDenied, NotFound)):
        function(**arguments)


def test_listings_show_a_merchant_user_nothing_of_other_merchants(session, two_merchants):
    targets, intruder = two_merchants
    assert all(row["id"] == intruder.merchant_id for row in pipeline(session, intruder).rows)
    with pytest.raises(AccessDenied):
        queue.waiting_page(session, intruder)
    with pytest.raises(AccessDenied):
        invitations.pending(session, intruder)
