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


def test_csv_listings_imported_by_the_supply_importer_render(session, client):
    importer = pytest.importorskip("marketplace.supply.import_run")
    from marketplace.audit import Actor
    from tests.factories import make_org

    operator = make_org(session, "operator")
    make_org(session, "authority")
    for name in CSV_FILES:
        importer.import_products(session, actor=Actor.system("test"), path=str(DATA_DIR / name),
                                 operator_code=operator.uscc, approve=True)
    session.commit()  # the import's caller commits (the CLI after each row); the pages read another connection
    products = session.execute(select(Product).where(Product.status == ProductStatus.LISTED)).scalars().all()
    assert len(products) > 1200
    _assert_pages_render(client, products)
    assert client.get("/api/v1/products?q=气象&per_page=1").get_json()["total"] > 0
    page = client.get(f"/products/{products[0].slug}").get_data(as_text=True)
    assert "导入自浙江大数据交易中心" in page or "导入自贵阳大数据交易所" in page  # where it came from, in Chinese
    assert 'id="dictionary-pending"' in page and "数据字典待补充" in page  # no placeholder dictionary
