"""Statement as PDF (fpdf2), Chinese set in Noto Sans CJK SC from Debian's fonts-noto-cjk, embedded as a subset.

The creation date is the statement's own date and fpdf2 writes no random file id, so the same statement
always gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TableCellFillMode, WrapMode

from marketplace.errors import DomainError
from marketplace.settlement.exports.document import StatementDoc
from pricing import format_fen

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT_FILES = {"": "NotoSansCJK-Regular.ttc", "B": "NotoSansCJK-Bold.ttc"}
SC_INDEX = 2  # in Noto Sans CJK collections: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
FAMILY = "NotoSansCJKSC"
HEADINGS = ("日期", "类型", "单号", "产品", "需求方", "含税金额", "增值税", "不含税金额", "本方分成")
WIDTHS = (20, 14, 40, 58, 58, 22, 20, 22, 23)  # mm, landscape A4 (277 mm between margins)


class ExportError(DomainError):
    """An export could not be produced (e.g. the CJK font is not installed)."""


def _new_pdf(doc: StatementDoc) -> FPDF:
    for path in FONT_FILES.values():
        if not (FONT_DIR / path).is_file():
            raise ExportError(f"缺少中文字体 {FONT_DIR / path}（请安装 Debian 软件包 fonts-noto-cjk）")
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font(FAMILY, style=style, fname=str(FONT_DIR / name), collection_font_number=SC_INDEX)
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
    pdf.set_font(FAMILY, "B", 16)
    pdf.cell(0, 10, f"结算单 {doc.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    for label, value in (("结算方", f"{doc.party_name}（{doc.party_label}）"), ("统一社会信用代码", doc.party_uscc),
                         ("结算周期", doc.period), ("状态", doc.status_label),
                         ("内容哈希 (SHA-256)", doc.content_hash)):
        pdf.cell(40, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _lines(pdf: FPDF, doc: StatementDoc) -> None:
    pdf.set_font(FAMILY, "", 8)
    right = ("LEFT",) * 5 + ("RIGHT",) * 4
    with pdf.table(col_widths=WIDTHS, text_align=right, line_height=5, first_row_as_headings=True,
                   cell_fill_color=(242, 246, 252), cell_fill_mode=TableCellFillMode.ROWS,
                   wrapmode=WrapMode.CHAR) as table:
        table.row(HEADINGS)
        for line in doc.lines:
            reference = f"{line.reference}\n调整 {line.adjusts}" if line.adjusts else line.reference
            table.row((line.date, line.kind_label, reference, line.product, f"{line.buyer}\n{line.buyer_uscc}",
                       format_fen(line.gross_fen), format_fen(line.vat_fen), format_fen(line.net_fen),
                       format_fen(line.share_fen)))
        table.row(("合计", "", f"{len(doc.lines)} 行", "", "", format_fen(doc.gross_fen), format_fen(doc.vat_fen),
                   format_fen(doc.net_fen), format_fen(doc.total_fen)))


def _totals(pdf: FPDF, doc: StatementDoc) -> None:
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(0, 7, f"{doc.share_label}合计：{format_fen(doc.total_fen)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 8)
    pdf.multi_cell(0, 5, "本结算单由公共数据交易平台生成；内容哈希为结算单规范内容的 SHA-256，可用于核对导出文件与平台记录一致。")


def statement_pdf(doc: StatementDoc) -> bytes:
    """The statement as PDF bytes: heading with party, USCC, period, status and hash; lines; totals."""
    pdf = _new_pdf(doc)
    pdf.add_page()
    _heading(pdf, doc)
    _lines(pdf, doc)
    _totals(pdf, doc)
    return bytes(pdf.output())
