"""API keys: random secrets shown once; only a SHA-256 digest and a display prefix are stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.errors import Conflict, NotFound
from marketplace.i18n_marker import N_
from marketplace.models import ApiKey, ApiKeyStatus, Entitlement
from marketplace.models.base import utcnow

KEY_PREFIX = "pdx"


def digest_key(plaintext: str) -> str:
    """The stored form of a key (the secret has 190 bits of entropy, so a plain hash suffices)."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(24)}"


def issue_api_key(session: Session, *, actor: Actor, entitlement: Entitlement, label: str = "") -> tuple[ApiKey, str]:
    """Create a key for an entitlement; returns the row and the plaintext (show it once). Caller commits."""
    prefix, plaintext = _new_secret()
    key = ApiKey(entitlement_id=entitlement.id, buyer_org_id=entitlement.buyer_org_id, prefix=prefix,
                 key_hash=digest_key(plaintext), label=label[:60])
    session.add(key)
    session.flush()
    record_audit(session, actor=actor, action="api_key.issue", object_type="api_key", object_id=key.id,
                 org_id=entitlement.buyer_org_id, after={"prefix": prefix, "entitlement": entitlement.id})
    return key, plaintext


def find_key(session: Session, plaintext: str) -> ApiKey | None:
    """The key row for a presented secret, active or not."""
    return session.execute(select(ApiKey).where(ApiKey.key_hash == digest_key(plaintext))).scalar_one_or_none()


def get_own_key(session: Session, *, org_id: int, key_id: int) -> ApiKey:
    """A key of this buyer organization, else NotFound (another tenant's key answers 404)."""
    key = session.get(ApiKey, key_id)
    if key is None or key.buyer_org_id != org_id:
        raise NotFound(N_("API 密钥不存在"))
    return key


def revoke_api_key(session: Session, *, actor: Actor, key: ApiKey) -> ApiKey:
    """Stop a key from working. Caller commits."""
    if key.status == ApiKeyStatus.REVOKED:
        raise Conflict(N_("该密钥已吊销"))
    key.status, key.revoked_at = ApiKeyStatus.REVOKED, utcnow()
    record_audit(session, actor=actor, action="api_key.revoke", object_type="api_key", object_id=key.id,
                 org_id=key.buyer_org_id, before={"status": "active"}, after={"status": "revoked"})
    return key


def rotate_api_key(session: Session, *, actor: Actor, key: ApiKey) -> tuple[ApiKey, str]:
    """Revoke a key and issue its replacement for the same entitlement. Caller commits."""
    entitlement = session.get(Entitlement, key.entitlement_id)
    revoke_api_key(session, actor=actor, key=key)
    new, plaintext = issue_api_key(session, actor=actor, entitlement=entitlement, label=key.label)
    key.replaced_by_id = new.id
    return new, plaintext
