"""Invoice data for the finance system: one row per paid order line and per paid usage bill of a month."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from marketplace.errors import DomainError
from marketplace.i18n_marker import N_
from marketplace.models import Entitlement, InvoiceKind, Order, OrderLine, OrderStatus, Organization
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.settlement.exports.csv_export import yuan
from marketplace.settlement.exports.xlsx_export import YUAN_FORMAT, fixed_zip

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
KIND_LABELS = {InvoiceKind.SPECIAL: "增值税专用发票", InvoiceKind.NORMAL: "普通发票"}
HEADINGS = (
    "来源",
    "单号",
    "支付日期",
    "发票抬头",
    "纳税人识别号",
    "发票类型",
    "产品",
    "含税金额",
    "税额",
    "税率",
    "销售方",
    "销售方统一社会信用代码",
)


@dataclass(frozen=True)
class InvoiceRow:
    """What the operator (the seller of record) invoices the buyer for one paid line."""

    source: str  # 订单 / 账单
    reference: str
    paid_on: str
    title: str
    taxpayer_id: str
    kind: str
    product: str
    amount_fen: int
    tax_fen: int
    rate_bps: int
    seller: str
    seller_uscc: str

    def cells(self) -> list:
        return [
            self.source,
            self.reference,
            self.paid_on,
            self.title,
            self.taxpayer_id,
            KIND_LABELS.get(InvoiceKind(self.kind), self.kind),
            self.product,
            self.amount_fen,
            self.tax_fen,
            f"{self.rate_bps / 100:g}%",
            self.seller,
            self.seller_uscc,
        ]


def month_bounds(period: str) -> tuple[datetime, datetime]:
    """The UTC instants where an Asia/Shanghai calendar month starts and ends."""
    match = PERIOD.match(period or "")
    if not match:
        raise DomainError(N_("结算周期格式应为 YYYY-MM"), field="period")
    year, month = int(match[1]), int(match[2])
    start = datetime(year, month, 1, tzinfo=SHANGHAI)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def _local_day(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI).date().isoformat()


def _order_rows(session: Session, start: datetime, end: datetime) -> list[InvoiceRow]:
    seller = aliased(Organization)
    query = (
        select(Order, OrderLine, seller)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(seller, seller.id == OrderLine.operator_id)
        .where(
            Order.status.in_((OrderStatus.PAID, OrderStatus.DELIVERED)),
            Order.total_fen > 0,
            Order.paid_at >= start,
            Order.paid_at < end,
        )
        .order_by(Order.paid_at, Order.id, OrderLine.id)
    )
    return [
        InvoiceRow(
            "订单",
            o.number,
            _local_day(o.paid_at),
            o.invoice_title,
            o.invoice_taxpayer_id,
            str(o.invoice_kind),
            line.title,
            line.amount_fen,
            line.vat_fen,
            o.vat_rate_bps,
            s.name,
            s.uscc,
        )
        for o, line, s in session.execute(query).all()
    ]


def _bill_rows(session: Session, start: datetime, end: datetime) -> list[InvoiceRow]:
    seller, buyer = aliased(Organization), aliased(Organization)
    query = (
        select(UsageBill, buyer, seller, Order)
        .join(buyer, buyer.id == UsageBill.buyer_org_id)
        .join(seller, seller.id == UsageBill.operator_id)
        .join(Entitlement, Entitlement.id == UsageBill.entitlement_id)
        .outerjoin(Order, Order.id == Entitlement.order_id)
        .where(UsageBill.status == BillStatus.PAID, UsageBill.paid_at >= start, UsageBill.paid_at < end)
        .order_by(UsageBill.paid_at, UsageBill.id)
    )
    rows = []
    for bill, b, s, order in session.execute(query).all():
        # the invoice details given at checkout of the entitlement's order; the buyer's own name otherwise
        title = order.invoice_title if order is not None and order.invoice_title else b.name
        taxpayer = order.invoice_taxpayer_id if order is not None and order.invoice_taxpayer_id else b.uscc
        kind = str(order.invoice_kind) if order is not None else str(InvoiceKind.NORMAL)
        rows.append(
            InvoiceRow(
                "账单",
                bill.number,
                _local_day(bill.paid_at),
                title,
                taxpayer,
                kind,
                f"{bill.period} 用量",
                bill.amount_fen,
                bill.vat_fen,
                bill.vat_rate_bps,
                s.name,
                s.uscc,
            )
        )
    return rows


def invoice_rows(session: Session, *, period: str) -> list[InvoiceRow]:
    """Paid order lines, then paid usage bills, whose payment falls in the month (Asia/Shanghai)."""
    start, end = month_bounds(period)
    return _order_rows(session, start, end) + _bill_rows(session, start, end)


def invoices_csv(rows: list[InvoiceRow]) -> bytes:
    """The invoice rows as CSV (UTF-8 with BOM), amounts in yuan."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    for row in rows:
        cells = row.cells()
        writer.writerow([*cells[:7], yuan(cells[7]), yuan(cells[8]), *cells[9:]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def invoices_xlsx(rows: list[InvoiceRow], *, period: str) -> bytes:
    """The invoice rows as XLSX (¥ formats, frozen header, fixed dates: the same rows give the same bytes)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "开票数据"
    ws.append(HEADINGS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        cells = row.cells()
        ws.append([*cells[:7], cells[7] / 100, cells[8] / 100, *cells[9:]])
        for cell in ws[ws.max_row][7:9]:
            cell.number_format = YUAN_FORMAT
    ws.freeze_panes = "A2"
    made = datetime.strptime(f"{period}-01", "%Y-%m-%d")
    wb.properties.created = wb.properties.modified = made
    wb.properties.title = f"开票数据 {period}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return fixed_zip(buffer.getvalue(), made)
