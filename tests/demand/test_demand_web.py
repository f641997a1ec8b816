"""The applications and quotes pages: flows as a user, role checks, cross-tenant 404s."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.demand.applications import decide_application
from marketplace.models import CapPrice, Order, OrgKind, Role
from marketplace.models.demand import AccessApplication, ApplicationStatus, OfferStatus, QuoteOffer, QuoteRequest
from tests.factories import PASSWORD, make_agreement, make_org, make_product, make_user


@pytest.fixture
def shop(session):
    operator = make_org(session, OrgKind.OPERATOR)
    agreement = make_agreement(session, operator=operator)
    cond = make_product(session, agreement=agreement, openness="conditional", title="企业经营异常名录查询")
    nego = make_product(session, agreement=agreement, plans=({"form": "negotiated"},), title="企业信用全量数据包")
    session.add(CapPrice(product_id=nego.id, charge_form="one_off", cap_fen=Decimal(5_000_000)))
    session.commit()
    return {"cond": cond, "nego": nego, "operator": make_user(session, Role.OPERATOR, org=operator),
            "buyer": make_user(session, Role.BUYER)}


def as_user(web, user):
    web.logout()
    web.login(user.email, PASSWORD)


def test_application_decline_then_approve_through_pages(web, session, shop):
    as_user(web, shop["buyer"])
    page = web.get(f"/products/{shop['cond'].slug}/apply")
    assert page.status_code == 200 and "企业经营异常名录查询" in page.get_data(as_text=True)
    bad = web.post(f"/products/{shop['cond'].slug}/apply", {"use_type": "industry", "purpose": "", "scenario": "x"})
    assert bad.status_code == 400 and "请填写用途说明" in bad.get_data(as_text=True)
    ok = web.post(f"/products/{shop['cond'].slug}/apply",
                  {"use_type": "industry", "purpose": "贷前核验", "scenario": "授信系统"})
    assert ok.status_code == 302
    app = session.execute(select(AccessApplication)).scalar_one()
    as_user(web, shop["operator"])
    assert "贷前核验" in web.get("/seller/applications").get_data(as_text=True)
    no_reason = web.post(f"/seller/applications/{app.id}", {"decline": "拒绝", "reason": ""})
    assert no_reason.status_code == 400 and "必须填写原因" in no_reason.get_data(as_text=True)
    web.post(f"/seller/applications/{app.id}", {"decline": "拒绝", "reason": "用途与授权场景不符"})
    session.refresh(app)
    assert app.status == ApplicationStatus.DECLINED
    as_user(web, shop["buyer"])
    assert "用途与授权场景不符" in web.get("/applications").get_data(as_text=True)
    web.post(f"/products/{shop['cond'].slug}/apply", {"use_type": "public", "purpose": "疫情防控", "scenario": "街道"})
    again = session.execute(select(AccessApplication).order_by(AccessApplication.id.desc())).scalars().first()
    as_user(web, shop["operator"])
    web.post(f"/seller/applications/{again.id}", {"approve": "批准", "reason": ""})
    session.refresh(again)
    assert again.status == ApplicationStatus.APPROVED


def test_roles_and_other_tenants(web, session, shop):
    as_user(web, shop["buyer"])
    web.post(f"/products/{shop['cond'].slug}/apply", {"use_type": "industry", "purpose": "贷前核验", "scenario": "x"})
    app = session.execute(select(AccessApplication)).scalar_one()
    assert web.get("/seller/applications").status_code == 403
    assert web.get("/seller/quotes").status_code == 403
    as_user(web, make_user(session, Role.OPERATOR))
    assert web.get(f"/seller/applications/{app.id}").status_code == 404
    assert web.post(f"/seller/applications/{app.id}", {"approve": "批准"}).status_code == 404
    assert web.get(f"/products/{shop['cond'].slug}/apply").status_code == 403
    assert "贷前核验" not in web.get("/seller/applications").get_data(as_text=True)
    as_user(web, make_user(session, Role.BROKER))
    assert web.get("/seller/applications").status_code == 403
    session.refresh(app)
    assert app.status == ApplicationStatus.PENDING
    web.logout()
    assert web.get("/quotes").status_code == 302  # to the login page


def _ask(web, shop):
    resp = web.post(f"/products/{shop['nego'].slug}/quote",
                    {"volume": "全量", "period": "12 个月", "use_type": "industry", "message": "需要全部字段"})
    assert resp.status_code == 302
    return resp.headers["Location"]


def _offer(web, url, price):
    until = (date.today() + timedelta(days=10)).isoformat()
    return web.post(f"{url}/offers", {"charge_form": "one_off", "price": price, "valid_until": until,
                                      "note": "含一年更新"})


def test_quote_offer_accept_makes_an_order_at_the_offer_price(web, session, shop):
    as_user(web, shop["buyer"])
    url = _ask(web, shop)
    as_user(web, shop["operator"])
    assert "企业信用全量数据包" in web.get("/seller/quotes").get_data(as_text=True)
    over = _offer(web, url, "50000.01")
    assert over.status_code == 400 and "¥50,000.00" in over.get_data(as_text=True)
    assert _offer(web, url, "abc").status_code == 400
    assert session.execute(select(QuoteOffer)).first() is None
    assert _offer(web, url, "32000").status_code == 302
    web.post(f"{url}/messages", {"body": "已报价，请查收"})
    offer = session.execute(select(QuoteOffer)).scalar_one()
    stranger = make_user(session, Role.BUYER)
    as_user(web, stranger)
    assert web.get(url).status_code == 404
    assert web.post(f"/quotes/offers/{offer.id}/accept",
                    {"invoice_title": "X", "invoice_kind": "normal", "purpose": "测试用途"}).status_code == 404
    as_user(web, shop["buyer"])
    page = web.get(url).get_data(as_text=True)
    assert "¥32,000.00" in page and "已报价，请查收" in page
    resp = web.post(f"/quotes/offers/{offer.id}/accept",
                    {"invoice_title": "测试企业", "invoice_kind": "normal", "purpose": "用于企业授信风控"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    session.refresh(offer)
    order = session.get(Order, offer.order_id)
    assert offer.status == OfferStatus.ACCEPTED and order.total_fen == 3_200_000
    assert order.buyer_org_id == shop["buyer"].org_id and order.quote_offer_id == offer.id
    assert session.get(QuoteRequest, offer.quote_id).status == "accepted"
    again = web.post(f"/quotes/offers/{offer.id}/accept",
                     {"invoice_title": "测试企业", "invoice_kind": "normal", "purpose": "用于企业授信风控"})
    assert again.status_code == 400 and len(session.execute(select(Order)).all()) == 1


def test_expired_offer_page_and_accept(web, session, shop):
    as_user(web, shop["buyer"])
    url = _ask(web, shop)
    as_user(web, shop["operator"])
    _offer(web, url, "100")
    offer = session.execute(select(QuoteOffer)).scalar_one()
    offer.valid_until = date.today() - timedelta(days=3)
    session.add(offer)
    session.commit()
    as_user(web, shop["buyer"])
    assert "已过期" in web.get(url).get_data(as_text=True)
    resp = web.post(f"/quotes/offers/{offer.id}/accept",
                    {"invoice_title": "测试企业", "invoice_kind": "normal", "purpose": "用于企业授信风控"})
    assert resp.status_code == 400 and "过期" in resp.get_data(as_text=True)
    assert session.execute(select(Order)).first() is None


def test_forms_without_csrf_are_refused(web, session, shop):
    as_user(web, shop["buyer"])
    resp = web.post(f"/products/{shop['nego'].slug}/quote", {"message": "x", "use_type": "industry"}, csrf=False)
    assert resp.status_code == 400 and session.execute(select(QuoteRequest)).first() is None


def test_product_page_tells_the_buyer_where_its_application_stands(web, session, shop):
    """Conditional product: apply first; while pending it says so; declined: apply again; approved: no apply button."""
    operator = Actor(user_id=shop["operator"].id, label=shop["operator"].email, org_id=shop["operator"].org_id)
    url = f"/products/{shop['cond'].slug}"
    apply_url = f"/products/{shop['cond'].slug}/apply"
    as_user(web, shop["buyer"])

    def state():
        html = web.get(url).get_data(as_text=True)
        return html.split('id="access-state">', 1)[1].split("</div>", 1)[0], apply_url in html

    text, button = state()
    assert "需先提交使用申请" in text and button
    web.post(apply_url, {"use_type": "industry", "purpose": "贷前核验", "scenario": "授信系统"})
    text, button = state()
    assert "正在审核" in text and not button
    first = session.execute(select(AccessApplication)).scalar_one()
    decide_application(session, actor=operator, application_id=first.id, approve=False, reason="用途不符")
    session.commit()
    text, button = state()
    assert "未通过" in text and button
    web.post(apply_url, {"use_type": "industry", "purpose": "贷前核验（补充材料）", "scenario": "授信系统"})
    again = session.execute(select(AccessApplication).order_by(AccessApplication.id.desc())).scalars().first()
    decide_application(session, actor=operator, application_id=again.id, approve=True)
    session.commit()
    text, button = state()
    assert "已通过" in text and not button
