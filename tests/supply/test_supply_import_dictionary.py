"""An imported listing without a data dictionary (数据字典待补充) stays out of review until it is filled in: the
submit use case refuses it (every path calls that one rule), the workbench says why, and the importer leaves such
listings as drafts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.models import OrgKind, Product, ProductRevision, ProductStatus, RevisionStatus
from marketplace.supply.errors import ListingRefused
from marketplace.supply.import_run import import_products
from marketplace.supply.listing import submit_revision, update_product
from tests.factories import make_org
from tests.supply.conftest import PLAN, product_data

DATA = Path(os.environ.get("SHARED_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data")
IMPORTED = {"source_key": "zjdex:test-listing", "data_dictionary": [], "sample_rows": []}
FIELDS = [{"name": "uscc", "type": "string", "meaning": "统一社会信用代码", "masked": False}]


def test_submit_refuses_an_imported_listing_until_its_dictionary_is_filled(world):
    product = world.create(**IMPORTED)
    world.cap(product)
    with pytest.raises(ListingRefused) as refused:
        submit_revision(world.session, actor=world.actor(world.op_user), product_id=product.id)
    assert refused.value.field == "data_dictionary"
    assert refused.value.text.startswith("数据字典待补充：导入的挂牌须先填写数据字典")
    world.session.rollback()
    revision = world.session.execute(select(ProductRevision).where(ProductRevision.product_id == product.id)) \
        .scalar_one()
    assert (world.session.get(Product, product.id).status, revision.status) == (ProductStatus.DRAFT,
                                                                                 RevisionStatus.DRAFT)
    update_product(world.session, actor=world.actor(world.op_user), product_id=product.id,
                   data=product_data(**{**IMPORTED, "data_dictionary": FIELDS, "sample_rows": [{"uscc": "9135****"}]}),
                   plans=[PLAN])
    submitted = submit_revision(world.session, actor=world.actor(world.op_user), product_id=product.id)
    assert submitted.status == RevisionStatus.SUBMITTED
    assert world.session.get(Product, product.id).status == ProductStatus.IN_REVIEW


def test_a_listing_typed_in_needs_no_import_rule(world):
    product = world.create(data_dictionary=[], sample_rows=[])  # not imported: the rule does not apply
    world.cap(product)
    revision = submit_revision(world.session, actor=world.actor(world.op_user), product_id=product.id)
    assert revision.status == RevisionStatus.SUBMITTED and "dictionary" not in revision.checks


@pytest.mark.parametrize("lang, expected", [
    ("zh_Hans", "未能提交审核：数据字典待补充：导入的挂牌须先填写数据字典（字段名、类型和含义），才能提交审核"),
    ("en", "Could not submit for review: Data dictionary pending: an imported listing needs its data dictionary"),
])
def test_the_workbench_says_why_an_imported_listing_cannot_be_submitted(world, web, lang, expected):
    product = world.create(**IMPORTED)
    world.cap(product)
    world.session.commit()
    web.login(world.op_user.email)
    web.get(f"/lang/{lang}")
    page = web.post(f"/supply/products/{product.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert expected in page.replace("&#34;", '"')
    assert world.session.get(Product, product.id).status == ProductStatus.DRAFT


def test_the_importer_leaves_listings_without_a_dictionary_as_drafts(session, runner, tmp_path):
    make_org(session, OrgKind.AUTHORITY)
    operator = make_org(session, OrgKind.OPERATOR)
    csv_file = tmp_path / "few.csv"
    csv_file.write_text("\n".join((DATA / "exchange-listings-guiyang.csv").read_text(encoding="utf-8")
                                  .splitlines()[:6]), encoding="utf-8")
    report = import_products(session, actor=Actor.system("test"), path=str(csv_file), operator_code=operator.uscc,
                             approve=True)
    session.commit()
    assert (report.imported, report.awaiting_definition, report.awaiting_dictionary, report.refused) == (5, 1, 4, [])
    products = session.execute(select(Product)).scalars().all()
    assert [p.status for p in products] == [ProductStatus.DRAFT] * 5
    assert session.execute(select(ProductRevision.id).where(ProductRevision.status == RevisionStatus.SUBMITTED)) \
        .first() is None  # nothing reached the review queue
    assert all(p.source_key for p in products)
