"""Regulators and admins browse the audit trail."""

import csv
import io
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.audit import Checkpoint, CheckpointError, verify_audit, write_checkpoint
from marketplace.clock import SHANGHAI, local_now
from marketplace.models import AuditCheckpoint, AuditRecord, Role
from marketplace.web.access import roles_required
from marketplace.web.audit.labels import ACTION_LABELS, OBJECT_LABELS, action_label, changes, object_label
from marketplace.web.db import get_db
from marketplace.web.i18n import localtime
from marketplace.web.ints import MAX_PAGE, query_int

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50
FILTERS = ("actor", "action", "object_type", "object_id", "start", "end")


def _day(text: str | None, *, end: bool = False) -> datetime | None:
    """A yyyy-mm-dd date in Shanghai time as naive UTC (end=True: the start of the next day)."""
    try:
        day = datetime.strptime(text or "", "%Y-%m-%d").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None
    if end:
        day += timedelta(days=1)
    return day.astimezone(UTC)


def _filtered(args):
    """The records the filters in the URL select (actor, action, object, dates)."""
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
    return query


@bp.get("/")
@roles_required(Role.AUTHORITY, Role.ADMIN)
def index():
    """Filter by actor, action, object and time; newest first."""
    db, args = get_db(), request.args
    query = _filtered(args)
    total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query_int("page", 1, high=MAX_PAGE)
    rows = db.execute(query.order_by(AuditRecord.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE)).scalars()
    actions = db.execute(select(AuditRecord.action).distinct().order_by(AuditRecord.action)).scalars().all()
    types = db.execute(select(AuditRecord.object_type).distinct().order_by(AuditRecord.object_type)).scalars().all()
    chain = verify_audit(db) if args.get("verify") else None
    checkpoints = db.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(10)).scalars().all()
    filters = {k: v for k, v in args.items() if k in FILTERS and v}
    return render_template("audit/index.html", rows=[(r, changes(r.summary)) for r in rows], total=total, page=page,
                           per_page=PER_PAGE, actions=[(a, action_label(a)) for a in actions],
                           types=[(t, object_label(t)) for t in types], chain=chain, checkpoints=checkpoints,
                           filters=filters, action_label=action_label, object_label=object_label)


def _in_batches(db, query, size: int = 1000):
    """The query's records oldest first, a short query per batch (no cursor held open while streaming)."""
    last = 0
    while batch := db.execute(query.where(AuditRecord.id > last).order_by(AuditRecord.id).limit(size)).scalars().all():
        yield from batch
        last = batch[-1].id
        db.rollback()  # end the read between batches


@bp.get("/export.csv")
@roles_required(Role.AUTHORITY, Role.ADMIN)
def export_csv():
    """The filtered records as CSV (UTF-8 with BOM for Excel), oldest first, with the hash of each.

    Streamed from a session of its own, a short query per batch, so a large trail never sits in memory and no
    transaction stays open between batches; labels are translated before the stream starts.
    """
    query = _filtered(request.args)
    header = [_("序号"), _("时间"), _("操作人"), _("操作"), _("操作代码"), _("对象"), _("对象 ID"), _("变更"),
              _("哈希")]
    actions = {a: action_label(a) for a in ACTION_LABELS}
    objects = {o: object_label(o) for o in OBJECT_LABELS}
    engine = current_app.extensions["engine"]

    def rows():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        yield "\ufeff" + out.getvalue()
        with Session(engine) as db:
            for r in _in_batches(db, query):
                out.seek(0)
                out.truncate()
                diff = "; ".join(f"{c.field}: {c.before} → {c.after}" if c.field else f"{c.before} → {c.after}"
                                 for c in changes(r.summary))
                writer.writerow([r.id, localtime(r.at, "%Y-%m-%d %H:%M:%S"), r.actor_label,
                                 actions.get(r.action, r.action), r.action, objects.get(r.object_type, r.object_type),
                                 r.object_id, diff, r.hash])
                yield out.getvalue()

    stamp = local_now().strftime("%Y%m%d-%H%M%S")
    return Response(rows(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=audit-{stamp}.csv"})


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
