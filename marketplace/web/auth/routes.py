"""Register, log in, log out, and the user's own account page (password, sign out everywhere)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace import accounts
from marketplace.errors import DomainError
from marketplace.models import Organization, User
from marketplace.user_sessions import end_session, live_session, start_session
from marketplace.web.access import public, signed_in
from marketplace.web.auth.forms import LoginForm, PasswordForm, RegisterForm
from marketplace.web.db import get_db
from marketplace.web.extensions import login_manager
from marketplace.web.forms_util import attach_error
from marketplace.web.identity import CurrentUser
from marketplace.web.landing import landing_url
from marketplace.web.redirects import next_or

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(cookie_id: str):
    """The user of a live server-side session; None (signed out) for an ended or unknown one."""
    user_id, _sep, token = cookie_id.partition(":")
    if not user_id.isdigit() or len(user_id) > 9 or not token:
        return None
    db = get_db()
    user = db.get(User, int(user_id))
    if user is None or not user.active or live_session(db, user_id=user.id, token=token) is None:
        return None
    return CurrentUser.of(user, db.get(Organization, user.org_id), token)


def client_address() -> str:
    """The client's address: the peer, or what the configured trusted proxies say (ProxyFix)."""
    return (request.remote_addr or "")[:64]


def _sign_in(user: User) -> None:
    """Start a server-side session for the user and put its token in the signed cookie."""
    db = get_db()
    token = start_session(db, user_id=user.id, ip=client_address())
    login_user(CurrentUser.of(user, db.get(Organization, user.org_id), token))


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    """An enterprise registers itself and its first buyer account."""
    form = RegisterForm()
    if form.validate_on_submit():
        data = accounts.EnterpriseIn(**{k: form.data[k] for k in (
            "company_name", "uscc", "contact_name", "phone", "email", "password", "taxpayer_kind")})
        try:
            user = accounts.register_enterprise(get_db(), data=data)
        except DomainError as e:
            get_db().rollback()
            attach_error(form, e)
        else:
            _sign_in(user)
            get_db().commit()
            flash(_("注册成功。贵单位实名信息待交易所审核，审核通过后即可下单支付。"), "success")
            return redirect(url_for("auth.account"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Log in with email and password (throttled by e-mail and address, growing delays)."""
    form, db = LoginForm(), get_db()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db, email=form.email.data, password=form.password.data,
                                         ip=client_address())
        except accounts.LoginThrottled as e:
            db.rollback()
            flash(_(e.message, seconds=e.retry_after), "danger")
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(e.retry_after)}
        if user is None:
            db.commit()  # the failure must count even though the login failed
            flash(_(accounts.BAD_LOGIN), "danger")
        else:
            _sign_in(user)
            db.commit()
            return redirect(next_or(landing_url(user.role)))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@signed_in
def logout():
    """End this browser's session on the server and in the cookie."""
    end_session(get_db(), token=current_user.session_token)
    get_db().commit()
    logout_user()
    flash(_("已退出登录"), "info")
    return redirect(url_for("main.home"))


@bp.get("/account")
@signed_in
def account():
    """The user's own organization and account state."""
    db = get_db()
    org = db.get(Organization, current_user.org_id)
    return render_template("auth/account.html", org=org, password_form=PasswordForm())


@bp.post("/account/password")
@signed_in
def change_password():
    """Change the password; every other session of the user ends, this one stays."""
    db, form = get_db(), PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db, actor=current_user.actor, user_id=current_user.id,
                                     current=form.current_password.data, new=form.new_password.data,
                                     keep_token=current_user.session_token)
        except DomainError as e:
            db.rollback()
            attach_error(form, e)
        else:
            db.commit()
            flash(_("密码已修改，其他设备上的登录已退出"), "success")
            return redirect(url_for("auth.account"))
    org = db.get(Organization, current_user.org_id)
    return render_template("auth/account.html", org=org, password_form=form), 400


@bp.post("/account/sessions/end")
@signed_in
def sign_out_everywhere():
    """End every session of this user, on every device, this one included."""
    accounts.sign_out_everywhere(get_db(), actor=current_user.actor, user_id=current_user.id)
    get_db().commit()
    logout_user()
    flash(_("已在所有设备上退出登录"), "info")
    return redirect(url_for("auth.login"))
