"""The report as XLSX: heading with the hash, the figures, the months, the products; fixed timestamps."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from marketplace.returns.exports.document import NOTE, PRODUCT_HEADINGS, ReportDoc
from marketplace.settlement.exports.xlsx_export import YUAN_FORMAT, fixed_zip

HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def _money(cell) -> None:
    cell.value = cell.value / 100
    cell.number_format, cell.alignment = YUAN_FORMAT, Alignment(horizontal="right")


def _headings(ws, labels) -> None:
    ws.append(list(labels))
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = Font(bold=True), HEAD_FILL


def _summary(ws, doc: ReportDoc) -> None:
    ws.title = "合理收益报告"
    ws.append([doc.title])
    ws["A1"].font = Font(bold=True, size=14)
    for row in doc.heading():
        ws.append(list(row))
    ws.append([])
    _headings(ws, ("项目", "金额"))
    for label, fen in doc.summary():
        ws.append([label, fen])
        _money(ws.cell(row=ws.max_row, column=2))
        if label in ("允许收入", "实际收入"):
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
    ws.append([])
    ws.append([NOTE])
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 30, 70


def _months(ws, doc: ReportDoc) -> None:
    _headings(ws, ("月份", "实际收入", "累计实际收入", "允许收入"))
    for period, revenue, cumulative in doc.figures.months:
        ws.append([period, revenue, cumulative, doc.figures.allowed_fen])
        for column in (2, 3, 4):
            _money(ws.cell(row=ws.max_row, column=column))
    for letter in "ABCD":
        ws.column_dimensions[letter].width = 16


def _products(ws, doc: ReportDoc) -> None:
    _headings(ws, PRODUCT_HEADINGS)
    for row in doc.product_rows():
        ws.append(list(row))
        _money(ws.cell(row=ws.max_row, column=5))
        _money(ws.cell(row=ws.max_row, column=6))
    for letter, width in zip("ABCDEF", (36, 40, 40, 10, 16, 16), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def report_xlsx(doc: ReportDoc) -> bytes:
    """Three sheets (report, by month, by product); amounts in yuan with a ¥ format."""
    wb = Workbook()
    made = doc.made_at.replace(tzinfo=None)
    props = wb.properties
    props.creator = props.lastModifiedBy = "公共数据交易平台"
    props.title, props.subject = doc.title, f"{doc.figures.operator_name} {doc.figures.year}"
    props.identifier, props.keywords = doc.content_hash, doc.content_hash
    props.created = props.modified = made
    _summary(wb.active, doc)
    _months(wb.create_sheet("按月"), doc)
    _products(wb.create_sheet("按产品"), doc)
    buffer = io.BytesIO()
    wb.save(buffer)
    return fixed_zip(buffer.getvalue(), made)
