"""The one table of item transitions: what each actor may do from each status, and nobody else spells a status tuple."""

import ast
from pathlib import Path

import pytest

from onboarding.core.access import Actor
from onboarding.core.errors import ValidationError
from onboarding.process import transitions
from onboarding.process.definition import default_process

ROOT = Path(__file__).resolve().parent.parent
STAFF = Actor(id=1, name="Mei", role="support")
MERCHANT_USER = Actor(id=2, name="Emily", role="merchant", merchant_id=1)


def _item(owner: str, reviewable: bool = False):
    return next(item for item in default_process().items if item.owner == owner and item.reviewable == reviewable)


@pytest.mark.parametrize(
    ("owner", "reviewable", "status", "staff", "merchant"),
    [
        ("merchant", False, "todo", ("submit",), ("submit",)),
        ("merchant", False, "submitted", ("submit", "approve", "reject"), ("submit",)),
        ("merchant", False, "rejected", ("submit",), ("submit",)),
        ("merchant", False, "approved", ("reopen",), ()),
        ("support", False, "todo", ("complete",), ()),
        ("support", False, "done", ("reopen",), ()),
        ("support", True, "todo", ("reject", "complete"), ()),
        ("support", True, "done", ("reject", "reopen"), ()),
        ("support", True, "rejected", ("complete",), ()),
        ("automatic", False, "failed", (), ()),
        ("automatic", False, "passed", ("reopen",), ()),
        ("merchant", False, "waived", ("reopen",), ()),
        ("support", False, "waived", ("reopen",), ()),
    ],
)
def test_allowed_actions_follow_the_table(owner, reviewable, status, staff, merchant):
    item = _item(owner, reviewable)
    assert transitions.allowed_actions(item, status, STAFF) == staff
    assert transitions.allowed_actions(item, status, MERCHANT_USER) == merchant


def test_a_transaction_item_is_completed_by_the_verified_query_or_an_admin_override():
    real = next(item for item in default_process().items if item.evidence == "transaction")
    admin = Actor(id=3, name="Zhang", role="admin")
    assert transitions.allowed_actions(real, "todo", STAFF) == ()
    assert transitions.allowed_actions(real, "todo", admin) == ("override",)
    assert transitions.find(transitions.VERIFIED, real, "todo").target == "done"
    with pytest.raises(ValidationError) as refused:
        transitions.require(transitions.COMPLETE_STEP, real, "todo")
    assert refused.value.key == "error.proven_by_query"


def test_every_transition_starts_and_ends_at_a_known_status():
    for transition in transitions.TRANSITIONS:
        assert set(transition.sources) <= set(transitions.ITEM_STATUSES)
        assert transition.target in transitions.ITEM_STATUSES
        assert (transition.action, "owner") in transitions.REFUSALS
        assert (transition.action, "status") in transitions.REFUSALS


def test_a_refused_action_names_why():
    with pytest.raises(ValidationError) as refused:
        transitions.require(transitions.APPROVE, _item("merchant"), "todo")
    assert refused.value.key == "error.not_submitted"
    with pytest.raises(ValidationError) as refused:
        transitions.require(transitions.REJECT, _item("support", reviewable=False), "todo")
    assert refused.value.key == "error.cannot_reject"


def test_waiting_on_says_whose_turn_it_is():
    assert transitions.waiting_on("merchant", "rejected") == "merchant"
    assert transitions.waiting_on("merchant", "submitted") == "support"
    assert transitions.waiting_on("automatic", "failed") == "support"
    assert transitions.waiting_on("support", "done") is None


def _status_tuples(path: Path) -> list[int]:
    """Lines of `path` with a tuple, list or set literal naming two or more item statuses."""
    statuses = set(transitions.ITEM_STATUSES)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            named = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            if len(named & statuses) >= 2:
                found.append(node.lineno)
    return found


def test_pages_and_page_helpers_never_spell_a_status_tuple():
    offences = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in ("pages", "ui")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line in _status_tuples(path)
    ]
    assert not offences, offences


def test_the_status_tuple_finder_finds_one(tmp_path):
    source = tmp_path / "page.py"
    source.write_text('if item.status in ("todo", "rejected"):\n    pass\n', encoding="utf-8")
    assert _status_tuples(source) == [1]
