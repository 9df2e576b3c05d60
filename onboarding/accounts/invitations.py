"""Invitations: single-use links (only their hash stored) that let a merchant's person set a password."""

import secrets
from datetime import UTC, timedelta

from sqlmodel import Session, col, select

from models import Invitation, Merchant, User
from onboarding.accounts import auth, passwords
from onboarding.accounts.passwords import hash_password
from onboarding.core import clock
from onboarding.core.access import Actor, require_merchant_access, require_staff
from onboarding.core.config import get_settings
from onboarding.core.errors import NotFound, ValidationError
from onboarding.core.field_checks import collect, require
from onboarding.core.i18n import LANGUAGES, translate
from onboarding.core.validation import validate_email
from onboarding.notifications import outbox
from onboarding.notifications.mail import Content, render
from onboarding.process import history


def _aware(moment):
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _invitable(session: Session, merchant_id: int, email: str) -> User | None:
    """Refuse an address whose account can already sign in or belongs elsewhere; return a password-less one."""
    existing = session.exec(select(User).where(User.email == email)).first()
    if existing is None:
        return None
    if existing.password_hash is not None:
        raise ValidationError("error.email_taken")
    if existing.role != "merchant" or existing.merchant_id != merchant_id:
        raise ValidationError("error.email_other_account")
    if not existing.active:
        raise ValidationError("error.email_account_inactive")
    return existing


def invite(
    session: Session, actor: Actor, merchant_id: int, email: str, language: str | None = None
) -> tuple[Invitation, str]:
    """Create an invitation and queue its e-mail; returns it and the token (shown once, never stored).

    The address may belong to this merchant's account that has no password yet: the invitation then sets one.
    """
    require_staff(actor)
    require_merchant_access(actor, merchant_id)
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("error.merchant_not_found")
    email = validate_email(email, field="email").lower()
    existing = _invitable(session, merchant_id, email)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    invitation = Invitation(
        token_hash=auth.token_hash(token),
        merchant_id=merchant_id,
        email=email,
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=get_settings().invitation_days),
    )
    session.add(invitation)
    session.flush()
    language = language if language in LANGUAGES else existing.language if existing else "en"
    _queue_mail(session, actor, invitation, token, merchant, language)
    history.record(session, actor, "invited", merchant_id, email=email)
    session.commit()
    return invitation, token


def resend(session: Session, actor: Actor, invitation_id: int, language: str | None = None) -> tuple[Invitation, str]:
    """Send a pending invitation again with a fresh link and a fresh expiry; the earlier link stops working."""
    require_staff(actor)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound("error.invitation_unknown")
    require_merchant_access(actor, invitation.merchant_id)
    if invitation.used_at is not None:
        raise ValidationError("error.invitation_used_resend")
    existing = _invitable(session, invitation.merchant_id, invitation.email)
    token = secrets.token_urlsafe(32)
    invitation.token_hash = auth.token_hash(token)
    invitation.expires_at = clock.now() + timedelta(days=get_settings().invitation_days)
    session.add(invitation)
    language = language if language in LANGUAGES else existing.language if existing else "en"
    _queue_mail(session, actor, invitation, token, session.get(Merchant, invitation.merchant_id), language)
    history.record(session, actor, "invitation_resent", invitation.merchant_id, email=invitation.email)
    session.commit()
    return invitation, token


def _queue_mail(
    session: Session, actor: Actor, invitation: Invitation, token: str, merchant: Merchant, language: str
) -> None:
    """The invitation's e-mail, in the outbox with its link encrypted (security mail: always sent)."""

    def t(key: str, **params) -> str:
        return translate(key, language, **params)

    content = Content(
        language,
        t("mail.invitation.subject", merchant=merchant.name),
        t("mail.greeting_plain"),
        [
            t("mail.invitation.body", who=actor.name, merchant=merchant.name),
            t("mail.invitation.validity", days=get_settings().invitation_days),
        ],
        t("mail.invitation.action"),
        link_for(token),
        security=True,
    )
    outbox.enqueue(
        session,
        key=f"invitation:{invitation.id}:{invitation.token_hash}",
        category="invitation",
        to_address=invitation.email,
        language=language,
        mail=render(content),
        merchant_id=merchant.id,
        secret=True,
    )


def link_for(token: str) -> str:
    """The address to send: the app with the invitation token."""
    return f"{get_settings().public_url}/?invite={token}"


def mail_is_sent() -> bool:
    """Whether invitation e-mails leave the app (SMTP configured), or only the copied link reaches people."""
    return bool(get_settings().smtp_host)


def find_open(session: Session, token: str | None) -> Invitation:
    """The unused, unexpired invitation behind a token; raises with a clear reason otherwise."""
    if not token:
        raise NotFound("error.invitation_unknown")
    invitation = session.exec(select(Invitation).where(Invitation.token_hash == auth.token_hash(token))).first()
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound("error.invitation_unknown")
    if invitation.used_at is not None:
        raise ValidationError("error.invitation_used")
    if _aware(invitation.expires_at) < clock.now():
        raise ValidationError("error.invitation_expired")
    return invitation


def acceptance_problems(name: str, password: str, again: str) -> dict[str, ValidationError]:
    """Everything wrong with what an invitee typed, by form field (name, password, repeated password)."""
    return collect({"full_name": lambda: require(name, "person_name")}) | passwords.problems(password, again)


def accept(session: Session, token: str, name: str, password: str) -> User:
    """Use an invitation once: create the merchant user, or give the waiting password-less account its password."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("error.field_required", field="contact_name")
    password_hash = hash_password(password)  # before the first query: no connection is held while hashing
    invitation = find_open(session, token)
    user = _invitable(session, invitation.merchant_id, invitation.email)
    if user is None:
        user = User(
            email=invitation.email,
            name=name[:200],
            role="merchant",
            merchant_id=invitation.merchant_id,
            password_hash=password_hash,
            created_at=clock.now(),
        )
    else:
        user.name, user.password_hash = name[:200], password_hash
    session.add(user)
    invitation.used_at = clock.now()
    session.add(invitation)
    session.flush()
    history.record(
        session,
        Actor(id=user.id, name=user.name, role="merchant", merchant_id=user.merchant_id),
        "invitation_accepted",
        invitation.merchant_id,
        email=invitation.email,
    )
    session.commit()
    return user


def pending(session: Session, actor: Actor, merchant_id: int | None = None) -> list[Invitation]:
    """Invitations not used, revoked or expired (of one merchant, or all)."""
    require_staff(actor)
    query = select(Invitation).where(
        col(Invitation.used_at).is_(None), col(Invitation.revoked_at).is_(None), Invitation.expires_at > clock.now()
    )
    if merchant_id is not None:
        query = query.where(Invitation.merchant_id == merchant_id)
    return list(session.exec(query.order_by(col(Invitation.created_at).desc())))


def revoke(session: Session, actor: Actor, invitation_id: int) -> None:
    """Withdraw an invitation before it is used."""
    require_staff(actor)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound("error.invitation_unknown")
    invitation.revoked_at = clock.now()
    session.add(invitation)
    history.record(session, actor, "invitation_revoked", invitation.merchant_id, email=invitation.email)
    session.commit()
