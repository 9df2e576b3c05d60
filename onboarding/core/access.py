"""Who is acting, and what they may do: every domain function checks here."""

from dataclasses import dataclass

from onboarding.core.errors import AccessDenied

ROLES = ("admin", "support", "merchant")
STAFF_ROLES = ("admin", "support")


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the domain layer sees it."""

    id: int | None
    name: str
    role: str
    merchant_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def require_staff(actor: Actor) -> None:
    """Refuse anyone but support staff and admins."""
    if not actor.is_staff:
        raise AccessDenied("error.staff_only")


def require_admin(actor: Actor) -> None:
    """Refuse anyone but admins."""
    if not actor.is_admin:
        raise AccessDenied("error.admin_only")


def require_merchant_access(actor: Actor, merchant_id: int) -> None:
    """Staff see every merchant; a merchant user sees only their own."""
    if actor.is_staff:
        return
    if actor.role != "merchant" or actor.merchant_id is None or actor.merchant_id != merchant_id:
        raise AccessDenied("error.not_your_merchant")


def actor_for(user) -> Actor:
    """The Actor for a stored user row."""
    return Actor(id=user.id, name=user.name, role=user.role, merchant_id=user.merchant_id)
