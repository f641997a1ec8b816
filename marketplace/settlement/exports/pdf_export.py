"""Statement as PDF (fpdf2), Chinese set in WenQuanYi Micro Hei from Debian's fonts-wqy-microhei, embedded as a subset.

A TrueType-outline font on purpose: fpdf2 embeds it as CIDFontType2 with Identity-H, whose text every reader
extracts (pypdf cannot read back the custom encoding CMap fpdf2 writes for CFF fonts such as Noto Sans CJK).
The creation date is the statement's own date and fpdf2 writes no random file id, so the same statement
always gives the same bytes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fpdf import FPDF

from marketplace.errors import DomainError
from marketplace.i18n_marker import N_
from marketplace.settlement.exports.document import StatementDoc
from pricing import format_fen

logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter logs every glyph at INFO
FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_PACKAGE = "fonts-wqy-microhei"
FAMILY = "WenQuanYiMicroHei"
HEADINGS = ("日期", "类型", "单号", "产品", "需求方", "含税金额", "增值税", "不含税金额", "本方分成")
NOTE = "本结算单由公共数据交易平台生成；内容哈希为结算单规范内容的 SHA-256，可用于核对导出文件与平台记录一致。"
ROW_H, LINE_H, CELL_PAD = 10, 4.2, 1.0
HEADING_FILL, STRIPE_FILL = (221, 235, 247), (242, 246, 252)
WIDTHS = (20, 14, 40, 58, 58, 22, 20, 22, 23)  # mm, landscape A4 (277 mm between margins)


class ExportError(DomainError):
    """An export could not be produced (e.g. the CJK font is not installed)."""


def _new_pdf(doc: StatementDoc) -> FPDF:
    if not FONT_FILE.is_file():
        raise ExportError(N_("缺少中文字体 %(FONT_FILE)s（请安装 Debian 软件包 %(FONT_PACKAGE)s）"),
                          params={"FONT_FILE": FONT_FILE, "FONT_PACKAGE": FONT_PACKAGE})
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font(FAMILY, fname=str(FONT_FILE), collection_font_number=0)
    pdf.set_creation_date(doc.made_at)
    pdf.set_title(f"结算单 {doc.number}")
    pdf.set_author("公共数据交易平台")
    pdf.set_subject(f"{doc.party_name} {doc.period}")
    pdf.set_keywords(doc.content_hash)
    pdf.set_creator("公共数据交易平台")
    pdf.set_producer("公共数据交易平台")
    pdf.set_auto_page_break(auto=False, margin=14)  # _lines breaks pages itself, between rows
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


def _two_lines(pdf: FPDF, text: str, width: float, widths: dict[str, float]) -> list[str]:
    """Break text into at most two lines that fit the column (Chinese breaks anywhere); the rest is cut with ….

    Character widths are measured once each (`widths` caches them): get_string_width is slow in fpdf2.
    """
    room, lines = width - 2 * CELL_PAD, []
    for part in text.split("\n"):
        current, used = "", 0.0
        for ch in part:
            w = widths.get(ch)
            if w is None:
                w = widths[ch] = pdf.get_string_width(ch)
            if current and used + w > room:
                lines.append(current)
                current, used = "", 0.0
            current, used = current + ch, used + w
        lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], lines[1][:-1] + "…"]
    return lines


def _row(pdf: FPDF, cells: tuple[str, ...], *, fill: tuple[int, int, int] | None, widths: dict) -> None:
    """One table row of fixed height: a bordered box per column, its text in up to two lines."""
    top = pdf.get_y()
    x = pdf.l_margin
    for index, (width, text) in enumerate(zip(WIDTHS, cells, strict=True)):
        if fill:
            pdf.set_fill_color(*fill)
        pdf.rect(x, top, width, ROW_H, style="DF" if fill else "D")
        lines = _two_lines(pdf, text, width, widths)
        first = top + (ROW_H - LINE_H * len(lines)) / 2
        for n, line in enumerate(lines):
            pdf.set_xy(x, first + n * LINE_H)
            pdf.cell(width, LINE_H, line, align="R" if index >= 5 else "L")
        x += width
    pdf.set_xy(pdf.l_margin, top + ROW_H)


def _lines(pdf: FPDF, doc: StatementDoc) -> None:
    """The lines table, its column headings repeated on every page, then the totals row.

    Drawn cell by cell rather than with FPDF.table(), which measures every cell twice and took 9 s for
    1,000 lines.
    """
    pdf.set_font(FAMILY, "", 8)
    pdf.set_draw_color(160, 160, 160)
    widths: dict[str, float] = {}
    rows = [
        (
            line.date,
            line.kind_label,
            f"{line.reference}\n调整 {line.adjusts}" if line.adjusts else line.reference,
            line.product,
            f"{line.buyer}\n{line.buyer_uscc}",
            *(format_fen(v) for v in (line.gross_fen, line.vat_fen, line.net_fen, line.share_fen)),
        )
        for line in doc.lines
    ]
    totals = (
        "合计",
        "",
        f"{len(doc.lines)} 行",
        "",
        "",
        *(format_fen(v) for v in (doc.gross_fen, doc.vat_fen, doc.net_fen, doc.total_fen)),
    )
    _row(pdf, HEADINGS, fill=HEADING_FILL, widths=widths)
    for n, row in enumerate([*rows, totals]):
        if pdf.get_y() + ROW_H > pdf.h - pdf.b_margin:
            pdf.add_page()
            _row(pdf, HEADINGS, fill=HEADING_FILL, widths=widths)
        _row(pdf, row, fill=STRIPE_FILL if n % 2 == 0 or row is totals else None, widths=widths)


def _totals(pdf: FPDF, doc: StatementDoc) -> None:
    if pdf.get_y() + 20 > pdf.h - pdf.b_margin:
        pdf.add_page()
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
