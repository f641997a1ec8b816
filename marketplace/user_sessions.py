"""Server-side sessions: the signed cookie carries a random token; a row says whether it still counts.

Logging out ends this row; a password change ends the user's other rows; disabling a user or "sign out
everywhere" ends them all. A cookie captured earlier then opens nothing, even though its signature is valid.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update
from sqlmodel import Session

from marketplace.models import UserSession
from marketplace.models.base import utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, *, user_id: int, ip: str) -> str:
    """A new session for a user who just proved who they are; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user_id, token_hash=_hash(token), ip=(ip or "")[:64]))
    session.flush()
    return token


def live_session(session: Session, *, user_id: int, token: str) -> UserSession | None:
    """The user's session with this token while it has not been ended (a read: GETs call it)."""
    if not token:
        return None
    return session.execute(
        select(UserSession).where(
            UserSession.token_hash == _hash(token),
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
        )
    ).scalar_one_or_none()


def end_session(session: Session, *, token: str, reason: str = "logout") -> None:
    """End one session (logout)."""
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    session.flush()


def end_user_sessions(session: Session, *, user_id: int, reason: str, keep_token: str | None = None) -> int:
    """End every live session of a user (but the one with keep_token); returns how many ended."""
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != _hash(keep_token))
    result = session.execute(stmt.values(ended_at=utcnow(), end_reason=reason))
    session.flush()
    return result.rowcount or 0


def is_known_address(session: Session, *, user_id: int, ip: str) -> bool:
    """True when the user has signed in from this client address before."""
    return (
        session.execute(
            select(UserSession.id).where(UserSession.user_id == user_id, UserSession.ip == ip).limit(1)
        ).first()
        is not None
    )
