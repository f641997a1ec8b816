"""Every listing of the two shared CSV files renders as a product page with its title (and is searchable)."""

import html as htmllib
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bench.listings import CSV_FILES, DATA_DIR, plan_of, product_fields, read_listings
from marketplace.catalog.search import index_product
from marketplace.models import CapPrice, PricePlan, Product, ProductStatus
from marketplace.models.base import utcnow
from pricing import ChargeForm, PlanTerms, highest_unit_price
from tests.factories import make_agreement

pytestmark = pytest.mark.timeout(600)


def _insert_rows(session, rows):
    agreement = make_agreement(session, domains=tuple(sorted({product_fields(r)["domain"] for r in rows})))
    products, seen = [], set()
    for n, row in enumerate(rows):
        fields = product_fields(row)
        if fields["slug"] in seen:
            continue  # the same title and provider twice: one product, like the importer
        seen.add(fields["slug"])
        product = Product(**fields, status=ProductStatus.LISTED, operator_id=agreement.operator_id,
                          agreement_id=agreement.id, registration_code=f"CSV-{n}", listed_at=utcnow())
        session.add(product)
        session.flush()
        terms = PlanTerms.from_dict(plan_of(row))
        session.add(PricePlan(product_id=product.id, name="标准方案", charge_form=terms.form.value,
                              terms=json.dumps(terms.to_dict())))
        if terms.form not in (ChargeForm.FREE_PUBLIC, ChargeForm.NEGOTIATED):  # R3: a charged plan needs its cap
            session.add(CapPrice(product_id=product.id, charge_form=terms.form.value,
                                 cap_fen=highest_unit_price(terms), effective_from=utcnow() - timedelta(days=1)))
        session.flush()
        index_product(session, product)
        products.append(product)
    session.commit()
    return products


def _assert_pages_render(client, products):
    for product in products:
        resp = client.get(f"/products/{product.slug}")
        assert resp.status_code == 200, product.title
        assert htmllib.escape(product.title, quote=False) in resp.get_data(as_text=True), product.title


@pytest.mark.parametrize("name", CSV_FILES)
def test_every_csv_listing_renders(session, client, name):
    products = _insert_rows(session, read_listings((name,)))
    assert len(products) > 600
    _assert_pages_render(client, products)
    assert client.get("/api/v1/products?per_page=1").get_json()["total"] == len(products)


def test_csv_listings_imported_by_the_supply_importer_render(session, web):
    importer = pytest.importorskip("marketplace.supply.import_run")
    from marketplace.audit import Actor
    from marketplace.models import Role
    from tests.factories import make_org, make_user

    operator = make_org(session, "operator")
    make_org(session, "authority")
    for name in CSV_FILES:
        importer.import_products(session, actor=Actor.system("test"), path=str(DATA_DIR / name),
                                 operator_code=operator.uscc, approve=True)
    session.commit()  # the import's caller commits (the CLI after each row); the pages read another connection
    products = session.execute(select(Product)).scalars().all()
    assert len(products) > 1200
    # No source listing names its fields: each waits as a draft for its data dictionary, out of the catalog.
    assert {p.status for p in products} == {ProductStatus.DRAFT}
    assert web.get("/api/v1/products?per_page=1").get_json()["total"] == 0
    web.login(make_user(session, Role.OPERATOR, org=operator).email)
    for product in products:
        page = web.get(f"/supply/products/{product.id}")
        assert page.status_code == 200, product.title
        html = page.get_data(as_text=True)
        assert htmllib.escape(product.title, quote=False) in html, product.title
        assert 'id="dictionary-pending"' in html and "数据字典待补充" in html, product.title
    notes = {p.version_notes for p in products}
    assert notes == {"导入自浙江大数据交易中心", "导入自贵阳大数据交易所"}  # where it came from, in Chinese
