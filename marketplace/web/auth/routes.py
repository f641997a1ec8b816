"""Register, log in, log out, and the user's own account page."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace import accounts
from marketplace.errors import DomainError
from marketplace.models import Organization, User
from marketplace.web.access import public, signed_in
from marketplace.web.auth.forms import LoginForm, RegisterForm
from marketplace.web.boundary import form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.extensions import login_manager
from marketplace.web.identity import CurrentUser

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    db = get_db()
    user = db.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active:
        return None
    return CurrentUser.of(user, db.get(Organization, user.org_id))


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    """An enterprise registers itself and its first buyer account."""
    form = RegisterForm()
    if form.validate_on_submit():
        data = accounts.EnterpriseIn(**{k: form.data[k] for k in (
            "company_name", "uscc", "contact_name", "phone", "email", "password", "taxpayer_kind")})
        if done := perform(lambda: accounts.register_enterprise(get_db(), data=data), form=form):
            login_user(load_user(str(done.value.id)))
            return success(_("注册成功。贵单位实名信息待交易所审核，审核通过后即可下单支付。"), url_for("auth.account"))
    return render_template("auth/register.html", form=form), form_status()


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Log in with email and password (throttled after repeated failures)."""
    form = LoginForm()
    if form.validate_on_submit():
        ip = request.headers.get("X-Forwarded-For", request.remote_addr or "").split(",")[0].strip()
        try:
            user = accounts.authenticate(get_db(), email=form.email.data, password=form.password.data, ip=ip)
        except accounts.LoginThrottled as e:
            flash(_(e.message), "danger")
            return render_template("auth/login.html", form=form), 429
        except DomainError as e:
            get_db().commit()  # a refused login is kept: the failures it counts are what throttling reads
            flash(_(e.message), "danger")
        else:
            get_db().commit()
            login_user(load_user(str(user.id)))
            return redirect(_safe_next() or url_for("main.home"))
    return render_template("auth/login.html", form=form), form_status()


def _safe_next() -> str | None:
    target = request.args.get("next")
    return target if target and target.startswith("/") and not target.startswith("//") else None


@bp.post("/logout")
@signed_in
def logout():
    """End the session."""
    logout_user()
    flash(_("已退出登录"), "info")
    return redirect(url_for("main.home"))


@bp.get("/account")
@signed_in
def account():
    """The user's own organization and account state."""
    db = get_db()
    org = db.get(Organization, current_user.org_id)
    return render_template("auth/account.html", org=org)
