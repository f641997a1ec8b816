"""Statement as XLSX (openpyxl): heading, lines, a totals row, ¥ number formats, a frozen header row.

openpyxl stamps the workbook properties and every zip member with the current time; both are fixed to the
statement's own date so exporting the same statement twice gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from marketplace.settlement.exports.csv_export import header_rows, totals_row
from marketplace.settlement.exports.document import COLUMNS, MONEY_COLUMNS, StatementDoc

YUAN_FORMAT = '"¥"#,##0.00;-"¥"#,##0.00'
WIDTHS = (12, 10, 22, 28, 28, 22, 22, 14, 12, 14, 14)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MODIFIED = re.compile(rb"<dcterms:modified [^>]*>[^<]*</dcterms:modified>")


def _sheet(wb: Workbook, doc: StatementDoc) -> None:
    ws = wb.active
    ws.title = "结算单"
    heading = header_rows(doc)
    for row in heading:
        ws.append(row)
    ws.append([])
    header_at = len(heading) + 2  # after the heading and one empty row
    ws.append([heading for heading, _attr in COLUMNS])
    for cell in ws[header_at]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for line in doc.lines:
        ws.append(line.cells())
    ws.append(totals_row(doc))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    money_from = len(COLUMNS) - MONEY_COLUMNS + 1
    for row in ws.iter_rows(min_row=header_at + 1, min_col=money_from, max_col=len(COLUMNS)):
        for cell in row:
            cell.value = cell.value / 100 if isinstance(cell.value, int) else cell.value
            cell.number_format, cell.alignment = YUAN_FORMAT, Alignment(horizontal="right")
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = ws.cell(row=header_at + 1, column=1)  # the column headings stay in view


def fixed_zip(data: bytes, made: datetime) -> bytes:
    """Rewrite the archive with fixed timestamps: every zip member, and the "modified" that save() stamps."""
    stamp = f'<dcterms:modified xsi:type="dcterms:W3CDTF">{made:%Y-%m-%dT%H:%M:%SZ}</dcterms:modified>'.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = MODIFIED.sub(stamp, content)
            dst.writestr(fixed, content)
    return out.getvalue()


def statement_xlsx(doc: StatementDoc) -> bytes:
    """The statement as XLSX bytes; amounts are yuan numbers with a ¥ format, the hash in the heading."""
    wb = Workbook()
    made = doc.made_at.replace(tzinfo=None)
    props = wb.properties
    props.creator = props.lastModifiedBy = "公共数据交易平台"
    props.title, props.subject = f"结算单 {doc.number}", f"{doc.party_name} {doc.period}"
    props.identifier, props.keywords = doc.content_hash, doc.content_hash
    props.created = props.modified = made
    _sheet(wb, doc)
    buffer = io.BytesIO()
    wb.save(buffer)
    return fixed_zip(buffer.getvalue(), made)
