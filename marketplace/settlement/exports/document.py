"""What every statement export prints, read once from Statement and StatementLine rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session

from marketplace.models import Organization
from marketplace.models.settlement import PartyKind, SettlementPeriod, Statement, StatementLine

PARTY_LABELS = {
    PartyKind.OPERATOR: "授权运营单位",
    PartyKind.BROKER: "数据经纪人",
    PartyKind.AUTHORITY: "授权主体",
    PartyKind.EXCHANGE: "交易所",
}
STATUS_LABELS = {"draft": "草稿", "confirmed": "已确认", "paid": "已付款"}
KIND_LABELS = {"order": "订单", "usage": "用量账单", "refund": "退款", "adjustment": "调整"}
SHARE_LABELS = {
    PartyKind.OPERATOR: "运营单位应得（含税）",
    PartyKind.BROKER: "经纪佣金",
    PartyKind.AUTHORITY: "主管部门分成",
    PartyKind.EXCHANGE: "平台服务费",
}
# (heading, attribute of StatementDocLine); the money columns are the last four.
COLUMNS = (
    ("日期", "date"),
    ("类型", "kind_label"),
    ("单号", "reference"),
    ("产品", "product"),
    ("需求方", "buyer"),
    ("需求方统一社会信用代码", "buyer_uscc"),
    ("调整对象", "adjusts"),
    ("含税金额", "gross_fen"),
    ("增值税", "vat_fen"),
    ("不含税金额", "net_fen"),
    ("本方分成", "share_fen"),
)
MONEY_COLUMNS = 4


@dataclass(frozen=True)
class StatementDocLine:
    """One statement line as exported (the agreed StatementLine.detail shape)."""

    date: str
    kind: str
    reference: str
    product: str
    buyer: str
    buyer_uscc: str
    adjusts: str
    gross_fen: int
    vat_fen: int
    net_fen: int
    share_fen: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def cells(self) -> list:
        """The line's values in COLUMNS order (money as integer fen)."""
        return [getattr(self, attr) for _heading, attr in COLUMNS]


@dataclass(frozen=True)
class StatementDoc:
    """A statement with its party, lines and totals; the single input of every export format."""

    statement_id: int
    number: str
    period: str
    party_kind: PartyKind
    party_name: str
    party_uscc: str
    status: str
    lines: tuple[StatementDocLine, ...]
    gross_fen: int
    vat_fen: int
    net_fen: int
    total_fen: int
    content_hash: str
    made_at: datetime  # when the statement was made: the fixed date every export carries

    @property
    def party_label(self) -> str:
        return PARTY_LABELS.get(self.party_kind, str(self.party_kind))

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(str(self.status), str(self.status))

    @property
    def share_label(self) -> str:
        return SHARE_LABELS.get(self.party_kind, "本方分成")

    def filename(self, fmt: str) -> str:
        """The agreed file name: statement-YYYY-MM-<party kind>-<USCC>.<fmt>."""
        return f"statement-{self.period}-{self.party_kind}-{self.party_uscc}.{fmt}"


def _line(row: StatementLine) -> StatementDocLine:
    d = json.loads(row.detail or "{}")
    return StatementDocLine(
        date=str(d.get("date", "")),
        kind=str(d.get("kind", "")),
        reference=str(d.get("reference", "")),
        product=str(d.get("product", "")),
        buyer=str(d.get("buyer", "")),
        buyer_uscc=str(d.get("buyer_uscc", "")),
        adjusts=str(d.get("adjusts", "") or ""),
        gross_fen=int(d.get("gross_fen", 0)),
        vat_fen=int(d.get("vat_fen", 0)),
        net_fen=int(d.get("net_fen", 0)),
        share_fen=int(row.share_fen),
    )


def _fixed(moment: datetime | None) -> datetime:
    moment = moment or datetime(2000, 1, 1)
    return moment.replace(microsecond=0, tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def statement_doc(session: Session, statement: Statement) -> StatementDoc:
    """Read one statement, its party and its lines (in line id order) into an export document."""
    party = session.get(Organization, statement.party_org_id)
    period = session.get(SettlementPeriod, statement.period_id)
    rows = session.execute(
        select(StatementLine).where(StatementLine.statement_id == statement.id).order_by(StatementLine.id)
    ).scalars()
    return StatementDoc(
        statement_id=statement.id,
        number=statement.number,
        period=period.period,
        party_kind=PartyKind(statement.party_kind),
        party_name=party.name,
        party_uscc=party.uscc,
        status=str(statement.status),
        lines=tuple(_line(r) for r in rows),
        gross_fen=statement.gross_fen,
        vat_fen=statement.vat_fen,
        net_fen=statement.net_fen,
        total_fen=statement.total_fen,
        content_hash=statement.content_hash,
        made_at=_fixed(statement.created_at),
    )
