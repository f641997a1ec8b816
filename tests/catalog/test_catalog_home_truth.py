"""The home page tells the truth: 热门产品 ranks by the last 30 days' sales and calls; 入驻企业 counts verified ones."""

from datetime import timedelta

from sqlalchemy import select

from marketplace.billing.receipts import seal_day
from marketplace.catalog.popular import REFRESH, activity
from marketplace.catalog.search import index_product
from marketplace.clock import FixedClock, now, today, use_clock
from marketplace.models import Agreement, ApiKey, OrderLine, Product
from marketplace.models.billing import UsageReceipt
from marketplace.models.metering import UsageEvent
from tests.factories import make_org, make_product
from tests.settlement.conftest import Books


def _section(html, key):
    return html.split(f'id="home-{key}"', 1)[1].split("</section>", 1)[0]


def _calls(session, books, n, *, day, billable=True):
    key = ApiKey(
        entitlement_id=books.entitlement.id,
        buyer_org_id=books.buyer.id,
        prefix=f"k{day}{billable}"[:16],
        key_hash=f"h{day}{billable}".ljust(64, "0"),
    )
    session.add(key)
    session.flush()
    for i in range(n):
        session.add(
            UsageEvent(
                request_id=f"r-{day}-{billable}-{i}",
                api_key_id=key.id,
                entitlement_id=books.entitlement.id,
                product_id=books.product.id,
                buyer_org_id=books.buyer.id,
                plan_id=books.plan.id,
                day=day,
                status=200 if billable else 404,
                billable=billable,
            )
        )
    session.commit()


def _sell(session, books, product, *, days_ago, refund=False):
    books.product = product
    order = books.order(10000, paid=(today() - timedelta(days=days_ago)).isoformat())
    if refund:
        books.refund(order, on=today().isoformat())
    return order


def test_popular_ranks_by_last_30_days_sales_and_calls(client, session):
    books = Books(session)  # its product is a data API: 4 billable calls lately, 1 not billable, 9 long ago
    api = books.product
    agreement = session.get(Agreement, api.agreement_id)
    sold = make_product(session, agreement=agreement, title="近期畅销数据包")
    stale = make_product(session, agreement=agreement, title="早年畅销数据包")
    refunded = make_product(session, agreement=agreement, title="已退款数据包")
    newest = [make_product(session, agreement=agreement, title=f"新上架数据包{i}") for i in range(6)]
    for p in [api, sold, stale, refunded, *newest]:
        index_product(session, p)
    session.commit()
    recent = (today() - timedelta(days=2)).isoformat()
    _calls(session, books, 4, day=recent)
    _calls(session, books, 1, day=recent, billable=False)
    _calls(session, books, 9, day=(today() - timedelta(days=45)).isoformat())
    for days_ago in (1, 10):
        _sell(session, books, sold, days_ago=days_ago)
    _sell(session, books, stale, days_ago=40)
    _sell(session, books, refunded, days_ago=3, refund=True)
    lines = session.execute(select(OrderLine.product_id)).scalars().all()
    assert sorted(lines) == sorted([sold.id, sold.id, stale.id, refunded.id])

    assert activity(session) == {api.id: 4, sold.id: 2}
    html = client.get("/").get_data(as_text=True)
    popular, latest = _section(html, "popular"), _section(html, "newest")
    assert popular.index(api.title) < popular.index("近期畅销数据包")
    for absent in ("早年畅销数据包", "已退款数据包", "新上架数据包"):
        assert absent not in popular
    assert "新上架数据包5" in latest and api.title not in latest
    assert "近 30 天" in popular


def test_popular_section_is_hidden_when_nothing_sold(client, session):
    make_product(session, title="无人问津数据包")
    html = client.get("/").get_data(as_text=True)
    assert 'id="home-newest"' in html and 'id="home-popular"' not in html


def test_enterprise_count_counts_verified_organizations_only(client, session):
    for verified in (True, True, False, False, False):
        make_org(session, "enterprise", verified=verified)
    make_org(session, "operator", verified=False)
    make_org(session, "operator")
    html = client.get("/").get_data(as_text=True)
    stats = html.split('class="col-lg-5"', 1)[1]
    assert '<div class="stat-n">2</div><div>入驻企业</div>' in stats
    assert '<div class="stat-n">1</div><div>授权运营单位</div>' in stats


def test_popular_scores_refresh_every_ten_minutes(client, session):
    books = Books(session)
    agreement = session.get(Agreement, books.product.agreement_id)
    first, second = (make_product(session, agreement=agreement, title=t) for t in ("先卖出的数据包", "后卖出的数据包"))
    with use_clock(FixedClock(now())) as clock:
        _sell(session, books, first, days_ago=1)
        assert "先卖出的数据包" in _section(client.get("/").get_data(as_text=True), "popular")
        _sell(session, books, second, days_ago=0)
        stale = _section(client.get("/").get_data(as_text=True), "popular")
        assert "后卖出的数据包" not in stale  # the scores computed a moment ago
        clock.advance(seconds=REFRESH.total_seconds() + 1)
        assert "后卖出的数据包" in _section(client.get("/").get_data(as_text=True), "popular")


def test_sealed_days_are_counted_from_their_receipts_and_the_rest_from_events(session):
    """Ended days count their sealed receipts (events of such days may be archived); days without one count events."""
    books = Books(session)
    sealed = today() - timedelta(days=3)
    _calls(session, books, 5, day=sealed.isoformat())
    assert seal_day(session, day=sealed, today=today()) == 1
    archived = (today() - timedelta(days=5)).isoformat()  # a sealed day whose events are no longer kept
    session.add(UsageReceipt(day=archived, entitlement_id=books.entitlement.id, plan_id=books.plan.id, calls=45,
                             last_event_id=0, sha256="0" * 64))
    session.add(UsageReceipt(day=(today() - timedelta(days=40)).isoformat(), entitlement_id=books.entitlement.id,
                             plan_id=books.plan.id, calls=1000, last_event_id=0, sha256="1" * 64))  # out of the window
    _calls(session, books, 2, day=today().isoformat())  # today is never sealed
    session.commit()
    assert activity(session) == {books.product.id: 5 + 45 + 2}


def test_popular_sort_follows_the_nightly_activity_scores(runner, session):
    """最受欢迎 in the catalog ranks by the home page's scores as the nightly seal-usage stored them."""
    from marketplace.catalog.queries import CatalogQuery, search_catalog

    books = Books(session)
    api = books.product
    agreement = session.get(Agreement, api.agreement_id)
    sold = make_product(session, agreement=agreement, title="近期畅销数据包")
    newer = [make_product(session, agreement=agreement, title=f"新上架数据包{i}") for i in range(3)]
    for p in [api, sold, *newer]:
        index_product(session, p)
    session.commit()
    _calls(session, books, 4, day=(today() - timedelta(days=2)).isoformat())
    for days_ago in (1, 10):
        _sell(session, books, sold, days_ago=days_ago)
    _sell(session, books, newer[0], days_ago=40)  # out of the window: no score

    def popular():
        session.expire_all()
        return [p.id for p in search_catalog(session, CatalogQuery(sort="popular")).items]

    result = runner.invoke(args=["seal-usage"])
    assert result.exit_code == 0, result.output
    assert popular() == [api.id, sold.id, newer[2].id, newer[1].id, newer[0].id]
    assert [session.get(Product, p.id).popularity for p in (api, sold, *newer)] == [4, 2, 0, 0, 0]
    _sell(session, books, newer[1], days_ago=0)
    for _ in range(3):
        _sell(session, books, newer[1], days_ago=0)
    assert popular()[0] == api.id  # a sale counts from the next night on
    assert runner.invoke(args=["seal-usage"]).exit_code == 0
    assert popular()[:3] == [newer[1].id, api.id, sold.id]
    assert runner.invoke(args=["seal-usage"]).exit_code == 0  # rerun: the same scores
    assert [session.get(Product, p.id).popularity for p in (api, sold, *newer)] == [4, 2, 0, 4, 0]
