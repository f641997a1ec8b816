"""Exchange admins manage organizations and users."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from marketplace import accounts, org_members
from marketplace.i18n_marker import N_
from marketplace.models import Organization, OrgKind, OrgStatus, Role, User
from marketplace.web.access import roles_required
from marketplace.web.admin.forms import OrganizationForm, OrgStatusForm, RoleForm, UserForm
from marketplace.web.boundary import EmptyForm, form_status, perform, success
from marketplace.web.db import get_db

bp = Blueprint("admin", __name__, url_prefix="/admin")
# The result of a real-name decision says what was done and to whom.
ORG_DECISIONS = {"verified": N_("已通过 %(org)s 的实名认证"),
                 "rejected": N_("已驳回 %(org)s 的实名注册申请，驳回原因已告知该单位"),
                 "suspended": N_("已暂停 %(org)s 的账户")}


@bp.route("/organizations", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def organizations():
    """List organizations with filters; create one."""
    db, form = get_db(), OrganizationForm()
    if form.validate_on_submit() and (done := perform(lambda: accounts.find_or_create_org(
            db, actor=current_user.actor, uscc=form.uscc.data, name=form.name.data, kind=form.kind.data), form=form)):
        org = done.value
        return success(_("已创建组织 %(name)s", name=org.name), url_for("admin.organization", org_id=org.id))
    query = select(Organization).order_by(Organization.created_at.desc())
    kind, status, q = request.args.get("kind"), request.args.get("status"), request.args.get("q", "").strip()
    if kind in OrgKind.__members__.values():
        query = query.where(Organization.kind == kind)
    if status in OrgStatus.__members__.values():
        query = query.where(Organization.status == status)
    if q:
        query = query.where(or_(Organization.name.contains(q), Organization.uscc.contains(q.upper())))
    orgs = db.execute(query.limit(500)).scalars().all()
    pending = db.execute(select(func.count()).where(Organization.status == OrgStatus.PENDING)).scalar_one()
    resubmitted = org_members.resubmitted_ids(db, [o.id for o in orgs if o.status == OrgStatus.PENDING])
    return render_template("admin/organizations.html", orgs=orgs, form=form, pending=pending,
                           resubmitted=resubmitted), form_status()


@bp.route("/organizations/<int:org_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def organization(org_id: int):
    """One organization: its users, and the real-name decision."""
    db = get_db()
    org = accounts.get_org(db, org_id)
    form = OrgStatusForm()
    if form.validate_on_submit() and perform(lambda: accounts.set_org_status(
            db, actor=current_user.actor, org_id=org.id, status=form.status.data, note=form.note.data or ""),
            form=form):
        return success(_(ORG_DECISIONS[form.status.data], org=org.name), url_for("admin.organization", org_id=org.id))
    users = db.execute(select(User).where(User.org_id == org.id).order_by(User.id)).scalars().all()
    return render_template("admin/organization.html", org=org, users=users, form=form,
                           history=org_members.registration_history(db, org.id)), form_status()


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    """List users; create one in any organization."""
    db, form = get_db(), UserForm()
    form.org_id.choices = [(o.id, _("%(name)s（%(code)s）", name=o.name, code=o.uscc)) for o in
                           db.execute(select(Organization).order_by(Organization.name)).scalars()]
    if form.validate_on_submit() and perform(lambda: accounts.create_user(
            db, actor=current_user.actor, email=form.email.data, password=form.password.data, role=form.role.data,
            org=accounts.get_org(db, form.org_id.data), name=form.name.data or ""), form=form):
        return success(_("已创建用户"), url_for("admin.users"))
    q = request.args.get("q", "").strip().lower()
    query = select(User, Organization).join(Organization, Organization.id == User.org_id).order_by(User.id)
    if q:
        query = query.where(or_(User.email.contains(q), Organization.name.contains(q)))
    rows = db.execute(query.limit(500)).all()
    return render_template("admin/users.html", rows=rows, form=form, role_form=RoleForm(),
                           empty=EmptyForm()), form_status()


@bp.post("/users/<int:user_id>/role")
@roles_required(Role.ADMIN)
def change_role(user_id: int):
    """Give a user another role."""
    form, db = RoleForm(), get_db()
    if not form.validate_on_submit():
        flash(_("请选择角色"), "danger")
        return redirect(url_for("admin.users")), 303
    if perform(lambda: accounts.change_user_role(db, actor=current_user.actor, user_id=user_id, role=form.role.data)):
        flash(_("角色已更新"), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def toggle_active(user_id: int):
    """Disable or re-enable a login."""
    db = get_db()
    EmptyForm().validate_on_submit()
    user = accounts.get_user(db, user_id)
    if done := perform(lambda: accounts.set_user_active(db, actor=current_user.actor, user_id=user.id,
                                                        active=not user.active)):
        user = done.value
        flash(_("已恢复启用 %(email)s", email=user.email) if user.active else
              _("已停用 %(email)s，该账号不能再登录", email=user.email), "success")
    return redirect(url_for("admin.users"))
