"""Statement exports (CSV, XLSX, PDF) and the invoice data export; every statement export carries its hash."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from marketplace.errors import NotFound
from marketplace.i18n_marker import N_
from marketplace.models.settlement import SettlementPeriod, Statement
from marketplace.settlement.exports.csv_export import statement_csv
from marketplace.settlement.exports.document import StatementDoc, statement_doc
from marketplace.settlement.exports.pdf_export import ExportError, statement_pdf
from marketplace.settlement.exports.xlsx_export import statement_xlsx

WRITERS = {"csv": statement_csv, "xlsx": statement_xlsx, "pdf": statement_pdf}
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FORMATS = tuple(WRITERS)


@dataclass(frozen=True)
class ExportFile:
    """One exported statement: its agreed file name, bytes and content type."""

    filename: str
    content: bytes
    mimetype: str


def check_format(fmt: str) -> str:
    """The format name, or a clear refusal."""
    if fmt not in WRITERS:
        raise ExportError(N_("导出格式只能是 csv、xlsx 或 pdf"), field="format")
    return fmt


def export_statement(session: Session, *, statement: Statement, fmt: str) -> ExportFile:
    """Render one statement in one format; the same statement always gives the same bytes."""
    doc = statement_doc(session, statement)
    return render(doc, fmt=check_format(fmt))


def render(doc: StatementDoc, *, fmt: str) -> ExportFile:
    """Render an already loaded statement document."""
    return ExportFile(doc.filename(fmt), WRITERS[check_format(fmt)](doc), MIMETYPES[fmt])


def period_statements(session: Session, *, period: str) -> list[Statement]:
    """The statements of a period, in a stable order (party kind, then number)."""
    row = session.execute(select(SettlementPeriod).where(SettlementPeriod.period == period)).scalar_one_or_none()
    if row is None:
        raise NotFound(N_("结算周期 %(period)s 不存在或尚未结算"), params={"period": period})
    return list(
        session.execute(
            select(Statement).where(Statement.period_id == row.id).order_by(Statement.party_kind, Statement.number)
        ).scalars()
    )


def export_period(session: Session, *, period: str, fmt: str, out_dir: Path) -> list[Path]:
    """Write one file per statement of the period into out_dir; returns the paths written."""
    check_format(fmt)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for statement in period_statements(session, period=period):
        exported = export_statement(session, statement=statement, fmt=fmt)
        path = out_dir / exported.filename
        path.write_bytes(exported.content)
        paths.append(path)
    return paths


__all__ = [
    "FORMATS",
    "ExportError",
    "ExportFile",
    "check_format",
    "export_period",
    "export_statement",
    "period_statements",
    "render",
    "statement_doc",
]
