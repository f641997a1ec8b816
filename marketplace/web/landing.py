"""Where each role lands after login, and the counts of what waits for it there (read only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlmodel import Session

from marketplace.clock import today
from marketplace.models import (
    AccessApplication,
    Agreement,
    AgreementStatus,
    Order,
    OrderStatus,
    Organization,
    OrgStatus,
    PaymentMethod,
    Product,
    ProductRevision,
    QuoteOffer,
    QuoteRequest,
    RevisionStatus,
    Role,
)
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.models.demand import ApplicationStatus, OfferStatus, QuoteStatus

ENDING_SOON_DAYS = 60

LANDING: dict[Role, str] = {
    Role.REVIEWER: "review.queue",
    Role.FINANCE: "money.finance_dashboard",
    Role.AUTHORITY: "authority.agreements",
    Role.OPERATOR: "supply.dashboard",
    Role.BROKER: "supply.dashboard",
    Role.BUYER: "main.home",  # the catalogue home, with their unpaid orders and bills on top
    Role.ADMIN: "admin.organizations",
}


@dataclass(frozen=True)
class Waiting:
    """One kind of work waiting: how many, and where to do it."""

    key: str
    label: object
    count: int
    endpoint: str
    args: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **dict(self.args))


def landing_url(role: Role) -> str:
    """The page a user of this role starts on after login (the home page when that feature is absent)."""
    endpoint = LANDING.get(Role(role))
    return url_for(endpoint) if endpoint and endpoint in current_app.view_functions else url_for("main.home")


def _count(session: Session, stmt) -> int:
    return session.execute(stmt).scalar_one()


def _ending_agreements(session: Session, column, org_id: int) -> int:
    horizon = today() + timedelta(days=ENDING_SOON_DAYS)
    return _count(
        session,
        select(func.count())
        .select_from(Agreement)
        .where(column == org_id, Agreement.status == AgreementStatus.ACTIVE, Agreement.end_date <= horizon),
    )


def _revisions_in_review(session: Session, org_id: int) -> int:
    """Submitted revisions of the products the organization operates or lists as a broker."""
    return _count(
        session,
        select(func.count())
        .select_from(ProductRevision)
        .join(Product, Product.id == ProductRevision.product_id)
        .where(
            ProductRevision.status == RevisionStatus.SUBMITTED,
            or_(Product.operator_id == org_id, Product.broker_id == org_id),
        ),
    )


def _open_quotes(session: Session, org_id: int) -> int:
    return _count(
        session,
        select(func.count())
        .select_from(QuoteRequest)
        .where(QuoteRequest.seller_org_id == org_id, QuoteRequest.status == QuoteStatus.OPEN),
    )


def waiting_for(session: Session, *, role: Role, org_id: int) -> list[Waiting]:
    """The counts shown on the landing page of this role, for this organization."""
    role = Role(role)
    if role == Role.REVIEWER:
        return [
            Waiting(
                "reviews",
                _l("待审核的商品"),
                _count(
                    session,
                    select(func.count())
                    .select_from(ProductRevision)
                    .where(ProductRevision.status == RevisionStatus.SUBMITTED),
                ),
                "review.queue",
            )
        ]
    if role == Role.ADMIN:
        return [
            Waiting(
                "orgs",
                _l("待实名审核的单位"),
                _count(
                    session,
                    select(func.count()).select_from(Organization).where(Organization.status == OrgStatus.PENDING),
                ),
                "admin.organizations",
                (("status", "pending"),),
            )
        ]
    if role == Role.FINANCE:
        return [
            Waiting(
                "transfers",
                _l("待确认的银行转账（订单）"),
                _count(
                    session,
                    select(func.count())
                    .select_from(Order)
                    .where(
                        Order.status == OrderStatus.AWAITING_PAYMENT,
                        Order.payment_method == PaymentMethod.BANK_TRANSFER,
                    ),
                ),
                "finance.payments",
            ),
            Waiting(
                "bills",
                _l("未付的用量账单"),
                _count(
                    session, select(func.count()).select_from(UsageBill).where(UsageBill.status == BillStatus.ISSUED)
                ),
                "finance_bills.index",
            ),
            Waiting(
                "overdue",
                _l("已逾期的用量账单"),
                _count(
                    session,
                    select(func.count())
                    .select_from(UsageBill)
                    .where(UsageBill.status == BillStatus.ISSUED, UsageBill.due_date < today()),
                ),
                "finance_bills.index",
            ),
        ]
    if role == Role.AUTHORITY:
        return [
            Waiting(
                "ending",
                _l("%(days)s 天内到期的授权协议", days=ENDING_SOON_DAYS),
                _ending_agreements(session, Agreement.authority_id, org_id),
                "authority.agreements",
            )
        ]
    if role in (Role.OPERATOR, Role.BROKER):
        items = [
            Waiting("in_review", _l("审核中的商品"), _revisions_in_review(session, org_id), "supply.dashboard"),
            Waiting("quotes", _l("待报价的询价"), _open_quotes(session, org_id), "quotes.incoming"),
        ]
        if role == Role.OPERATOR:
            items.append(
                Waiting(
                    "applications",
                    _l("待处理的使用申请"),
                    _count(
                        session,
                        select(func.count())
                        .select_from(AccessApplication)
                        .join(Product, Product.id == AccessApplication.product_id)
                        .where(Product.operator_id == org_id, AccessApplication.status == ApplicationStatus.PENDING),
                    ),
                    "applications.incoming",
                )
            )
            items.append(
                Waiting(
                    "ending",
                    _l("%(days)s 天内到期的授权协议", days=ENDING_SOON_DAYS),
                    _ending_agreements(session, Agreement.operator_id, org_id),
                    "supply.dashboard",
                )
            )
        return items
    if role == Role.BUYER:
        return [
            Waiting(
                "unpaid_orders",
                _l("待支付的订单"),
                _count(
                    session,
                    select(func.count())
                    .select_from(Order)
                    .where(Order.buyer_org_id == org_id, Order.status == OrderStatus.AWAITING_PAYMENT),
                ),
                "buyer.orders",
            ),
            Waiting(
                "bills",
                _l("未付的账单"),
                _count(
                    session,
                    select(func.count())
                    .select_from(UsageBill)
                    .where(UsageBill.buyer_org_id == org_id, UsageBill.status == BillStatus.ISSUED),
                ),
                "billing.bills",
            ),
            Waiting(
                "offers",
                _l("待答复的报价"),
                _count(
                    session,
                    select(func.count())
                    .select_from(QuoteOffer)
                    .join(QuoteRequest, QuoteRequest.id == QuoteOffer.quote_id)
                    .where(QuoteRequest.buyer_org_id == org_id, QuoteOffer.status == OfferStatus.OPEN),
                ),
                "quotes.mine",
            ),
        ]
    return []


def landing_waiting(session: Session) -> list[Waiting]:
    """On the current user's landing page: what waits for them (links to features absent here are dropped)."""
    if not current_user.is_authenticated or request.endpoint != LANDING.get(current_user.role):
        return []
    return [
        w
        for w in waiting_for(session, role=current_user.role, org_id=current_user.org_id)
        if w.endpoint in current_app.view_functions
    ]
