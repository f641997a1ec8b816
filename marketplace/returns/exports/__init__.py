"""The reasonable-return report as XLSX and PDF; both carry the content hash and re-export byte-identically."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.i18n_marker import N_
from marketplace.models.returns import CostEntry, ReportStatus, ReturnReport
from marketplace.returns.errors import ReturnError
from marketplace.returns.exports.document import ReportDoc
from marketplace.returns.exports.pdf import report_pdf
from marketplace.returns.exports.xlsx import report_xlsx
from marketplace.returns.report import compute_report
from marketplace.returns.review import content_hash, latest_report, report_figures

WRITERS = {"xlsx": report_xlsx, "pdf": report_pdf}
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FORMATS = tuple(WRITERS)


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    mimetype: str


def _fixed(moment: datetime | None, year: int) -> datetime:
    moment = moment or datetime(year, 1, 1)
    return moment.replace(microsecond=0, tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def report_doc(session: Session, *, operator_id: int, year: int, today) -> ReportDoc:
    """The submitted report (frozen) unless it was returned or never submitted: then the live draft.

    A draft's file date is its newest cost entry's (so the same figures give the same bytes)."""
    report = latest_report(session, operator_id=operator_id, year=year)
    if report is not None and report.status != ReportStatus.RETURNED:
        return submitted_doc(report)
    figures = compute_report(session, operator_id=operator_id, year=year, on=today)
    newest = session.execute(
        select(func.max(CostEntry.created_at)).where(CostEntry.operator_id == operator_id, CostEntry.year == year)
    ).scalar_one()
    return ReportDoc(figures, content_hash(figures.canonical()), "draft", _fixed(newest, year))


def submitted_doc(report: ReturnReport) -> ReportDoc:
    """One submitted version's frozen figures, as the authority reviews it."""
    return ReportDoc(
        report_figures(report), report.content_hash, str(report.status), _fixed(report.submitted_at, report.year)
    )


def render(doc: ReportDoc, *, fmt: str) -> ExportFile:
    """One format of the report."""
    if fmt not in WRITERS:
        raise ReturnError(N_("导出格式只能是 xlsx 或 pdf"), field="format")
    return ExportFile(doc.filename(fmt), WRITERS[fmt](doc), MIMETYPES[fmt])


def export_report(session: Session, *, operator_id: int, year: int, fmt: str, today) -> ExportFile:
    """Render the operator's report of the year."""
    return render(report_doc(session, operator_id=operator_id, year=year, today=today), fmt=fmt)


def write_report(
    session: Session, *, operator_id: int, year: int, formats: tuple[str, ...], out_dir: Path, today
) -> list[Path]:
    """Write the report in each format into out_dir; returns the paths."""
    doc = report_doc(session, operator_id=operator_id, year=year, today=today)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        exported = render(doc, fmt=fmt)
        path = out_dir / exported.filename
        path.write_bytes(exported.content)
        paths.append(path)
    return paths
