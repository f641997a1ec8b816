"""Statement as CSV: UTF-8 with a BOM so Excel shows the Chinese, amounts in yuan with two decimals."""

from __future__ import annotations

import csv
import io

from marketplace.settlement.exports.document import COLUMNS, MONEY_COLUMNS, StatementDoc


def yuan(fen: int) -> str:
    """Integer fen as a plain yuan figure: -1234.5 yuan → "-1234.50" (no separators, for spreadsheets)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def header_rows(doc: StatementDoc) -> list[list[str]]:
    """The statement's heading as (label, value) rows, shared by the CSV and XLSX exports."""
    return [
        ["结算单", doc.number],
        ["结算方", doc.party_name],
        ["统一社会信用代码", doc.party_uscc],
        ["结算方类型", doc.party_label],
        ["结算周期", doc.period],
        ["状态", doc.status_label],
        ["内容哈希 (SHA-256)", doc.content_hash],
    ]


def totals_row(doc: StatementDoc) -> list:
    """The totals row under the lines: gross, VAT, net and the party's share total."""
    return ["合计", *[""] * (len(COLUMNS) - MONEY_COLUMNS - 1), doc.gross_fen, doc.vat_fen, doc.net_fen, doc.total_fen]


def statement_csv(doc: StatementDoc) -> bytes:
    """The statement as CSV bytes (BOM, CRLF line ends as the csv module writes them)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(header_rows(doc))
    writer.writerow([])
    writer.writerow([heading for heading, _attr in COLUMNS])
    money_from = len(COLUMNS) - MONEY_COLUMNS
    for line in doc.lines:
        cells = line.cells()
        writer.writerow([*cells[:money_from], *(yuan(v) for v in cells[money_from:])])
    total = totals_row(doc)
    writer.writerow([*total[:money_from], *(yuan(v) for v in total[money_from:])])
    writer.writerow([f"{doc.share_label}合计", yuan(doc.total_fen)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
