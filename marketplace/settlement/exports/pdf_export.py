"""Statement as PDF (fpdf2), Chinese set in WenQuanYi Micro Hei from Debian's fonts-wqy-microhei, embedded as a subset.

A TrueType-outline font on purpose: fpdf2 embeds it as CIDFontType2 with Identity-H, whose text every reader
extracts (pypdf cannot read back the custom encoding CMap fpdf2 writes for CFF fonts such as Noto Sans CJK).
The creation date is the statement's own date and fpdf2 writes no random file id, so the same statement
always gives the same bytes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, WrapMode

from marketplace.errors import DomainError
from marketplace.settlement.exports.document import StatementDoc
from pricing import format_fen

logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter logs every glyph at INFO
FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_PACKAGE = "fonts-wqy-microhei"
FAMILY = "WenQuanYiMicroHei"
HEADINGS = ("日期", "类型", "单号", "产品", "需求方", "含税金额", "增值税", "不含税金额", "本方分成")
NOTE = "本结算单由公共数据交易平台生成；内容哈希为结算单规范内容的 SHA-256，可用于核对导出文件与平台记录一致。"
WIDTHS = (20, 14, 40, 58, 58, 22, 20, 22, 23)  # mm, landscape A4 (277 mm between margins)


class ExportError(DomainError):
    """An export could not be produced (e.g. the CJK font is not installed)."""


def _new_pdf(doc: StatementDoc) -> FPDF:
    if not FONT_FILE.is_file():
        raise ExportError(f"缺少中文字体 {FONT_FILE}（请安装 Debian 软件包 {FONT_PACKAGE}）")
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font(FAMILY, fname=str(FONT_FILE), collection_font_number=0)
    pdf.set_creation_date(doc.made_at)
    pdf.set_title(f"结算单 {doc.number}")
    pdf.set_author("公共数据交易平台")
    pdf.set_subject(f"{doc.party_name} {doc.period}")
    pdf.set_keywords(doc.content_hash)
    pdf.set_creator("公共数据交易平台")
    pdf.set_producer("公共数据交易平台")
    pdf.set_auto_page_break(auto=True, margin=14)
    return pdf


def _heading(pdf: FPDF, doc: StatementDoc) -> None:
    pdf.set_font(FAMILY, "", 17)
    pdf.cell(0, 10, f"结算单 {doc.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    for label, value in (
        ("结算方", f"{doc.party_name}（{doc.party_label}）"),
        ("统一社会信用代码", doc.party_uscc),
        ("结算周期", doc.period),
        ("状态", doc.status_label),
        ("内容哈希 (SHA-256)", doc.content_hash),
    ):
        pdf.cell(40, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _lines(pdf: FPDF, doc: StatementDoc) -> None:
    pdf.set_font(FAMILY, "", 8)
    right = ("LEFT",) * 5 + ("RIGHT",) * 4
    with pdf.table(
        col_widths=WIDTHS,
        text_align=right,
        line_height=5,
        first_row_as_headings=True,
        cell_fill_color=(242, 246, 252),
        cell_fill_mode=TableCellFillMode.ROWS,
        wrapmode=WrapMode.CHAR,
        headings_style=FontFace(fill_color=(221, 235, 247)),
    ) as table:
        table.row(HEADINGS)
        for line in doc.lines:
            reference = f"{line.reference}\n调整 {line.adjusts}" if line.adjusts else line.reference
            table.row(
                (
                    line.date,
                    line.kind_label,
                    reference,
                    line.product,
                    f"{line.buyer}\n{line.buyer_uscc}",
                    format_fen(line.gross_fen),
                    format_fen(line.vat_fen),
                    format_fen(line.net_fen),
                    format_fen(line.share_fen),
                )
            )
        table.row(
            (
                "合计",
                "",
                f"{len(doc.lines)} 行",
                "",
                "",
                format_fen(doc.gross_fen),
                format_fen(doc.vat_fen),
                format_fen(doc.net_fen),
                format_fen(doc.total_fen),
            )
        )


def _totals(pdf: FPDF, doc: StatementDoc) -> None:
    pdf.ln(4)
    pdf.set_font(FAMILY, "", 12)
    pdf.cell(0, 7, f"{doc.share_label}合计：{format_fen(doc.total_fen)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 8)
    pdf.multi_cell(0, 5, NOTE)


def statement_pdf(doc: StatementDoc) -> bytes:
    """The statement as PDF bytes: heading with party, USCC, period, status and hash; lines; totals."""
    pdf = _new_pdf(doc)
    pdf.add_page()
    _heading(pdf, doc)
    _lines(pdf, doc)
    _totals(pdf, doc)
    return bytes(pdf.output())
