"""XLSX and PDF of the report: totals read back, the hash inside, Chinese text, byte-identical re-export."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from marketplace.returns.exports import export_report
from marketplace.returns.review import submit_report
from tests.returns.conftest import TODAY


def _arrange(session, books):
    books.cost(1_000_000)
    books.cost(30_000, category="taxes")
    books.order(10600, paid="2026-04-10")
    books.settle("2026-04")


def _export(session, books, fmt):
    return export_report(session, operator_id=books.operator.id, year=2026, fmt=fmt, today=TODAY)


def test_xlsx_figures_and_hash(session, books):
    _arrange(session, books)
    report = submit_report(session, actor=books.actor, operator_id=books.operator.id, year=2026, today=TODAY)
    session.commit()
    out = _export(session, books, "xlsx")
    assert out.filename == f"return-report-2026-{books.operator.uscc}.xlsx"
    wb = load_workbook(io.BytesIO(out.content))
    ws = wb["合理收益报告"]
    values = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True) if r and r[0]}
    assert values["统一社会信用代码"] == books.operator.uscc
    assert values["内容哈希 (SHA-256)"] == report.content_hash
    assert round(values["允许收入"] * 100) == 1_000_000 + 80_000 + 30_000
    assert round(values["实际收入"] * 100) == 10100
    assert round(values["剩余空间"] * 100) == 1_110_000 - 10100
    months = list(wb["按月"].iter_rows(min_row=2, values_only=True))
    assert months[3][0] == "2026-04" and round(months[3][1] * 100) == 10100 and round(months[-1][2] * 100) == 10100
    products = list(wb["按产品"].iter_rows(min_row=2, values_only=True))
    assert products[0][0] == books.product.title and products[0][3] == 1
    assert _export(session, books, "xlsx").content == out.content


def test_pdf_text_and_byte_identical(session, books):
    _arrange(session, books)
    out = _export(session, books, "pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(out.content)).pages)
    assert "2026 年度合理收益报告" in text and books.operator.name in text
    assert "¥11,100.00" in text  # allowed revenue
    assert "¥101.00" in text  # actual revenue
    assert "草稿" in text
    reader = PdfReader(io.BytesIO(out.content))
    assert len(reader.metadata["/Keywords"]) == 64
    assert _export(session, books, "pdf").content == out.content


def test_cli_writes_both_files_and_refuses_unknown_operator(app, session, books, tmp_path):
    _arrange(session, books)
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "return-report",
            "2026",
            "--operator",
            books.operator.uscc,
            "--format",
            "xlsx",
            "--out",
            str(tmp_path / "a"),
        ]
    )
    assert result.exit_code == 0, result.output
    xlsx = tmp_path / "a" / f"return-report-2026-{books.operator.uscc}.xlsx"
    assert result.output.strip() == str(xlsx)
    result = runner.invoke(
        args=["return-report", "--operator-code", books.operator.uscc, "--year", "2026", "--out", str(tmp_path / "b")]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [
        f"return-report-2026-{books.operator.uscc}.pdf",
        f"return-report-2026-{books.operator.uscc}.xlsx",
    ]
    assert (tmp_path / "b" / xlsx.name).read_bytes() == xlsx.read_bytes()
    result = runner.invoke(args=["return-report", "2026", "--operator", "911111111111111111", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "没有统一社会信用代码" in result.output
    result = runner.invoke(
        args=["return-report", "2026", "--operator", books.operator.uscc, "--format", "csv", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0
