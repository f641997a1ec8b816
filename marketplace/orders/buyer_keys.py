"""A buyer's API keys for its entitlements: issue, rotate, revoke (plaintext returned once, never stored)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.entitlements import is_usable
from marketplace.errors import NotFound
from marketplace.i18n_marker import N_
from marketplace.keys import get_own_key, issue_api_key, revoke_api_key, rotate_api_key
from marketplace.models import ApiKey, ApiKeyStatus, Entitlement, Product
from marketplace.orders.common import OrderError
from marketplace.orders.fulfilment import KEYED_TYPES

MAX_ACTIVE_KEYS = 5


def issue_key_for(session: Session, *, actor: Actor, buyer_org_id: int, entitlement_id: int,
                  label: str = "") -> tuple[ApiKey, str]:
    """A new key for the buyer's usable entitlement of an API product; the caller commits."""
    ent = session.get(Entitlement, entitlement_id)
    if ent is None or ent.buyer_org_id != buyer_org_id:
        raise NotFound(N_("权益不存在"))
    product = session.get(Product, ent.product_id)
    if product.type not in KEYED_TYPES:
        raise OrderError(N_("该产品以文件交付，无需 API 密钥"))
    if not is_usable(ent):
        raise OrderError(N_("该权益已结束，不能生成密钥"))
    active = session.execute(select(func.count()).select_from(ApiKey).where(
        ApiKey.entitlement_id == ent.id, ApiKey.status == ApiKeyStatus.ACTIVE)).scalar_one()
    if active >= MAX_ACTIVE_KEYS:
        raise OrderError(N_("每项权益最多 %(MAX_ACTIVE_KEYS)s 个有效密钥，请先吊销不用的密钥"),
                         params={"MAX_ACTIVE_KEYS": MAX_ACTIVE_KEYS})
    key, plaintext = issue_api_key(session, actor=actor, entitlement=ent, label=(label or "").strip())
    session.flush()
    return key, plaintext


def rotate_key(session: Session, *, actor: Actor, buyer_org_id: int, key_id: int) -> tuple[ApiKey, str]:
    """Replace one of the buyer's keys; the caller commits."""
    key = get_own_key(session, org_id=buyer_org_id, key_id=key_id)
    new, plaintext = rotate_api_key(session, actor=actor, key=key)
    session.flush()
    return new, plaintext


def revoke_key(session: Session, *, actor: Actor, buyer_org_id: int, key_id: int) -> ApiKey:
    """Stop one of the buyer's keys; the caller commits."""
    key = get_own_key(session, org_id=buyer_org_id, key_id=key_id)
    revoke_api_key(session, actor=actor, key=key)
    session.flush()
    return key
