"""Display labels for kinds, roles and states (translated lazily)."""

from flask_babel import lazy_gettext as _l

from marketplace.models import OrgKind, Role

KIND_LABELS = {
    OrgKind.AUTHORITY: _l("授权主体"),
    OrgKind.OPERATOR: _l("授权运营单位"),
    OrgKind.BROKER: _l("数据经纪人"),
    OrgKind.ENTERPRISE: _l("需求方企业"),
    OrgKind.EXCHANGE: _l("交易所"),
}
ROLE_LABELS = {
    Role.BUYER: _l("采购方"),
    Role.BROKER: _l("经纪人"),
    Role.OPERATOR: _l("运营单位"),
    Role.AUTHORITY: _l("授权主体/监管"),
    Role.REVIEWER: _l("审核员"),
    Role.FINANCE: _l("财务"),
    Role.ADMIN: _l("管理员"),
}


def role_label(role) -> str:
    """The translated name of a role."""
    return str(ROLE_LABELS.get(Role(role), role))


def kind_label(kind) -> str:
    """The translated name of an organization kind."""
    return str(KIND_LABELS.get(OrgKind(kind), kind))
