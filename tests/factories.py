"""Small helpers that build test data through the real use cases where one exists."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlmodel import Session
from werkzeug.security import generate_password_hash

from marketplace.models import Organization, OrgKind, OrgStatus, Role, User
from marketplace.models.accounts import ROLES_BY_KIND
from marketplace.models.base import utcnow
from marketplace.uscc import make_uscc

PASSWORD = "Tea-River-Lantern-42"
_seq = itertools.count(1)
# A cheap hash keeps tests fast; the app itself uses Werkzeug's default (scrypt).
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
KIND_FOR_ROLE = {role: kind for kind, roles in ROLES_BY_KIND.items() for role in roles}


def new_uscc() -> str:
    """A fresh valid unified social credit code."""
    return make_uscc(f"91350100{next(_seq):09d}")


def make_org(session: Session, kind: OrgKind | str = OrgKind.ENTERPRISE, *, name: str | None = None,
             verified: bool = True) -> Organization:
    """An organization of this kind (verified unless told otherwise)."""
    n = next(_seq)
    org = Organization(name=name or f"测试{OrgKind(kind).value}{n}有限公司", uscc=new_uscc(), kind=OrgKind(kind),
                       status=OrgStatus.VERIFIED if verified else OrgStatus.PENDING,
                       verified_at=utcnow() if verified else None, contact_name="测试", phone="13800138000")
    session.add(org)
    session.commit()
    return org


def make_user(session: Session, role: Role | str, *, org: Organization | None = None, email: str | None = None,
              verified: bool = True, org_admin: bool = False) -> User:
    """A user with this role, in a new organization of the matching kind unless one is given."""
    role = Role(role)
    org = org or make_org(session, KIND_FOR_ROLE[role], verified=verified)
    user = User(email=email or f"{role.value}{next(_seq)}@test.cn", password_hash=_HASH, name=f"测试{role.value}",
                role=role, org_id=org.id, org_admin=org_admin)
    session.add(user)
    session.commit()
    return user


# --- catalog rows, inserted directly (for tests of features that only read products) ---

def make_agreement(session: Session, *, operator: Organization | None = None, authority: Organization | None = None,
                   domains: tuple[str, ...] = ("credit", "finance", "transport", "weather", "health", "other"),
                   days: int = 365, **kw):
    """An active agreement covering `domains`, running from yesterday for `days` days."""
    import json
    from datetime import date, timedelta

    from marketplace.models import Agreement

    operator = operator or make_org(session, OrgKind.OPERATOR)
    authority = authority or make_org(session, OrgKind.AUTHORITY)
    n = next(_seq)
    agreement = Agreement(code=f"SQ-TEST-{n:05d}", title=f"测试授权运营协议{n}", authority_id=authority.id,
                          operator_id=operator.id, domains=json.dumps(list(domains)),
                          start_date=date.today() - timedelta(days=1),
                          end_date=date.today() + timedelta(days=days), **kw)
    session.add(agreement)
    session.commit()
    return agreement


def make_product(session: Session, *, agreement=None, type: str = "package", title: str | None = None,
                 domain: str = "credit", status: str = "listed", openness: str = "unconditional",
                 plans: tuple[dict, ...] = ({"form": "one_off", "price_fen": 10000},), caps: bool = True, **kw):
    """A product with plans (pricing.PlanTerms dicts) — listed by default; with `caps`, each charged plan
    has a cap in force at its own highest price (R3: a charged plan without one is not on sale)."""
    import json

    from marketplace.models import CapPrice, PricePlan, Product
    from pricing import PlanTerms, highest_unit_price

    agreement = agreement or make_agreement(session)
    n = next(_seq)
    product = Product(slug=kw.pop("slug", f"test-product-{n}"), type=type, status=status,
                      operator_id=agreement.operator_id, agreement_id=agreement.id,
                      title=title or f"测试数据产品{n}", summary=kw.pop("summary", "测试摘要"), domain=domain,
                      region="福建省",
                      openness=openness, registration_code=f"REG-{n}",
                      listed_at=utcnow() if status == "listed" else None,
                      **kw)
    session.add(product)
    session.flush()
    for i, terms in enumerate(plans):
        parsed = PlanTerms.from_dict(terms).validate()
        session.add(PricePlan(product_id=product.id, name=terms.get("name", f"方案{i + 1}"),
                              charge_form=parsed.form.value, terms=json.dumps(parsed.to_dict())))
        if caps and parsed.form.value != "free_public":  # a 面议 plan's one-off offers: a generous one-off cap
            form, cap = ("one_off", 2_000_000_000) if parsed.form.value == "negotiated" \
                else (parsed.form.value, highest_unit_price(parsed))
            session.add(CapPrice(product_id=product.id, charge_form=form, cap_fen=cap,
                                 effective_from=utcnow() - timedelta(days=3 if form != parsed.form.value else 2)))
    session.commit()
    return product
