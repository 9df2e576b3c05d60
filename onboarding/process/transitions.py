"""The item life cycle as one table: which action moves an item from which status, for whom, and who may take it.

The domain's guards (`checklist`) and every page read this table; nobody else spells a status tuple.
"""

from dataclasses import dataclass

from onboarding.core.access import Actor
from onboarding.core.errors import ValidationError

ITEM_STATUSES = ("todo", "submitted", "approved", "rejected", "done", "passed", "failed")
COMPLETE = ("approved", "done", "passed")
# Open merchant items in these statuses wait for the merchant; every other open item waits for support.
MERCHANT_TURN = ("todo", "rejected")

SUBMIT, APPROVE, REJECT, COMPLETE_STEP, REOPEN = "submit", "approve", "reject", "complete", "reopen"
ACTIONS = (SUBMIT, APPROVE, REJECT, COMPLETE_STEP, REOPEN)


@dataclass(frozen=True)
class Transition:
    """One action on one kind of item: the statuses it starts from, the status it leads to, who may take it."""

    action: str
    owners: tuple[str, ...]
    sources: tuple[str, ...]
    target: str
    staff_only: bool
    needs_reason: bool = False
    reviewable_only: bool = False  # support items: only those the process marks `reviewable`


TRANSITIONS = (
    # merchant items: todo → submitted → approved | rejected → submitted again (a new version)
    Transition(SUBMIT, ("merchant",), ("todo", "rejected", "submitted"), "submitted", staff_only=False),
    Transition(APPROVE, ("merchant",), ("submitted",), "approved", staff_only=True),
    Transition(REJECT, ("merchant",), ("submitted",), "rejected", staff_only=True, needs_reason=True),
    # support items: todo → done; a reviewable one may also be refused with a reason the merchant sees
    Transition(COMPLETE_STEP, ("support",), ("todo", "rejected"), "done", staff_only=True),
    Transition(
        REJECT, ("support",), ("todo", "done"), "rejected", staff_only=True, needs_reason=True, reviewable_only=True
    ),
    # anything complete can be taken back, with a reason
    Transition(REOPEN, ("merchant", "support", "automatic"), COMPLETE, "todo", staff_only=True, needs_reason=True),
)

# The message that explains why an action is refused: (action, "owner" | "status") → catalogue key.
REFUSALS = {
    (SUBMIT, "owner"): "error.not_merchant_item",
    (SUBMIT, "status"): "error.already_approved",
    (APPROVE, "owner"): "error.not_submitted",
    (APPROVE, "status"): "error.not_submitted",
    (REJECT, "owner"): "error.cannot_reject",
    (REJECT, "status"): "error.cannot_reject",
    (COMPLETE_STEP, "owner"): "error.not_support_item",
    (COMPLETE_STEP, "status"): "error.already_done",
    (REOPEN, "owner"): "error.not_complete",
    (REOPEN, "status"): "error.not_complete",
}


def _candidates(action: str, item) -> list[Transition]:
    return [
        transition
        for transition in TRANSITIONS
        if transition.action == action
        and item.owner in transition.owners
        and (not transition.reviewable_only or item.reviewable)
    ]


def find(action: str, item, status: str) -> Transition | None:
    """The transition `action` takes from `status` for this process item, if any."""
    return next((t for t in _candidates(action, item) if status in t.sources), None)


def require(action: str, item, status: str) -> Transition:
    """The transition for `action`, or a ValidationError saying why this item cannot take it now."""
    if not _candidates(action, item):
        raise ValidationError(REFUSALS[(action, "owner")])
    transition = find(action, item, status)
    if transition is None:
        raise ValidationError(REFUSALS[(action, "status")])
    return transition


def allowed_actions(item, status: str, actor: Actor) -> tuple[str, ...]:
    """The actions `actor` may take on an item of this kind in `status`, in the order pages show them."""
    return tuple(
        action
        for action in ACTIONS
        if (transition := find(action, item, status)) is not None and (actor.is_staff or not transition.staff_only)
    )


def is_complete(status: str) -> bool:
    """Whether an item in `status` counts as done for its stage."""
    return status in COMPLETE


def waiting_on(owner: str, status: str) -> str | None:
    """Who must act next on an item: "merchant", "support" (PingPong), or None once it is complete."""
    if is_complete(status):
        return None
    return "merchant" if owner == "merchant" and status in MERCHANT_TURN else "support"


def is_resubmission(status: str) -> bool:
    """Whether submitting from `status` answers a rejection (the history says "resubmitted")."""
    return status == "rejected"
