"""A published disclosure as PDF (fpdf2, the statements' CJK font); the same version always gives the same bytes."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.fonts import FontFace

from marketplace.disclosure.deadline import local_day
from marketplace.i18n_marker import N_
from marketplace.models.disclosure import Disclosure
from marketplace.settlement.exports.pdf_export import FAMILY, FONT_FILE, FONT_PACKAGE, ExportError

NOTE = (
    "本信息披露由授权运营单位在公共数据交易平台发布，发布后内容冻结；内容哈希为披露内容规范 JSON 的 SHA-256，"
    "可用于核对下载文件与平台记录一致。"
)
WIDTHS = (62, 28, 34, 28, 28)  # mm, portrait A4 (180 mm between margins)
HEAD = FontFace(emphasis="", fill_color=(221, 235, 247))
HEADINGS = ("产品", "领域", "收费方式 · 方案", "价格", "上限收费标准")


def _new_pdf(row: Disclosure, name: str) -> FPDF:
    if not FONT_FILE.is_file():
        raise ExportError(N_("缺少中文字体 %(FONT_FILE)s（请安装 Debian 软件包 %(FONT_PACKAGE)s）"),
                          params={"FONT_FILE": FONT_FILE, "FONT_PACKAGE": FONT_PACKAGE})
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(15, 14, 15)
    pdf.add_font(FAMILY, fname=str(FONT_FILE), collection_font_number=0)
    pdf.set_creation_date(row.published_at)
    pdf.set_title(f"{name} {row.year} 年度信息披露 第 {row.version} 版")
    pdf.set_author(name)
    pdf.set_keywords(row.content_hash)
    pdf.set_creator("公共数据交易平台")
    pdf.set_producer("公共数据交易平台")
    pdf.set_auto_page_break(auto=True, margin=14)
    return pdf


def _pair(pdf: FPDF, label: str, value: str) -> None:
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(38, 5.5, label)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 5.5, value or "—", align="L", new_x="LMARGIN", new_y="NEXT")


def _section(pdf: FPDF, title: str) -> None:
    pdf.ln(3)
    pdf.set_font(FAMILY, "", 12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")


def _agreements(pdf: FPDF, content: dict) -> None:
    _section(pdf, "授权运营协议与授权数据资源")
    if not content["agreements"]:
        _pair(pdf, "协议", "本年度无授权运营协议")
    for a in content["agreements"]:
        pdf.set_font(FAMILY, "", 10)
        pdf.cell(0, 6.5, f"{a['code']}  {a['title']}", new_x="LMARGIN", new_y="NEXT")
        for label, value in (
            ("运营模式", a["operating_model"]),
            ("授权主体", a["authority"]),
            ("期限", f"{a['start_date']} 至 {a['end_date']}"),
            ("合理收益率", a["allowed_return"]),
            ("平台服务费", a["platform_fee"]),
            ("主管部门分成", a["authority_share"]),
            ("授权数据领域", "、".join(d["label"] for d in a["domains"])),
            ("应用场景", a["scenarios"]),
            ("安全责任", a["security_duties"]),
            ("退出与处置", a["exit_terms"]),
        ):
            _pair(pdf, label, value)
        pdf.ln(1)


def _products(pdf: FPDF, content: dict) -> None:
    _section(pdf, f"产品和服务目录及价格（{len(content['products'])} 个）")
    pdf.set_font(FAMILY, "", 8)
    pdf.set_draw_color(160, 160, 160)
    with pdf.table(
        col_widths=WIDTHS, text_align="LEFT", line_height=4.6, repeat_headings=1, headings_style=HEAD
    ) as table:
        table.row(HEADINGS)
        for p in content["products"]:
            plans = p["plans"] or [{"charge_form_label": "—", "name": "", "price": "", "cap": ""}]
            for n, plan in enumerate(plans):
                table.row(
                    (
                        p["title"] if n == 0 else "",
                        p["domain_label"] if n == 0 else "",
                        f"{plan['charge_form_label']} · {plan['name']}",
                        plan["price"] or "—",
                        plan["cap"] or "—",
                    )
                )


def _caps(pdf: FPDF, content: dict) -> None:
    _section(pdf, "主管部门核定的上限收费标准")
    pdf.set_font(FAMILY, "", 8)
    with pdf.table(
        col_widths=(80, 40, 30, 30), text_align="LEFT", line_height=4.6, repeat_headings=1, headings_style=HEAD
    ) as table:
        table.row(("产品", "收费方式", "上限", "生效日期"))
        for p in content["products"]:
            for cap in p["caps"]:
                trial = f"（试行，至 {cap['trial_expires']}）" if cap["trial"] else ""
                table.row((p["title"], cap["charge_form_label"], cap["cap"] + trial, cap["effective_from"]))


def disclosure_pdf(row: Disclosure, content: dict) -> bytes:
    """The version as PDF bytes: heading with hash, operator, agreements and resources, products, caps."""
    pdf = _new_pdf(row, content["operator"]["name"])
    pdf.add_page()
    pdf.set_font(FAMILY, "", 16)
    pdf.multi_cell(0, 9, f"{content['operator']['name']} {row.year} 年度信息披露", new_x="LMARGIN", new_y="NEXT")
    _pair(pdf, "统一社会信用代码", content["operator"]["uscc"])
    _pair(pdf, "运营模式", "、".join(content["operator"]["operating_models"]))
    _pair(pdf, "版本", f"第 {row.version} 版，发布于 {local_day(row.published_at).isoformat()}")
    _pair(pdf, "内容哈希 (SHA-256)", row.content_hash)
    _agreements(pdf, content)
    _products(pdf, content)
    _caps(pdf, content)
    pdf.ln(4)
    pdf.set_font(FAMILY, "", 8)
    pdf.multi_cell(0, 4.5, NOTE, align="L")
    return bytes(pdf.output())


def pdf_filename(row: Disclosure, content: dict) -> str:
    return f"disclosure-{row.year}-{content['operator']['uscc']}-v{row.version}.pdf"
