"""People who use the app: the first admin, user administration, preferences."""

from sqlmodel import Session, col, select

from models import Merchant, User
from onboarding.accounts import api_tokens, auth, passwords
from onboarding.accounts.passwords import check_rules, hash_password
from onboarding.core import clock
from onboarding.core.access import ROLES, STAFF_ROLES, Actor, require_admin
from onboarding.core.errors import NotFound, ValidationError
from onboarding.core.field_checks import collect, require
from onboarding.core.i18n import LANGUAGES
from onboarding.core.validation import validate_email
from onboarding.process import history

# Acts for the command line and the first-run form, where nobody is signed in yet.
SYSTEM = Actor(id=None, name="System", role="admin")


def needs_first_admin(session: Session) -> bool:
    """True until an active admin who can sign in exists."""
    query = select(User.id).where(
        User.role == "admin",
        User.active == True,  # noqa: E712
        col(User.password_hash).is_not(None),
    )
    return session.exec(query.limit(1)).first() is None


def create_first_admin(session: Session, email: str, name: str, password: str) -> User:
    """Create the first admin; refused once one exists."""
    if not needs_first_admin(session):
        raise ValidationError("error.first_admin_exists")
    return create_user(session, SYSTEM, email=email, name=name, role="admin", password=password)


def create_user(
    session: Session,
    actor: Actor,
    email: str,
    name: str,
    role: str,
    password: str | None,
    merchant_id: int | None = None,
) -> User:
    """Add an account; merchant users belong to exactly one merchant, staff to none."""
    require_admin(actor)
    email = validate_email(email, field="email").lower()
    name = (name or "").strip() or email.split("@")[0]
    if role not in ROLES:
        raise ValidationError("error.bad_role")
    password_hash = hash_password(password) if password is not None else None  # before any query
    _check_merchant(session, role, merchant_id)
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise ValidationError("error.email_taken")
    user = User(
        email=email,
        name=name[:200],
        role=role,
        merchant_id=merchant_id if role == "merchant" else None,
        password_hash=password_hash,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    history.record(session, actor, "user_created", merchant_id if role == "merchant" else None, email=email, role=role)
    session.commit()
    return user


def new_user_problems(
    session: Session, actor: Actor, email: str, role: str, password: str | None, merchant_id: int | None = None
) -> dict[str, ValidationError]:
    """Everything wrong with a new account's input, by form field (email, role, merchant, password)."""
    require_admin(actor)

    def email_free() -> None:
        address = validate_email(email, field="email").lower()
        if session.exec(select(User.id).where(User.email == address)).first() is not None:
            raise ValidationError("error.email_taken")

    def known_role() -> None:
        if role not in ROLES:
            raise ValidationError("error.bad_role")

    return collect(
        {
            "email": email_free,
            "role": known_role,
            "merchant": lambda: _check_merchant(session, role, merchant_id) if role in ROLES else None,
            "password": lambda: check_rules(password) if password is not None else None,
        }
    )


def first_admin_problems(email: str, name: str, password: str, again: str) -> dict[str, ValidationError]:
    """Everything wrong with the first-admin form, by field (name, email, password, repeated password)."""
    return collect(
        {"name": lambda: require(name, "person_name"), "email": lambda: validate_email(email, field="email")}
    ) | passwords.problems(password, again)


def _check_merchant(session: Session, role: str, merchant_id: int | None) -> None:
    if role == "merchant":
        if merchant_id is None or session.get(Merchant, merchant_id) is None:
            raise ValidationError("error.merchant_required")
    elif merchant_id is not None:
        raise ValidationError("error.staff_without_merchant")


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("error.user_not_found")
    return user


def list_users(session: Session, actor: Actor) -> list[User]:
    """Every account, for the Admin page."""
    require_admin(actor)
    return list(session.exec(select(User).order_by(User.role, User.name)))


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate (ending every session) or reactivate an account."""
    require_admin(actor)
    user = _user(session, user_id)
    if user.id == actor.id and not active:
        raise ValidationError("error.cannot_deactivate_self")
    user.active = active
    session.add(user)
    revoked = 0
    if not active:
        auth.revoke_all(session, user.id)
        # reactivating the account later must not bring old tokens back to life
        revoked = api_tokens.revoke_all_of(session, user.id)
    history.record(
        session,
        actor,
        "user_activated" if active else "user_deactivated",
        user.merchant_id,
        email=user.email,
        **({"api_tokens_revoked": revoked} if revoked else {}),
    )
    session.commit()
    return user


def reset_password(session: Session, actor: Actor, user_id: int, password: str) -> User:
    """Set a new password for someone (ending their sessions)."""
    require_admin(actor)
    password_hash = hash_password(password)  # before any query: no connection is held while hashing
    user = _user(session, user_id)
    user.password_hash = password_hash
    session.add(user)
    auth.revoke_all(session, user.id)
    history.record(session, actor, "password_reset", user.merchant_id, email=user.email)
    session.commit()
    return user


def change_role(session: Session, actor: Actor, user_id: int, role: str, merchant_id: int | None = None) -> User:
    """Give an account another role (a merchant role needs its merchant)."""
    require_admin(actor)
    if role not in ROLES:
        raise ValidationError("error.bad_role")
    user = _user(session, user_id)
    if user.id == actor.id and role != "admin":
        raise ValidationError("error.cannot_demote_self")
    _check_merchant(session, role, merchant_id)
    previous = user.role
    user.role, user.merchant_id = role, merchant_id if role == "merchant" else None
    session.add(user)
    auth.revoke_all(session, user.id)
    if role not in STAFF_ROLES:
        api_tokens.revoke_all_of(session, user.id)  # tokens are for staff; a later promotion gets new ones
    history.record(session, actor, "role_changed", user.merchant_id, email=user.email, role=role, previous=previous)
    session.commit()
    return user


def set_language(session: Session, actor: Actor, language: str) -> None:
    """Remember the user's language for their next visit."""
    if language not in LANGUAGES:
        raise ValidationError("error.bad_language")
    user = session.get(User, actor.id) if actor.id is not None else None
    if user is not None and user.language != language:
        user.language = language
        session.add(user)
        session.commit()


def find_by_email(session: Session, email: str) -> User | None:
    """The account with this e-mail address, if any (single sign-on matching)."""
    return session.exec(select(User).where(User.email == (email or "").strip().lower())).first()
