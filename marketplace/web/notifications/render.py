"""Turning a stored notification (kind + parameters) into text and a link for its reader, and into an e-mail."""

from __future__ import annotations

import json
from email.message import EmailMessage

from flask import current_app, url_for
from flask_babel import force_locale, gettext
from werkzeug.routing import BuildError

from marketplace.models import Role
from marketplace.models.notifications import Notification
from marketplace.notifications import CATEGORY_LABELS, KINDS, Category
from marketplace.notifications.mail import Outgoing, build_message


def message(n: Notification) -> str:
    """The notification's text in the current language (parameters named *_label are translated too)."""
    kind = KINDS.get(n.kind)
    if kind is None:
        return n.kind
    params = json.loads(n.params or "{}")
    params = {k: gettext(v) if k.endswith("_label") and isinstance(v, str) else v for k, v in params.items()}
    return gettext(kind.message, **params)


def category_label(category: str) -> str:
    """The category's name in the current language."""
    try:
        return gettext(CATEGORY_LABELS[Category(category)])
    except ValueError:
        return category


def _target(n: Notification, role: str) -> tuple[str, dict]:
    sid = n.subject_id
    number = int(sid) if sid.isdigit() else 0  # ids are written by the use cases; 0 is a page that does not exist
    if n.subject_type == "agreement":
        if role == Role.AUTHORITY:
            return "authority.agreement", {"agreement_id": number}
        return "supply.dashboard", {}
    return {
        "entitlement": ("gateway.buyer_usage", {}),
        "bill": ("billing.detail", {"number": sid}),
        "quote": ("quotes.thread", {"quote_id": number}),
        "application": ("applications.mine", {}),
        "product": ("supply.product", {"product_id": number}),
    }.get(n.subject_type, ("notifications.index", {}))


def link(n: Notification, role: str, *, external: bool = False) -> str:
    """Where the notification leads its reader (the list itself when the page is not part of this app)."""
    endpoint, args = _target(n, str(role))
    try:
        return url_for(endpoint, **args, _external=external)
    except BuildError:
        return url_for("notifications.index", _external=external)


def email_for(out: Outgoing) -> EmailMessage:
    """The notification's e-mail in the reader's chosen language, with the link and where to turn it off."""
    n = out.notification
    with force_locale(out.locale):
        subject = f"{gettext('示例公共数据交易中心')} · {category_label(n.category)}"
        body = "\n\n".join([message(n), gettext("查看：%(url)s", url=link(n, out.role, external=True)),
                            gettext("不想再收到这类通知？在通知设置中关闭：%(url)s",
                                    url=url_for("notifications.preferences", _external=True))])
    return build_message(sender=current_app.config["MAIL_FROM"], to=out.to, subject=subject, body=body)
