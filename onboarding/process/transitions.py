"""The item life cycle as one table: which action moves an item from which status, for whom, and who may take it.

The domain's guards (`checklist`) and every page read this table; nobody else spells a status tuple.
"""

from dataclasses import dataclass

from onboarding.core.access import Actor
from onboarding.core.errors import ValidationError

ITEM_STATUSES = ("todo", "submitted", "approved", "rejected", "done", "passed", "failed", "waived")
# `waived`: the item was added to the process after the merchant had completed its stage.
COMPLETE = ("approved", "done", "passed", "waived")
# Open merchant items in these statuses wait for the merchant; every other open item waits for support.
MERCHANT_TURN = ("todo", "rejected")

SUBMIT, APPROVE, REJECT, COMPLETE_STEP, OVERRIDE, REOPEN = (
    "submit",
    "approve",
    "reject",
    "complete",
    "override",
    "reopen",
)
ACTIONS = (SUBMIT, APPROVE, REJECT, COMPLETE_STEP, OVERRIDE, REOPEN)
# What the app's own checks record: an automatic check passed or failed, a transaction verified in production.
CHECK_PASSED, CHECK_FAILED, VERIFIED = "check_passed", "check_failed", "verified"
CHECKS = (CHECK_PASSED, CHECK_FAILED, VERIFIED)
# Evidence that only the verified production query (or an admin override with a reason) can supply.
PROVEN_BY_QUERY = ("transaction",)


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
    admin_only: bool = False
    forward: bool = False  # moves the item towards complete: only once the items it `requires` are complete
    evidence_only: tuple[str, ...] = ()  # only for items with one of these evidence kinds
    evidence_except: tuple[str, ...] = ()  # never for items with one of these evidence kinds

    def fits(self, item) -> bool:
        """Whether this transition applies to a process item of this kind."""
        return (
            item.owner in self.owners
            and (not self.reviewable_only or item.reviewable)
            and (not self.evidence_only or item.evidence in self.evidence_only)
            and item.evidence not in self.evidence_except
        )


TRANSITIONS = (
    # merchant items: todo → submitted → approved | rejected → submitted again (a new version)
    Transition(SUBMIT, ("merchant",), ("todo", "rejected", "submitted"), "submitted", staff_only=False, forward=True),
    Transition(APPROVE, ("merchant",), ("submitted",), "approved", staff_only=True, forward=True),
    Transition(REJECT, ("merchant",), ("submitted",), "rejected", staff_only=True, needs_reason=True),
    # support items: todo → done; a reviewable one may also be refused with a reason the merchant sees
    Transition(
        COMPLETE_STEP,
        ("support",),
        ("todo", "rejected"),
        "done",
        staff_only=True,
        forward=True,
        evidence_except=PROVEN_BY_QUERY,
    ),
    Transition(
        REJECT, ("support",), ("todo", "done"), "rejected", staff_only=True, needs_reason=True, reviewable_only=True
    ),
    # a transaction item without the verified query: only an admin, only with a written reason
    Transition(
        OVERRIDE,
        ("support",),
        ("todo", "rejected"),
        "done",
        staff_only=True,
        needs_reason=True,
        admin_only=True,
        forward=True,
        evidence_only=PROVEN_BY_QUERY,
    ),
    # anything complete can be taken back, with a reason (a waived item too: support reopens it)
    Transition(REOPEN, ("merchant", "support", "automatic"), COMPLETE, "todo", staff_only=True, needs_reason=True),
    # the app's own checks: an automatic item passes or fails; a verified production transaction completes its item
    Transition(
        CHECK_PASSED, ("automatic",), ("todo", "failed", "passed", "waived"), "passed", staff_only=True, forward=True
    ),
    Transition(CHECK_FAILED, ("automatic",), ("todo", "failed", "passed", "waived"), "failed", staff_only=True),
    Transition(
        VERIFIED,
        ("support",),
        ("todo", "rejected", "done", "waived"),
        "done",
        staff_only=True,
        forward=True,
        evidence_only=PROVEN_BY_QUERY,
    ),
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
    (OVERRIDE, "owner"): "error.not_transaction_item",
    (OVERRIDE, "status"): "error.already_done",
    (REOPEN, "owner"): "error.not_complete",
    (REOPEN, "status"): "error.not_complete",
    (CHECK_PASSED, "owner"): "error.not_automatic_item",
    (CHECK_PASSED, "status"): "error.not_automatic_item",
    (CHECK_FAILED, "owner"): "error.not_automatic_item",
    (CHECK_FAILED, "status"): "error.not_automatic_item",
    (VERIFIED, "owner"): "error.not_automatic_item",
    (VERIFIED, "status"): "error.not_automatic_item",
}


def _candidates(action: str, item) -> list[Transition]:
    return [transition for transition in TRANSITIONS if transition.action == action and transition.fits(item)]


def find(action: str, item, status: str) -> Transition | None:
    """The transition `action` takes from `status` for this process item, if any."""
    return next((t for t in _candidates(action, item) if status in t.sources), None)


def require(action: str, item, status: str) -> Transition:
    """The transition for `action`, or a ValidationError saying why this item cannot take it now."""
    if not _candidates(action, item):
        if action == COMPLETE_STEP and proven_by_query(item):
            raise ValidationError("error.proven_by_query")  # a support item, but only the verified query completes it
        raise ValidationError(REFUSALS[(action, "owner")])
    transition = find(action, item, status)
    if transition is None:
        raise ValidationError(REFUSALS[(action, "status")])
    return transition


def allowed_actions(item, status: str, actor: Actor, waiting: bool = False) -> tuple[str, ...]:
    """The actions `actor` may take on an item of this kind in `status`, in the order pages show them.

    `waiting`: the item still waits for items it requires, so nothing moves it forward yet.
    """
    return tuple(
        action
        for action in ACTIONS
        if (transition := find(action, item, status)) is not None
        and (actor.is_staff or not transition.staff_only)
        and (actor.is_admin or not transition.admin_only)
        and not (waiting and transition.forward)
    )


def is_complete(status: str) -> bool:
    """Whether an item in `status` counts as done for its stage."""
    return status in COMPLETE


def is_waived(status: str) -> bool:
    """Whether the item was waived (added after its stage was completed)."""
    return status == "waived"


def proven_by_query(item) -> bool:
    """Whether only the verified production query (or an admin override) completes this item."""
    return item.evidence in PROVEN_BY_QUERY


def waiting_on(owner: str, status: str) -> str | None:
    """Who must act next on an item: "merchant", "support" (PingPong), or None once it is complete."""
    if is_complete(status):
        return None
    return "merchant" if owner == "merchant" and status in MERCHANT_TURN else "support"


def whose_turn(items) -> str | None:
    """Who must act next on a stage: the party of its first open item, from (owner, status) pairs in process order."""
    return next((party for owner, status in items if (party := waiting_on(owner, status)) is not None), None)


def is_resubmission(status: str) -> bool:
    """Whether submitting from `status` answers a rejection (the history says "resubmitted")."""
    return status == "rejected"
