"""Submitting the year's report (a frozen snapshot with its content hash) and the authority's review."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.i18n_marker import N_
from marketplace.models import Agreement, Organization
from marketplace.models.base import utcnow
from marketplace.models.returns import ReportStatus, ReturnReport
from marketplace.returns.costs import check_year
from marketplace.returns.errors import Conflict, NotFound, ReturnError
from marketplace.returns.report import ReportFigures, compute_report

MAX_REASON = 1000


def content_hash(snapshot: str) -> str:
    """SHA-256 of the canonical snapshot text."""
    return hashlib.sha256(snapshot.encode("utf-8")).hexdigest()


def latest_report(session: Session, *, operator_id: int, year: int) -> ReturnReport | None:
    """The newest submitted version of the operator's report for the year."""
    return session.execute(
        select(ReturnReport)
        .where(ReturnReport.operator_id == operator_id, ReturnReport.year == year)
        .order_by(ReturnReport.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def submit_report(session: Session, *, actor: Actor, operator_id: int, year: int, today: date) -> ReturnReport:
    """Freeze the year's figures and send them to the authority; again only after the authority returned it."""
    check_year(year, today=today)
    previous = latest_report(session, operator_id=operator_id, year=year)
    if previous is not None and previous.status != ReportStatus.RETURNED:
        raise Conflict(N_("该年度报告已提交，等待审核或已通过"))
    figures = compute_report(session, operator_id=operator_id, year=year, on=today)
    snapshot = figures.canonical()
    report = ReturnReport(
        operator_id=operator_id,
        authority_id=figures.authority_id,
        agreement_id=figures.agreement_id,
        year=year,
        version=(previous.version + 1) if previous else 1,
        snapshot=snapshot,
        content_hash=content_hash(snapshot),
        allowed_fen=figures.allowed_fen,
        actual_fen=figures.actual_fen,
        excess_fen=figures.excess_fen,
        submitted_by_id=actor.user_id,
        submitted_at=utcnow(),
    )
    session.add(report)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="return_report.submit",
        object_type="return_report",
        object_id=report.id,
        org_id=operator_id,
        after={
            "year": year,
            "version": report.version,
            "allowed_fen": report.allowed_fen,
            "actual_fen": report.actual_fen,
            "excess_fen": report.excess_fen,
            "content_hash": report.content_hash,
        },
    )
    return report


def _pending(session: Session, *, report_id: int, authority_id: int) -> ReturnReport:
    report = session.get(ReturnReport, report_id)
    if report is None or report.authority_id != authority_id:
        raise NotFound(N_("合理收益报告不存在"))
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(N_("该报告已审核"))
    return report


def _decide(session: Session, report: ReturnReport, *, actor: Actor, status: ReportStatus, reason: str) -> None:
    before = report.status.value
    report.status, report.return_reason = status, reason
    report.reviewed_at, report.reviewed_by_id = utcnow(), actor.user_id
    session.add(report)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action=f"return_report.{'accept' if status is ReportStatus.ACCEPTED else 'return'}",
        object_type="return_report",
        object_id=report.id,
        org_id=report.operator_id,
        before={"status": before},
        after={"status": status.value, "reason": reason, "content_hash": report.content_hash},
    )


def accept_report(session: Session, *, actor: Actor, report_id: int, authority_id: int) -> ReturnReport:
    """The authority accepts the submitted report; its excess is what next year carries."""
    report = _pending(session, report_id=report_id, authority_id=authority_id)
    _decide(session, report, actor=actor, status=ReportStatus.ACCEPTED, reason="")
    return report


def return_report(session: Session, *, actor: Actor, report_id: int, authority_id: int, reason: str) -> ReturnReport:
    """The authority returns the report with a reason; the operator corrects its entries and submits again."""
    reason = (reason or "").strip()
    if not reason:
        raise ReturnError(N_("请填写退回原因"), field="reason")
    if len(reason) > MAX_REASON:
        raise ReturnError(N_("退回原因过长"), field="reason")
    report = _pending(session, report_id=report_id, authority_id=authority_id)
    _decide(session, report, actor=actor, status=ReportStatus.RETURNED, reason=reason)
    return report


def report_figures(report: ReturnReport) -> ReportFigures:
    """The frozen figures of a submitted report."""
    return ReportFigures.from_dict(json.loads(report.snapshot))


@dataclass(frozen=True)
class OperatorRow:
    """One operator on the authority's overview: the year's figures and its report's status."""

    operator: Organization
    figures: ReportFigures | None
    report: ReturnReport | None


def authority_overview(session: Session, *, authority_id: int, year: int, today: date) -> list[OperatorRow]:
    """Each operator with an agreement from this authority covering the year, side by side.

    A submitted report shows its frozen figures; an operator that has not submitted shows its live ones."""
    ids = session.execute(
        select(Agreement.operator_id)
        .where(
            Agreement.authority_id == authority_id,
            Agreement.start_date <= date(year, 12, 31),
            Agreement.end_date >= date(year, 1, 1),
        )
        .distinct()
    ).scalars()
    rows = []
    for operator in session.execute(
        select(Organization).where(Organization.id.in_(list(ids))).order_by(Organization.name)
    ).scalars():
        report = latest_report(session, operator_id=operator.id, year=year)
        figures = (
            report_figures(report) if report else compute_report(session, operator_id=operator.id, year=year, on=today)
        )
        rows.append(OperatorRow(operator, figures, report))
    return rows


def authority_reports(session: Session, *, authority_id: int) -> list[tuple[ReturnReport, str]]:
    """Every report submitted to this authority with its operator's name, newest first."""
    rows = session.execute(
        select(ReturnReport, Organization.name)
        .join(Organization, Organization.id == ReturnReport.operator_id)
        .where(ReturnReport.authority_id == authority_id)
        .order_by(ReturnReport.year.desc(), ReturnReport.id.desc())
    ).all()
    return [(report, name) for report, name in rows]


__all__ = ["accept_report", "authority_overview", "latest_report", "return_report", "submit_report"]
