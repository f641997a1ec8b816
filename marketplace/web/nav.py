"""The navigation: each feature adds its entries here; base.html shows those the user may open."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.models import Role

R = Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[Role, ...] | None = None  # None: everyone
    org_admin: bool = False  # only for organization admins (单位管理员), whatever their role


NAV: list[NavItem] = [
    NavItem("catalog.index", _l("数据产品")),
    NavItem("disclosure.index", _l("信息披露")),
    NavItem("price_index.index", _l("价格指数")),
    NavItem("buyer.orders", _l("我的订单"), (R.BUYER,)),
    NavItem("buyer.entitlements", _l("接口与密钥"), (R.BUYER,)),
    NavItem("gateway.buyer_usage", _l("调用用量"), (R.BUYER,)),
    NavItem("billing.bills", _l("我的账单"), (R.BUYER,)),
    NavItem("quotes.mine", _l("询价与申请"), (R.BUYER,)),
    NavItem("quotes.incoming", _l("询价与申请"), (R.OPERATOR, R.BROKER)),
    NavItem("seller.orders", _l("销售订单"), (R.OPERATOR, R.BROKER)),
    NavItem("seller.offline", _l("线下交付"), (R.OPERATOR,)),
    NavItem("supply.dashboard", _l("供给工作台"), (R.OPERATOR, R.BROKER)),
    NavItem("gateway.seller_usage", _l("接口用量"), (R.OPERATOR, R.BROKER)),
    NavItem("disclosure.operator", _l("年度披露"), (R.OPERATOR,)),
    NavItem("authority.agreements", _l("授权协议"), (R.AUTHORITY,)),
    NavItem("disclosure.deadlines", _l("披露期限"), (R.AUTHORITY,)),
    NavItem("review.queue", _l("上架审核"), (R.REVIEWER,)),
    NavItem("finance.payments", _l("财务"), (R.FINANCE,)),
    NavItem("settlement.periods", _l("结算"), (R.FINANCE,)),
    NavItem("money.finance_dashboard", _l("财务看板"), (R.FINANCE,)),
    NavItem("money.operator_revenue", _l("收入与结算"), (R.OPERATOR,)),
    NavItem("returns.operator_current", _l("合理收益"), (R.OPERATOR,)),
    NavItem("money.broker_commissions", _l("佣金与结算"), (R.BROKER,)),
    NavItem("money.authority_revenue", _l("分成收入"), (R.AUTHORITY,)),
    NavItem("returns.authority_list", _l("合理收益审核"), (R.AUTHORITY,)),
    NavItem("finance_bills.index", _l("账单收款"), (R.FINANCE,)),
    NavItem("admin.organizations", _l("组织管理"), (R.ADMIN,)),
    NavItem("admin.users", _l("用户管理"), (R.ADMIN,)),
    NavItem("qualifications.index", _l("经纪人资质"), (R.ADMIN,)),
    NavItem("orders.trace", _l("泄露溯源"), (R.AUTHORITY, R.ADMIN)),
    NavItem("audit.index", _l("审计日志"), (R.AUTHORITY, R.ADMIN)),
    NavItem("org.members", _l("单位成员"), org_admin=True),  # others reach it from their account page
]


def visible_nav() -> list[NavItem]:
    """Entries that exist in this app and that the current user may open."""
    role = current_user.role if current_user.is_authenticated else None
    org_admin = current_user.is_authenticated and current_user.org_admin
    return [
        item for item in NAV
        if item.endpoint in current_app.view_functions and (item.roles is None or role in item.roles)
        and (org_admin or not item.org_admin)
    ]
