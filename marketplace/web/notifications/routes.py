"""The bell's pages: the list, opening one, marking all read, preferences, and the development outbox."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from marketplace.models import Role
from marketplace.notifications import inbox
from marketplace.notifications.mail import recent_mail
from marketplace.web.access import signed_in
from marketplace.web.boundary import EmptyForm, form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.ints import query_int
from marketplace.web.notifications.forms import PreferencesForm, category_fields, muted_of
from marketplace.web.notifications.render import category_label, email_for, link, message

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _bell():
    """`unread_notifications()` for the header: the signed-in user's unread count (None when it cannot be read)."""

    def unread_notifications() -> int | None:
        if not current_user.is_authenticated:
            return None
        try:
            return inbox.unread_count(get_db(), user_id=current_user.id)
        except SQLAlchemyError:  # the error page of a database outage must still render
            return None

    return {"unread_notifications": unread_notifications}


@bp.get("/notifications")
@signed_in
def index():
    """The signed-in user's notifications, newest first; ?unread=1 shows the unread ones only."""
    unread_only = request.args.get("unread") == "1"
    page = inbox.list_notifications(get_db(), user_id=current_user.id, unread_only=unread_only,
                                    page=query_int("page", 1, high=10_000))
    rows = [{"n": n, "text": message(n), "category": category_label(n.category)} for n in page.items]
    return render_template("notifications/index.html", page=page, rows=rows, unread_only=unread_only,
                           form=EmptyForm())


@bp.post("/notifications/<int:notification_id>/open")
@signed_in
def open_one(notification_id: int):
    """Mark the notification read and go to what it is about."""
    form = EmptyForm()
    if form.validate_on_submit() and (done := perform(lambda: inbox.mark_read(
            get_db(), user_id=current_user.id, notification_id=notification_id))):
        return redirect(link(done.value, current_user.role))
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
@signed_in
def read_all():
    """Mark every notification read."""
    form = EmptyForm()
    if form.validate_on_submit() and (done := perform(lambda: inbox.mark_all_read(get_db(), user_id=current_user.id))):
        return success(_("已将 %(count)s 条通知标为已读", count=done.value), url_for("notifications.index"))
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@signed_in
def preferences():
    """Turn categories of notifications (in-app and e-mail alike) on or off; choose the e-mail language."""
    db, form = get_db(), PreferencesForm()
    if request.method == "GET":
        prefs = inbox.preferences(db, user_id=current_user.id)
        form.email_locale.data = prefs.email_locale
        for field in category_fields(form):
            field.data = field.name.removeprefix("on_") not in prefs.muted
    elif form.validate_on_submit() and perform(lambda: inbox.save_preferences(
            db, actor=current_user.actor, muted=muted_of(form), email_locale=form.email_locale.data), form=form):
        return success(_("通知设置已保存"), url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, fields=category_fields(form),
                           smtp=bool(current_app.config.get("MAIL_SMTP_URL"))), form_status()


@bp.get("/dev/outbox")
@signed_in
def outbox():
    """Development only: the e-mails notifications would send, while no SMTP server is configured (admins, debug)."""
    if current_app.config.get("MAIL_SMTP_URL") or not (current_app.debug or current_user.role == Role.ADMIN):
        abort(404)
    mails = [(out, email_for(out)) for out in recent_mail(get_db(), limit=50)]
    return render_template("notifications/outbox.html", mails=mails)
