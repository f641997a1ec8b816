"""What both report exports print: the figures with labels, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from marketplace.returns.costs import CATEGORY_LABELS, COST_CATEGORIES
from marketplace.returns.report import ReportFigures
from pricing import CHARGE_FORM_LABELS, ChargeForm

STATUS_LABELS = {"draft": "草稿（未提交）", "submitted": "已提交，待审核", "accepted": "已通过", "returned": "已退回"}
NOTE = (
    "实际收入为本年度已确认结算单中运营单位应得金额（含增值税，已扣平台服务费、经纪佣金和主管部门分成）。"
    "允许收入 = 运营成本 + 合理利润（成本 × 合理收益率）+ 税费 − 上年超额收入。"
    "内容哈希为报告规范内容的 SHA-256。"
)
PRODUCT_HEADINGS = ("产品", "现行价格", "上限收费标准", "销量", "本年收入", "归属成本")


@dataclass(frozen=True)
class ReportDoc:
    """The report's figures, its content hash, status and the fixed date every export carries."""

    figures: ReportFigures
    content_hash: str
    status: str
    made_at: datetime

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def title(self) -> str:
        return f"{self.figures.year} 年度合理收益报告"

    def filename(self, fmt: str) -> str:
        """return-report-YYYY-<operator USCC>.<fmt>."""
        return f"return-report-{self.figures.year}-{self.figures.operator_uscc}.{fmt}"

    def heading(self) -> list[tuple[str, str]]:
        f = self.figures
        return [
            ("运营单位", f.operator_name),
            ("统一社会信用代码", f.operator_uscc),
            ("授权主体", f.authority_name),
            ("授权运营协议", f.agreement_code),
            ("年度", str(f.year)),
            ("合理收益率", f"{f.rate_bps / 100:.2f}%"),
            ("状态", self.status_label),
            ("内容哈希 (SHA-256)", self.content_hash),
        ]

    def summary(self) -> list[tuple[str, int]]:
        """(label, fen) rows: cost by category, then the allowed-revenue sum and the comparison."""
        f = self.figures
        rows = [(f"成本：{CATEGORY_LABELS[c]}", f.costs.get(c.value, 0)) for c in COST_CATEGORIES]
        rows += [
            ("运营成本合计", f.cost_fen),
            ("合理利润", f.profit_fen),
            ("税费", f.taxes_fen),
            ("减：上年超额收入", -f.carried_in_fen),
            ("允许收入", f.allowed_fen),
            ("实际收入", f.actual_fen),
            ("剩余空间", f.headroom_fen),
            ("超额收入（结转下年）", f.excess_fen),
        ]
        if f.forecast_fen is not None:
            label = f"全年预测（已结算 {f.months_operated} 个月，其余 {f.months_remaining} 个月按月均推算）"
            rows.append((label, f.forecast_fen))
        return rows

    def product_rows(self) -> list[tuple]:
        """(title, prices, caps, units, revenue fen, attributed cost fen) per product."""

        def forms(pairs):
            return "；".join(f"{CHARGE_FORM_LABELS[ChargeForm(form)]} {text}".strip() for form, text in pairs)

        return [
            (p.title, forms(p.prices), forms(p.caps), p.units, p.revenue_fen, p.attributed_cost_fen)
            for p in self.figures.products
        ]
