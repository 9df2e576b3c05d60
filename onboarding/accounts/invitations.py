"""Invitations: single-use links (only their hash stored) that let a merchant's person set a password."""

import secrets
import smtplib
from datetime import UTC, timedelta
from email.message import EmailMessage

from sqlmodel import Session, col, select

from models import Invitation, Merchant, User
from onboarding.accounts import auth
from onboarding.accounts.passwords import hash_password
from onboarding.core import clock
from onboarding.core.access import Actor, require_merchant_access, require_staff
from onboarding.core.config import get_settings
from onboarding.core.errors import NotFound, ValidationError
from onboarding.core.validation import validate_email
from onboarding.process import history


def _aware(moment):
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def invite(session: Session, actor: Actor, merchant_id: int, email: str) -> tuple[Invitation, str]:
    """Create an invitation for a merchant's person; returns it and the token (shown once, never stored)."""
    require_staff(actor)
    require_merchant_access(actor, merchant_id)
    if session.get(Merchant, merchant_id) is None:
        raise NotFound("error.merchant_not_found")
    email = validate_email(email, field="email").lower()
    existing = session.exec(select(User).where(User.email == email)).first()
    if existing is not None:
        raise ValidationError("error.email_taken")
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
    history.record(session, actor, "invited", merchant_id, email=email)
    session.commit()
    return invitation, token


def link_for(token: str) -> str:
    """The address to send: the app with the invitation token."""
    return f"{get_settings().public_url}/?invite={token}"


def send_email(invitation: Invitation, token: str, merchant_name: str) -> bool:
    """E-mail the link when SMTP is configured; False when it is not."""
    settings = get_settings()
    if not settings.smtp_host:
        return False
    message = EmailMessage()
    message["Subject"] = f"Your PingPong Checkout onboarding for {merchant_name}"
    message["From"] = settings.smtp_sender or settings.smtp_user or "onboarding@localhost"
    message["To"] = invitation.email
    message.set_content(
        f"You have been invited to follow the PingPong Checkout onboarding of {merchant_name}.\n\n"
        f"Open this link to set your password (valid for {settings.invitation_days} days, once):\n"
        f"{link_for(token)}\n"
    )
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as client:
        if settings.smtp_user:
            client.starttls()
            client.login(settings.smtp_user, settings.smtp_password or "")
        client.send_message(message)
    return True


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


def accept(session: Session, token: str, name: str, password: str) -> User:
    """Use an invitation once: create the merchant user with the chosen password."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("error.field_required", field="contact_name")
    password_hash = hash_password(password)  # before the first query: no connection is held while hashing
    invitation = find_open(session, token)
    if session.exec(select(User.id).where(User.email == invitation.email)).first() is not None:
        raise ValidationError("error.email_taken")
    user = User(
        email=invitation.email,
        name=name[:200],
        role="merchant",
        merchant_id=invitation.merchant_id,
        password_hash=password_hash,
        created_at=clock.now(),
    )
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
