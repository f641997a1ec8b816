"""The operator's cost and tax entries of a year: add, correct (a new entry naming the one it corrects), sum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.i18n_marker import N_
from marketplace.models import Product
from marketplace.models.returns import CostCategory, CostEntry, ReportStatus, ReturnReport
from marketplace.returns.errors import Conflict, NotFound, ReturnError

COST_CATEGORIES = tuple(c for c in CostCategory if c is not CostCategory.TAXES)
CATEGORY_LABELS = {
    CostCategory.DATA_GOVERNANCE: N_("数据治理"),
    CostCategory.COMPUTE_STORAGE: N_("算力与存储"),
    CostCategory.SECURITY: N_("安全保障"),
    CostCategory.LABOUR: N_("人工"),
    CostCategory.PLATFORM_FEES: N_("平台服务费"),
    CostCategory.OTHER: N_("其他"),
    CostCategory.TAXES: N_("税费"),
}
MAX_FEN = 10**15  # ¥10 trillion: far above any operator's year, below BIGINT
FIRST_YEAR = 2000


@dataclass(frozen=True)
class CostIn:
    """What the operator enters: category, amount in fen, the day, a note and optionally one of its products."""

    category: str
    amount_fen: int
    spent_on: date
    note: str
    product_id: int | None = None


def check_year(year: int, *, today: date) -> int:
    """A year the exchange can report on: from 2000 to the current year."""
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= today.year:
        raise ReturnError(N_("年度不正确"), field="year")
    return year


def year_locked(session: Session, *, operator_id: int, year: int) -> bool:
    """Whether the year's report is with the authority or accepted: its figures are frozen, entries wait."""
    status = session.execute(
        select(ReturnReport.status)
        .where(ReturnReport.operator_id == operator_id, ReturnReport.year == year)
        .order_by(ReturnReport.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    return status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def _check_open(session: Session, *, operator_id: int, year: int) -> None:
    if year_locked(session, operator_id=operator_id, year=year):
        raise Conflict(N_("该年度报告已提交主管部门，不能再记录成本；如需更正，请待主管部门退回后再记录"))


def _category(text: str) -> CostCategory:
    try:
        return CostCategory(text)
    except ValueError:
        raise ReturnError(N_("请选择成本类别"), field="category") from None


def _check(session: Session, *, operator_id: int, year: int, data: CostIn, category: CostCategory) -> None:
    if data.spent_on is None or data.spent_on.year != year:
        raise ReturnError(N_("日期必须在所填年度内"), field="spent_on")
    if not (data.note or "").strip():
        raise ReturnError(N_("请填写说明"), field="note")
    if data.product_id is not None:
        product = session.get(Product, data.product_id)
        if product is None or product.operator_id != operator_id:
            raise ReturnError(N_("只能归属到本单位的数据产品"), field="product_id")
        if category is CostCategory.TAXES:
            raise ReturnError(N_("税费不归属到单个产品"), field="product_id")


def add_cost(session: Session, *, actor: Actor, operator_id: int, year: int, data: CostIn, today: date) -> CostEntry:
    """Record one cost or tax entry of the year (a positive amount)."""
    check_year(year, today=today)
    _check_open(session, operator_id=operator_id, year=year)
    category = _category(data.category)
    if isinstance(data.amount_fen, bool) or not isinstance(data.amount_fen, int) or not 0 < data.amount_fen <= MAX_FEN:
        raise ReturnError(N_("金额必须大于零"), field="amount")
    _check(session, operator_id=operator_id, year=year, data=data, category=category)
    return _save(session, actor=actor, operator_id=operator_id, year=year, data=data, category=category)


def _save(session, *, actor, operator_id, year, data, category, corrects: CostEntry | None = None) -> CostEntry:
    entry = CostEntry(
        operator_id=operator_id,
        year=year,
        category=category,
        amount_fen=data.amount_fen,
        spent_on=data.spent_on,
        note=data.note.strip(),
        product_id=data.product_id,
        corrects_id=corrects.id if corrects else None,
        entered_by_id=actor.user_id,
    )
    session.add(entry)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="cost.correct" if corrects else "cost.add",
        object_type="cost_entry",
        object_id=entry.id,
        org_id=operator_id,
        after={
            "year": year,
            "category": category.value,
            "amount_fen": entry.amount_fen,
            "spent_on": entry.spent_on,
            "product_id": entry.product_id,
            "corrects": entry.corrects_id,
            "note": entry.note,
        },
    )
    return entry


def entry_balance(session: Session, entry: CostEntry) -> int:
    """What an entry counts for now: its amount plus every correction made to it."""
    corrections = session.execute(
        select(func.coalesce(func.sum(CostEntry.amount_fen), 0)).where(CostEntry.corrects_id == entry.id)
    ).scalar_one()
    return entry.amount_fen + int(corrections)


def correct_cost(
    session: Session,
    *,
    actor: Actor,
    operator_id: int,
    entry_id: int,
    amount_fen: int,
    note: str,
    spent_on: date,
    today: date,
) -> CostEntry:
    """A correcting entry: same year, category and product as the original; the amount may be negative,
    but never takes the original below zero. The original is kept as it was."""
    original = session.get(CostEntry, entry_id)
    if original is None or original.operator_id != operator_id:
        raise NotFound(N_("成本记录不存在"))
    if original.corrects_id is not None:
        raise ReturnError(N_("请更正原始记录，而不是更正记录"), field="entry_id")
    check_year(original.year, today=today)
    _check_open(session, operator_id=operator_id, year=original.year)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen == 0 or abs(amount_fen) > MAX_FEN:
        raise ReturnError(N_("更正金额不能为零"), field="amount")
    if entry_balance(session, original) + amount_fen < 0:
        raise ReturnError(N_("更正后金额不能小于零"), field="amount")
    data = CostIn(original.category, amount_fen, spent_on, note, original.product_id)
    _check(session, operator_id=operator_id, year=original.year, data=data, category=original.category)
    return _save(
        session,
        actor=actor,
        operator_id=operator_id,
        year=original.year,
        data=data,
        category=original.category,
        corrects=original,
    )


def year_entries(session: Session, *, operator_id: int, year: int) -> list[CostEntry]:
    """Every entry of the year, in the order entered."""
    return list(
        session.execute(
            select(CostEntry).where(CostEntry.operator_id == operator_id, CostEntry.year == year).order_by(CostEntry.id)
        ).scalars()
    )


@dataclass(frozen=True)
class CostTotals:
    """A year's sums: cost by category (taxes apart), attributed cost by product, taxes."""

    by_category: dict[str, int]
    by_product: dict[int, int]
    cost_fen: int
    taxes_fen: int
    entries: int

    @property
    def unattributed_fen(self) -> int:
        return self.cost_fen - sum(self.by_product.values())


def cost_totals(entries: list[CostEntry]) -> CostTotals:
    """Sum entries (corrections included, with their sign)."""
    by_category = {c.value: 0 for c in COST_CATEGORIES}
    by_product: dict[int, int] = {}
    taxes = 0
    for e in entries:
        if e.category == CostCategory.TAXES:
            taxes += e.amount_fen
            continue
        by_category[str(e.category)] += e.amount_fen
        if e.product_id is not None:
            by_product[e.product_id] = by_product.get(e.product_id, 0) + e.amount_fen
    return CostTotals(by_category, by_product, sum(by_category.values()), taxes, len(entries))


def has_entries(session: Session, *, operator_id: int, year: int) -> bool:
    """Whether the operator entered anything for the year."""
    return (
        session.execute(
            select(CostEntry.id).where(CostEntry.operator_id == operator_id, CostEntry.year == year).limit(1)
        ).first()
        is not None
    )


def operator_products(session: Session, *, operator_id: int) -> list[Product]:
    """The operator's products a cost may be attributed to, by title."""
    return list(
        session.execute(
            select(Product).where(Product.operator_id == operator_id).order_by(Product.title, Product.id)
        ).scalars()
    )
