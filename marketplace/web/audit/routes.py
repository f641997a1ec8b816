"""Regulators and admins browse the audit trail."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from marketplace.audit import Checkpoint, CheckpointError, verify_audit, write_checkpoint
from marketplace.clock import SHANGHAI
from marketplace.models import AuditCheckpoint, AuditRecord, Role
from marketplace.web.access import roles_required
from marketplace.web.db import get_db
from marketplace.web.ints import MAX_PAGE, query_int

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


def _day(text: str | None, *, end: bool = False) -> datetime | None:
    """A yyyy-mm-dd date in Shanghai time as naive UTC (end=True: the start of the next day)."""
    try:
        day = datetime.strptime(text or "", "%Y-%m-%d").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None
    if end:
        day += timedelta(days=1)
    return day.astimezone(UTC)


@bp.get("/")
@roles_required(Role.AUTHORITY, Role.ADMIN)
def index():
    """Filter by actor, action, object and time; newest first."""
    db, args = get_db(), request.args
    query = select(AuditRecord)
    if args.get("actor"):
        query = query.where(AuditRecord.actor_label.contains(args["actor"].strip().lower()))
    if args.get("action"):
        query = query.where(AuditRecord.action.startswith(args["action"].strip()))
    if args.get("object_type"):
        query = query.where(AuditRecord.object_type == args["object_type"].strip())
    if args.get("object_id"):
        query = query.where(AuditRecord.object_id == args["object_id"].strip())
    if start := _day(args.get("start")):
        query = query.where(AuditRecord.at >= start)
    if end := _day(args.get("end"), end=True):
        query = query.where(AuditRecord.at < end)
    total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query_int("page", 1, high=MAX_PAGE)
    rows = db.execute(query.order_by(AuditRecord.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE)).scalars()
    actions = db.execute(select(AuditRecord.action).distinct().order_by(AuditRecord.action)).scalars().all()
    types = db.execute(select(AuditRecord.object_type).distinct().order_by(AuditRecord.object_type)).scalars().all()
    chain = verify_audit(db) if args.get("verify") else None
    checkpoints = db.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(10)).scalars().all()
    return render_template("audit/index.html", rows=list(rows), total=total, page=page, per_page=PER_PAGE,
                           actions=actions, types=types, chain=chain, checkpoints=checkpoints)


@bp.post("/checkpoints")
@roles_required(Role.AUTHORITY, Role.ADMIN)
def new_checkpoint():
    """Sign the chain's length and head now; the authority downloads it to keep outside the exchange."""
    db = get_db()
    try:
        row = write_checkpoint(db, written_by=current_user.email)
    except CheckpointError:
        db.rollback()
        flash(_("哈希链已断裂，不能签发检查点；请先校验哈希链查看断裂位置"), "danger")
        return redirect(url_for("audit.index", verify=1))
    db.commit()
    flash(_("已签发检查点：%(n)s 条记录。请下载保存到交易所以外的地方。", n=row.record_count), "success")
    return redirect(url_for("audit.index"))


@bp.get("/checkpoints/<int:checkpoint_id>.json")
@roles_required(Role.AUTHORITY, Role.ADMIN)
def download_checkpoint(checkpoint_id: int):
    """One signed checkpoint as the JSON file `verify-audit --checkpoint` reads."""
    row = get_db().get(AuditCheckpoint, checkpoint_id)
    if row is None:
        abort(404)
    resp = jsonify(Checkpoint.of_row(row).document())
    resp.headers["Content-Disposition"] = f"attachment; filename=audit-checkpoint-{row.id}-{row.record_count}.json"
    return resp
