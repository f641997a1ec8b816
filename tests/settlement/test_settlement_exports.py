"""Statement exports: CSV with BOM, XLSX totals, ¥ formats, frozen header; PDF text; byte-identical re-export."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from marketplace.models.settlement import PartyKind
from marketplace.settlement.exports import export_period, export_statement
from tests.settlement.ledger_rows import settle_by_hand

# Hand-computed from ledger_rows.LINES: gross 106.00 + 18.55 - 106.00 + 318.00; operator = remainder + VAT.
GROSS, VAT, NET = 33655, 1905, 31750
TOTALS = {PartyKind.OPERATOR: 29527, PartyKind.BROKER: 2540, PartyKind.AUTHORITY: 0, PartyKind.EXCHANGE: 1588}


@pytest.fixture
def settled(session):
    return settle_by_hand(session)


def _export(session, settled, kind, fmt):
    return export_statement(session, statement=settled.statements[kind], fmt=fmt)


def test_csv_starts_with_bom_and_parses_to_the_statement(session, settled):
    out = _export(session, settled, PartyKind.OPERATOR, "csv")
    assert out.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(out.content.decode("utf-8-sig"))))
    heading = {r[0]: r[1] for r in rows[:7]}
    assert heading["结算方"] == settled.operator.name
    assert heading["统一社会信用代码"] == settled.operator.uscc
    assert heading["结算周期"] == "2026-10"
    assert heading["内容哈希 (SHA-256)"] == settled.statements[PartyKind.OPERATOR].content_hash
    lines = rows[9:13]
    assert [r[1] for r in lines] == ["订单", "用量账单", "退款", "订单"]
    assert lines[2][6] == "PDX202610030001" and lines[2][7] == "-106.00"
    assert rows[13][0] == "合计" and rows[13][-4:] == ["336.55", "19.05", "317.50", "295.27"]
    assert out.filename == f"statement-2026-10-operator-{settled.operator.uscc}.csv"


def test_xlsx_has_totals_number_formats_frozen_header(session, settled):
    out = _export(session, settled, PartyKind.BROKER, "xlsx")
    ws = load_workbook(io.BytesIO(out.content)).active
    assert ws["B2"].value == settled.broker.name and ws["B3"].value == settled.broker.uscc
    assert ws["B1"].value == settled.statements[PartyKind.BROKER].number
    assert ws["B7"].value == settled.statements[PartyKind.BROKER].content_hash
    assert ws.freeze_panes == "A10"
    assert [c.value for c in ws[9]][:3] == ["日期", "类型", "单号"]
    totals = [c.value for c in ws[14]]
    assert totals[0] == "合计"
    assert [round(v * 100) for v in totals[-4:]] == [GROSS, VAT, NET, TOTALS[PartyKind.BROKER]]
    assert all(c.number_format == '"¥"#,##0.00;-"¥"#,##0.00' for c in ws[14][-4:])
    assert round(ws["K12"].value * 100) == -800  # the refund reverses the broker's commission


def test_pdf_text_has_party_uscc_hash_and_totals(session, settled):
    for kind, org in ((PartyKind.OPERATOR, settled.operator), (PartyKind.EXCHANGE, settled.exchange)):
        out = _export(session, settled, kind, "pdf")
        assert out.content.startswith(b"%PDF")
        reader = PdfReader(io.BytesIO(out.content))
        text = "".join("".join(page.extract_text() for page in reader.pages).split())
        assert org.name in text and org.uscc in text
        assert settled.statements[kind].content_hash in text
        assert "¥336.55" in text and "¥19.05" in text and "¥317.50" in text
        total = TOTALS[kind]
        assert f"¥{total // 100:,}.{total % 100:02d}" in text
        fonts = reader.pages[0]["/Resources"]["/Font"]
        font = next(iter(fonts.values())).get_object()
        assert font["/BaseFont"].endswith("WenQuanYiMicroHei")  # the CJK font is embedded (subset)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_export_twice_is_byte_identical(session, settled, fmt, tmp_path):
    first = _export(session, settled, PartyKind.OPERATOR, fmt).content
    session.expire_all()
    assert _export(session, settled, PartyKind.OPERATOR, fmt).content == first
    a = export_period(session, period="2026-10", fmt=fmt, out_dir=tmp_path / "a")
    b = export_period(session, period="2026-10", fmt=fmt, out_dir=tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_cli_writes_one_file_per_party_named_by_uscc(app, session, settled, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["export-statements", "2026-10", "--format", "pdf", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    printed = result.output.split()
    assert len(printed) == 4
    names = sorted(p.rsplit("/", 1)[1] for p in printed)
    assert names == sorted(
        f"statement-2026-10-{k}-{o.uscc}.pdf"
        for k, o in (
            ("operator", settled.operator),
            ("broker", settled.broker),
            ("authority", settled.authority),
            ("exchange", settled.exchange),
        )
    )
    assert all((tmp_path / n).stat().st_size > 1000 for n in names)


@pytest.mark.parametrize(
    "args, message",
    [
        (["2026-13", "--format", "csv"], "YYYY-MM"),
        (["2026-09", "--format", "csv"], "2026-09"),
    ],
)
def test_cli_refuses_bad_or_unknown_period(app, settled, tmp_path, args, message):
    result = app.test_cli_runner().invoke(args=["export-statements", *args, "--out", str(tmp_path)])
    assert result.exit_code != 0 and message in result.output
    assert not list(tmp_path.glob("statement-*"))
