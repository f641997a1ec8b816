"""The report as PDF (fpdf2, the statements' embedded CJK font): heading, figures, a chart, months, products."""

from __future__ import annotations

from fpdf import FPDF, FontFace

from marketplace.i18n_marker import N_
from marketplace.returns.exports.document import NOTE, PRODUCT_HEADINGS, ReportDoc
from marketplace.settlement.exports.pdf_export import FAMILY, FONT_FILE, FONT_PACKAGE, ExportError
from pricing import format_fen

FILL = (221, 235, 247)
BAR, LIMIT, FORECAST = (13, 110, 253), (220, 53, 69), (253, 126, 20)
PRODUCT_WIDTHS = (52, 42, 42, 14, 20, 20)  # mm, portrait A4 (190 mm between margins)


def _new_pdf(doc: ReportDoc) -> FPDF:
    if not FONT_FILE.is_file():
        raise ExportError(N_("缺少中文字体 %(FONT_FILE)s（请安装 Debian 软件包 %(FONT_PACKAGE)s）"),
                          params={"FONT_FILE": FONT_FILE, "FONT_PACKAGE": FONT_PACKAGE})
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font(FAMILY, fname=str(FONT_FILE), collection_font_number=0)
    pdf.set_creation_date(doc.made_at)
    pdf.set_title(doc.title)
    pdf.set_author("公共数据交易平台")
    pdf.set_subject(f"{doc.figures.operator_name} {doc.figures.year}")
    pdf.set_keywords(doc.content_hash)
    pdf.set_creator("公共数据交易平台")
    pdf.set_producer("公共数据交易平台")
    pdf.set_auto_page_break(auto=True, margin=14)
    return pdf


def _pairs(pdf: FPDF, rows, *, money: bool) -> None:
    for label, value in rows:
        pdf.cell(62, 6, label)
        pdf.cell(0, 6, format_fen(value) if money else value, new_x="LMARGIN", new_y="NEXT")


def _chart(pdf: FPDF, doc: ReportDoc) -> None:
    """Cumulative revenue by month as bars, allowed revenue as a red line (and the forecast, orange)."""
    f = doc.figures
    top, height, left, width = pdf.get_y() + 4, 50, pdf.l_margin + 22, 160
    peak = max([f.allowed_fen, f.forecast_fen or 0, *(c for _p, _r, c in f.months), 1])
    pdf.set_font(FAMILY, "", 7)
    pdf.set_draw_color(160, 160, 160)
    pdf.line(left, top + height, left + width, top + height)
    step = width / len(f.months)

    def y_of(fen: int) -> float:
        return top + height - height * max(fen, 0) / peak

    for n, (period, _revenue, cumulative) in enumerate(f.months):
        if n < f.months_shown:
            pdf.set_fill_color(*BAR)
            pdf.rect(left + n * step + 1.5, y_of(cumulative), step - 3, top + height - y_of(cumulative), style="F")
        pdf.set_xy(left + n * step, top + height + 0.5)
        pdf.cell(step, 4, period[5:], align="C")
    for fen, color, label in ((f.allowed_fen, LIMIT, "允许收入"), (f.forecast_fen, FORECAST, "全年预测")):
        if fen is None:
            continue
        pdf.set_draw_color(*color)
        pdf.set_line_width(0.5)
        pdf.line(left, y_of(fen), left + width, y_of(fen))
        pdf.set_xy(pdf.l_margin, y_of(fen) - 2)
        pdf.cell(21, 4, label, align="R")
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, top + height + 6)
    pdf.cell(0, 5, "蓝色：累计实际收入（月）", new_x="LMARGIN", new_y="NEXT")


def _products(pdf: FPDF, doc: ReportDoc) -> None:
    pdf.set_font(FAMILY, "", 7)
    with pdf.table(
        col_widths=PRODUCT_WIDTHS,
        line_height=4,
        headings_style=FontFace(fill_color=FILL),
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        width=sum(PRODUCT_WIDTHS),
        align="LEFT",
        repeat_headings=1,
    ) as table:
        table.row(PRODUCT_HEADINGS)
        for title, prices, caps, units, revenue, cost in doc.product_rows():
            table.row((title, prices or "—", caps or "—", str(units), format_fen(revenue), format_fen(cost)))


def report_pdf(doc: ReportDoc) -> bytes:
    """The report as PDF bytes."""
    pdf = _new_pdf(doc)
    pdf.add_page()
    pdf.set_font(FAMILY, "", 16)
    pdf.cell(0, 10, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    _pairs(pdf, doc.heading(), money=False)
    pdf.ln(2)
    pdf.set_font(FAMILY, "", 11)
    pdf.cell(0, 7, "收入与允许收入", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    _pairs(pdf, doc.summary(), money=True)
    if doc.figures.forecast_passes:
        pdf.set_text_color(*LIMIT)
        pdf.cell(0, 6, "预警：全年预测收入超过允许收入", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.set_font(FAMILY, "", 11)
    pdf.cell(0, 7, "累计收入与允许收入（按月）", new_x="LMARGIN", new_y="NEXT")
    _chart(pdf, doc)
    pdf.add_page()
    pdf.set_font(FAMILY, "", 11)
    pdf.cell(0, 7, "按产品", new_x="LMARGIN", new_y="NEXT")
    _products(pdf, doc)
    pdf.ln(3)
    pdf.set_font(FAMILY, "", 8)
    pdf.multi_cell(0, 5, NOTE, align="L")
    return bytes(pdf.output())
