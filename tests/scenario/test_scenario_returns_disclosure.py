"""From costs and sales to the reasonable-return report and the public disclosure page, every figure by hand."""

from __future__ import annotations

from marketplace.disclosure.publish import publish
from marketplace.returns.report import compute_report
from marketplace.returns.review import accept_report, submit_report
from tests.returns.conftest import TODAY, books  # noqa: F401  (fixture)

# Each sale: ¥106.00 gross, VAT 6% → ¥6.00, net ¥100.00; platform fee 5% → ¥5.00; authority share 0;
# the operator's statement line: 10,600 − 500 = 10,100 fen.
SALE, OPERATOR_SHARE = 10_600, 10_100


def test_costs_and_sales_to_report_review_and_disclosure(session, books, web):  # noqa: F811
    books.cost(600_000, category="labour")  # ¥6,000.00 labour
    books.cost(150_000, category="security", product=books.product)  # ¥1,500.00 security, this product's
    books.cost(30_000, category="taxes")  # ¥300.00 taxes: no allowed profit on them
    for paid in ("2026-02-10", "2026-04-10", "2026-04-20"):
        books.order(SALE, paid=paid)
    books.settle("2026-02", "2026-04")

    report = compute_report(session, operator_id=books.operator.id, year=2026, on=TODAY)
    assert report.cost_fen == 750_000  # 600,000 + 150,000
    assert report.profit_fen == 60_000  # 750,000 × 8 %
    assert report.allowed_fen == 840_000  # 750,000 + 60,000 + 30,000 taxes − 0 carried
    assert report.actual_fen == 30_300  # 3 × 10,100
    assert report.headroom_fen == 809_700 and report.excess_fen == 0  # 840,000 − 30,300
    # months confirmed: February and April → the latest confirmed month is April (4 months covered);
    # forecast = 30,300 + 30,300 / 4 × 8 remaining months = 30,300 + 60,600 = 90,900
    assert report.months_covered == 4 and report.forecast_fen == 90_900 and not report.forecast_passes
    row = next(p for p in report.products if p.product_id == books.product.id)
    assert (row.units, row.revenue_fen) == (3, 30_300)

    submitted = submit_report(session, actor=books.actor, operator_id=books.operator.id, year=2026, today=TODAY)
    accepted = accept_report(session, actor=books.auth_actor, report_id=submitted.id,
                             authority_id=books.authority.id)
    session.commit()
    assert accepted.status == "accepted" and len(accepted.content_hash) == 64

    publish(session, actor=books.actor, operator_id=books.operator.id, year=2026)
    session.commit()
    page = web.get(f"/disclosure/2026/{books.operator.uscc}").get_data(as_text=True)  # no login
    assert books.operator.name in page and books.operator.uscc in page
    assert books.product.title in page
    assert "¥0.05" in page  # the plan: 5 fen per call, and its cap in force at the same price
    assert "/disclosure" in web.get("/disclosure").get_data(as_text=True) and books.operator.name in \
        web.get("/disclosure").get_data(as_text=True)
