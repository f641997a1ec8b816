"""The demo: last year's disclosure of the central operator lists every listed product with price and cap."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.clock import today
from marketplace.demo import load_demo
from marketplace.disclosure import publish as pub
from marketplace.disclosure.deadline import Standing, deadline_view
from marketplace.disclosure.publish import versions
from marketplace.models import Organization, OrgKind, Product, ProductStatus
from marketplace.supply.on_sale import active_plans


def test_demo_disclosure_page_lists_every_listed_product_and_the_deadline_view(web, session):
    orgs = load_demo(session)
    session.commit()
    year = today().year - 1
    central = orgs["op_central"]
    html = web.get(f"/disclosure/{year}/{central.uscc}").get_data(as_text=True)
    products = session.execute(select(Product).where(Product.operator_id == central.id)).scalars().all()
    listed = [p for p in products if p.status == ProductStatus.LISTED]
    assert len(listed) > 10
    for product in listed:
        assert f'data-slug="{product.slug}"' in html, product.slug
        assert html.count(f'data-slug="{product.slug}"') == max(1, len(active_plans(session, product.id)))
    others = session.execute(select(Product).where(Product.status != ProductStatus.LISTED)).scalars().all()
    assert all(f'data-slug="{p.slug}"' not in html for p in others)
    [row] = versions(session, operator_id=central.id, year=year)
    plans = [plan for p in pub.content_of(row)["products"] for plan in p["plans"]]
    assert plans and all(plan["cap"] for plan in plans if plan["price"])  # every priced plan shows its cap
    assert all(plan["price"] in html for plan in plans if plan["price"])
    authority = session.execute(select(Organization).where(Organization.kind == OrgKind.AUTHORITY)).scalars().first()
    standings = {
        s.operator.id: s.standing for s in deadline_view(session, authority_id=authority.id, year=year, today=today())
    }
    assert standings[central.id] in (Standing.PUBLISHED, Standing.LATE)  # late once 31 March has passed
    assert standings[orgs["op_regional"].id] in (Standing.OVERDUE, Standing.DUE)
    assert web.get(f"/disclosure/{year}/{orgs['op_regional'].uscc}").status_code == 404
