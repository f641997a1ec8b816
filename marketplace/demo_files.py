"""What the demo catalog delivers: a real file for every file product, a data API for every API or model,
offline (contract) delivery for services. Called for each demo product before it is submitted for review."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.gateway.datasets import Definition, Table, define_dataset
from marketplace.gateway.masking import FieldRule
from marketplace.models import Product, ProductType
from marketplace.orders.delivery import upload_deliverable

SURNAMES = "王李张刘陈杨黄赵吴周林郑"
OFFLINE_MODE = "线下/合同交付：签订服务合同后由运营单位开通并交付"


def _rows(product: Product, n: int = 40) -> list[dict]:
    """Rows with the demo dictionary's columns (id, name, value), different per product."""
    rng = random.Random(product.id)
    return [
        {
            "id": f"{product.id:03d}{k:04d}",
            "name": rng.choice(SURNAMES) + "某" + rng.choice("甲乙丙丁"),
            "value": f"{rng.uniform(10, 999):.2f}",
        }
        for k in range(1, n + 1)
    ]


def _csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _report(product: Product, rows: list[dict]) -> bytes:
    values = [float(r["value"]) for r in rows]
    text = (
        f"# {product.title}\n\n> 示例报告：由授权运营的公共数据加工形成，原始数据未出域。\n\n"
        f"## 摘要\n{product.summary or product.title}\n\n## 主要指标\n"
        f"- 样本数：{len(rows)}\n- 指标均值：{sum(values) / len(values):.2f}\n"
        f"- 最高值：{max(values):.2f}，最低值：{min(values):.2f}\n\n"
        f"## 数据来源\n{product.region or '全国'}公共数据\n"
    )
    return text.encode("utf-8")


def prepare_delivery(session: Session, *, actor: Actor, product: Product, storage_dir: Path) -> None:
    """Make a demo product deliverable the way its type is delivered (offline products need nothing)."""
    if product.offline_delivery:
        return
    rows = _rows(product)
    if product.type in (ProductType.PACKAGE, ProductType.REPORT):
        is_report = product.type == ProductType.REPORT
        upload_deliverable(
            session,
            actor=actor,
            operator_org_id=product.operator_id,
            product_id=product.id,
            filename=f"{product.slug}.{'md' if is_report else 'csv'}",
            content=_report(product, rows) if is_report else _csv(rows),
            storage_dir=storage_dir,
        )
        return
    definition = Definition(
        key_fields=("id",), rules=(FieldRule("id"), FieldRule("name", "keep", first=1), FieldRule("value"))
    )
    define_dataset(
        session,
        actor=actor,
        product=product,
        table=Table(("id", "name", "value"), rows),
        definition=definition,
        source_name=f"demo-{product.slug}.csv",
    )
