"""create-api-product and grant-access: the slug and the key on the last line, and they work together."""

from sqlalchemy import select

from marketplace.models import Agreement, Entitlement, Product
from marketplace.models.metering import QuotaCounter, UsageEvent
from tests.factories import make_org

CSV_TEXT = "code,title,city\nA001,一号线,福州\nA002,二号线,厦门\n"


def _product(runner, session, tmp_path, *extra):
    operator = make_org(session, "operator")
    make_org(session, "authority")
    path = tmp_path / "routes.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    result = runner.invoke(args=["create-api-product", "--operator-code", operator.uscc, "--title", "线路查询",
                                 "--dataset", str(path), "--key", "code", "--registration-code", "FJ-API-2026-0100",
                                 *extra])
    assert result.exit_code == 0, result.output
    return operator, result.output.strip().splitlines()[-1]


def test_cli_product_and_access_answer_calls(gw_app, runner, session, tmp_path, web):
    operator, slug = _product(runner, session, tmp_path, "--price-per-call", "0.05", "--cap-per-call", "0.05",
                              "--approve")
    product = session.execute(select(Product).where(Product.slug == slug)).scalar_one()
    assert product.status == "listed" and product.type == "api" and product.operator_id == operator.id
    agreement = session.get(Agreement, product.agreement_id)
    assert agreement.operator_id == operator.id and agreement.status == "active"
    buyer = make_org(session)
    result = runner.invoke(args=["grant-access", "--buyer-code", buyer.uscc, "--product", slug, "--calls", "2"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    ok = web.get(f"/api/v1/data/{slug}?code=A002", headers=headers)
    assert ok.status_code == 200 and ok.get_json()["data"] == {"code": "A002", "title": "二号线", "city": "厦门"}
    missing = web.get(f"/api/v1/data/{slug}?code=ZZZ", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert web.get(f"/api/v1/data/{slug}?code=A001", headers=headers).status_code == 200
    assert web.get(f"/api/v1/data/{slug}?code=A001", headers=headers).status_code == 429
    ent = session.execute(select(Entitlement).where(Entitlement.buyer_org_id == buyer.id)).scalar_one()
    assert ent.source == "grant" and ent.calls_total == 2 and session.get(QuotaCounter, ent.id).used == 2
    billed = session.execute(select(UsageEvent.billable)).scalars().all()
    assert sorted(billed) == [False, False, True, True]


def test_cli_without_approve_waits_for_review_and_public_use_is_free(gw_app, runner, session, tmp_path):
    _operator, slug = _product(runner, session, tmp_path)
    product = session.execute(select(Product).where(Product.slug == slug)).scalar_one()
    assert product.status == "in_review"
    buyer = make_org(session)
    result = runner.invoke(args=["grant-access", "--buyer-code", buyer.uscc, "--product", slug, "--use", "public"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("pdx_")


def test_cli_errors_are_clear(runner, session, tmp_path):
    result = runner.invoke(args=["grant-access", "--buyer-code", "91350100MA0000001X", "--product", "x"])
    assert result.exit_code != 0 and "不存在" in result.output
    operator = make_org(session, "operator")
    path = tmp_path / "bad.csv"
    path.write_text("code,title\n", encoding="utf-8")
    result = runner.invoke(args=["create-api-product", "--operator-code", operator.uscc, "--title", "t",
                                 "--dataset", str(path), "--key", "code", "--registration-code", "FJ-API-2026-0101"])
    assert result.exit_code != 0 and "没有数据行" in result.output
    path.write_text(CSV_TEXT, encoding="utf-8")
    result = runner.invoke(args=["create-api-product", "--operator-code", operator.uscc, "--title", "t",
                                 "--dataset", str(path), "--key", "nope", "--registration-code", "FJ-API-2026-0101"])
    assert result.exit_code != 0 and "nope" in result.output
    assert session.execute(select(Product)).first() is None
