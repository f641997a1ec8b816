"""An organization's own pages: its admin manages colleagues and invitations; an invitee accepts; a rejected
registration is corrected and resubmitted."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import accounts, org_members
from marketplace.errors import DomainError
from marketplace.models import OrgStatus
from marketplace.web.access import public, signed_in
from marketplace.web.boundary import EmptyForm, form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.error_text import error_text
from marketplace.web.org.forms import (
    AcceptInvitationForm,
    InviteForm,
    MemberRoleForm,
    OrgDetailsForm,
    role_choices,
)

bp = Blueprint("org", __name__)
_LINK_KEY = "org_invite_link"  # the link just made, shown once to the admin who made it


def _admin_only() -> None:
    if not current_user.org_admin:
        abort(403)


@bp.route("/org/members", methods=["GET", "POST"])
@signed_in
def members():
    """The organization's users and open invitations; its admins invite colleagues by e-mail here.

    Other members see who their colleagues and admins are (read only).
    """
    db = get_db()
    org = accounts.get_org(db, current_user.org_id)
    if not current_user.org_admin:
        if request.method == "POST":
            abort(403)
        return render_template("org/members_readonly.html", org=org, users=org_members.members(db, org.id))
    roles = role_choices(org_members.allowed_roles(org))
    form = InviteForm()
    form.role.choices = roles
    if form.validate_on_submit() and (
        done := perform(
            lambda: org_members.invite(db, actor=current_user.actor, email=form.email.data, role=form.role.data),
            form=form,
        )
    ):
        invitation, token = done.value
        link = url_for("org.accept", token=token, _external=True)
        # No mail is sent yet: the admin passes the link on; the log keeps it for development.
        current_app.logger.info("invitation %s for %s: %s", invitation.id, invitation.email, link)
        session[_LINK_KEY] = {"email": invitation.email, "link": link}
        return success(_("已为 %(email)s 生成邀请链接，7 天内有效", email=invitation.email), url_for("org.members"))
    role_form = MemberRoleForm()
    role_form.role.choices = roles
    return render_template(
        "org/members.html",
        org=org,
        users=org_members.members(db, org.id),
        invitations=org_members.open_invitations(db, org.id),
        form=form,
        role_form=role_form,
        roles=roles,
        new_link=session.pop(_LINK_KEY, None) if not form.errors else None,
        empty=EmptyForm(),
    ), form_status()


@bp.post("/org/members/<int:user_id>/role")
@signed_in
def member_role(user_id: int):
    """Give a colleague another role."""
    _admin_only()
    db = get_db()
    form = MemberRoleForm()
    form.role.choices = role_choices(org_members.allowed_roles(accounts.get_org(db, current_user.org_id)))
    if not form.validate_on_submit():
        flash(_("请选择角色"), "danger")
    elif done := perform(
        lambda: org_members.set_member_role(db, actor=current_user.actor, user_id=user_id, role=form.role.data)
    ):
        flash(_("已更新 %(email)s 的角色", email=done.value.email), "success")
    return redirect(url_for("org.members"))


@bp.post("/org/members/<int:user_id>/active")
@signed_in
def member_active(user_id: int):
    """Disable a colleague's login (its sessions end at once) or enable it again."""
    _admin_only()
    db = get_db()
    EmptyForm().validate_on_submit()
    user = accounts.get_user(db, user_id)
    if user.org_id != current_user.org_id:
        abort(404)
    if done := perform(
        lambda: org_members.set_member_active(db, actor=current_user.actor, user_id=user.id, active=not user.active)
    ):
        user = done.value
        flash(
            _("已恢复启用 %(email)s", email=user.email)
            if user.active
            else _("已停用 %(email)s：该账号已退出登录，不能再登录", email=user.email),
            "success",
        )
    return redirect(url_for("org.members"))


@bp.post("/org/members/<int:user_id>/admin")
@signed_in
def member_admin(user_id: int):
    """Make a colleague an organization admin, or take it back."""
    _admin_only()
    db = get_db()
    EmptyForm().validate_on_submit()
    user = accounts.get_user(db, user_id)
    if user.org_id != current_user.org_id:
        abort(404)
    if done := perform(
        lambda: org_members.set_member_admin(
            db, actor=current_user.actor, user_id=user.id, org_admin=not user.org_admin
        )
    ):
        user = done.value
        flash(
            _("%(email)s 已成为单位管理员", email=user.email)
            if user.org_admin
            else _("%(email)s 不再是单位管理员", email=user.email),
            "success",
        )
    return redirect(url_for("org.members"))


@bp.post("/org/invitations/<int:invitation_id>/revoke")
@signed_in
def revoke(invitation_id: int):
    """Withdraw an unused invitation; its link stops working."""
    _admin_only()
    EmptyForm().validate_on_submit()
    if done := perform(
        lambda: org_members.revoke_invitation(get_db(), actor=current_user.actor, invitation_id=invitation_id)
    ):
        flash(_("已撤销给 %(email)s 的邀请", email=done.value.email), "success")
    return redirect(url_for("org.members"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    """An invitee sets a name and password and joins the organization; then signs in."""
    db = get_db()
    try:
        invitation = org_members.invitation_for(db, token[:100])
    except DomainError as e:
        return render_template("org/invitation_closed.html", message=error_text(e)), e.status
    org = accounts.get_org(db, invitation.org_id)
    form = AcceptInvitationForm()
    if form.validate_on_submit() and (
        done := perform(
            lambda: org_members.accept_invitation(
                db, token=token[:100], name=form.name.data, password=form.password.data
            ),
            form=form,
        )
    ):
        return success(
            _("账号已创建，已加入 %(org)s。请用 %(email)s 和刚设置的密码登录", org=org.name, email=done.value.email),
            url_for("auth.login", email=done.value.email),
        )
    return render_template("org/accept.html", invitation=invitation, org=org, form=form), form_status()


@bp.route("/org/registration", methods=["GET", "POST"])
@signed_in
def registration():
    """The organization's real-name verification: its state, the reviewer's reason, and resubmission."""
    db = get_db()
    org = accounts.get_org(db, current_user.org_id)
    form = OrgDetailsForm(obj=org)
    can_resubmit = org.status == OrgStatus.REJECTED and current_user.org_admin
    if form.validate_on_submit():
        _admin_only()
        data = org_members.OrgDetailsIn(**{k: form.data[k] or "" for k in org_members.ORG_DETAIL_FIELDS})
        if perform(lambda: org_members.resubmit_registration(db, actor=current_user.actor, data=data), form=form):
            return success(_("已重新提交实名信息，请等待交易所审核"), url_for("org.registration"))
    return render_template(
        "org/registration.html",
        org=org,
        form=form,
        can_resubmit=can_resubmit,
        history=org_members.registration_history(db, org.id),
    ), form_status()
