"""Import of both shared CSV files on both backends: counts, idempotence, images neutralized."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.audit import Actor
from marketplace.models import Agreement, OrgKind, PricePlan, Product, ProductStatus, ProductType, Role
from marketplace.supply.deliverability import FILE_TYPES, is_deliverable
from marketplace.supply.import_run import import_products
from marketplace.supply.importer import clean_description, registration_code, row_plan
from tests.factories import make_org, make_user

DATA = Path(os.environ.get("SHARED_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data")
# file → (imported, duplicates skipped, per-call listings kept as API drafts awaiting their data API)
FILES = {"exchange-listings-guiyang.csv": (649, 20, 50), "exchange-listings-zhejiang.csv": (837, 1, 96)}


@pytest.mark.parametrize("name", sorted(FILES))
def test_import_shared_csv_is_complete_and_idempotent(session, name):
    make_org(session, OrgKind.AUTHORITY)
    operator = make_org(session, OrgKind.OPERATOR)
    imported, dupes, awaiting = FILES[name]
    report = import_products(session, actor=Actor.system("test"), path=str(DATA / name),
                             operator_code=operator.uscc, approve=True)
    assert (report.imported, report.skipped, report.refused, report.awaiting_definition,
            report.awaiting_dictionary) == (imported, dupes, [], awaiting, imported - awaiting)
    products = session.execute(select(Product)).scalars().all()
    # The source exchanges list no fields: every listing is a draft until its data dictionary is filled in.
    assert {p.status for p in products} == {ProductStatus.DRAFT} and len(products) == imported
    per_call_drafts = [p for p in products if not p.offline_delivery]
    offline = [p for p in products if p.offline_delivery]
    assert (len(offline), len(per_call_drafts)) == (imported - awaiting, awaiting)
    assert all(is_deliverable(session, p) for p in offline)  # imports carry no files: declared offline
    assert {p.type for p in per_call_drafts} <= {ProductType.API, ProductType.MODEL}  # never a file product
    per_call = set(session.execute(select(PricePlan.product_id).where(PricePlan.charge_form == "per_call_flat"))
                   .scalars())
    assert not any(p.type in FILE_TYPES for p in products if p.id in per_call)
    assert session.execute(select(func.count()).select_from(Agreement)).scalar_one() == 1
    again = import_products(session, actor=Actor.system("test"), path=str(DATA / name),
                            operator_code=operator.uscc, approve=True)
    assert (again.imported, again.skipped) == (0, imported + dupes)
    texts = session.execute(select(Product.description_md)).scalars().all()
    assert not any("![" in t or "ditmupload" in t for t in texts)


def test_import_cli_keeps_listings_without_a_dictionary_as_drafts(runner, session, tmp_path):
    make_org(session, OrgKind.AUTHORITY)
    operator = make_org(session, OrgKind.OPERATOR)
    csv_file = tmp_path / "few.csv"
    lines = (DATA / "exchange-listings-guiyang.csv").read_text(encoding="utf-8").splitlines()[:6]
    csv_file.write_text("\n".join(lines + ["坏行,描述,abc,示例,https://x.cn/detail/9,金融业,x,0,0,0,daily,usage-based"
                                           ",CN,RMB,Guiyang Global Big Data Exchange,"]), encoding="utf-8")
    result = runner.invoke(args=["import-products", str(csv_file), "--operator-code", operator.uscc])
    assert result.exit_code == 0, result.output
    assert "imported 5 products" in result.output and "refused 1" in result.output
    assert "1 per-call listings kept as API drafts" in result.output
    assert "4 kept as drafts until their data dictionary is filled in" in result.output
    assert "价格格式不正确" in result.output
    statuses = sorted(session.execute(select(Product.status)).scalars())
    assert statuses == [ProductStatus.DRAFT] * 5  # the per-call row waits for its API, the rest for a dictionary
    bad = runner.invoke(args=["import-products", str(csv_file), "--operator-code", "91350100MA00000000"])
    assert bad.exit_code != 0 and "找不到" in bad.output


def test_row_helpers():
    assert registration_code({"url": "https://www.gzdex.com.cn/market/detail/1427"}) == "GZDEX-1427"
    assert registration_code({"url": "https://ditm.zjdex.com/x?id=145&productType=2"}) == "ZJDEX-145"
    assert registration_code({"url": "", "platform": "Some Exchange", "title": "t"}).startswith("SE-H")
    assert row_plan({"price_mode": "usage-based", "price": "0.004"}) == {
        "name": "按次调用", "form": "per_call_flat", "unit_price_fen": "0.4"}
    assert row_plan({"price_mode": "one-off", "price": "754300.0000000001"})["price_fen"] == 75430000
    assert clean_description("a![图片](https://x.cn/a-\nb.png)b<img src='http://y/z.jpg'>c") == "abc"


def test_enforce_terms_cli(runner, session):
    make_user(session, Role.ADMIN)
    result = runner.invoke(args=["enforce-terms"])
    assert result.exit_code == 0 and "expired 0 agreements" in result.output
