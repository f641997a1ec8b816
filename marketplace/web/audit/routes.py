"""Regulators and admins browse the audit trail."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from marketplace.audit import verify_chain
from marketplace.clock import SHANGHAI
from marketplace.models import AuditRecord, Role
from marketplace.web.access import roles_required
from marketplace.web.db import get_db

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
    page = max(1, args.get("page", 1, type=int))
    rows = db.execute(query.order_by(AuditRecord.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE)).scalars()
    actions = db.execute(select(AuditRecord.action).distinct().order_by(AuditRecord.action)).scalars().all()
    types = db.execute(select(AuditRecord.object_type).distinct().order_by(AuditRecord.object_type)).scalars().all()
    chain = verify_chain(db) if args.get("verify") else None
    return render_template("audit/index.html", rows=list(rows), total=total, page=page, per_page=PER_PAGE,
                           actions=actions, types=types, chain=chain)
