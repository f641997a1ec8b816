"""Each trigger writes exactly one notification per person of the right organization, with the right link."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import update

from marketplace.billing.notices import notify_overdue_bills
from marketplace.billing.run import bill_usage
from marketplace.clock import today as exchange_today
from marketplace.demand import applications as apps
from marketplace.demand import quotes
from marketplace.gateway.notices import notify_quota_thresholds
from marketplace.models import CapPrice, Organization, OrgKind, Role
from marketplace.models.metering import QuotaCounter
from marketplace.models.notifications import Notification
from marketplace.notifications import Notice, notify
from marketplace.notifications.inbox import save_preferences
from marketplace.notifications.notify import _insert_new
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.listing import submit_revision
from marketplace.supply.notices import notify_agreements_ending
from marketplace.supply.review import approve_revision, reject_revision
from tests.billing.conftest import ACTOR, PERIOD, TODAY, add_events
from tests.factories import make_agreement, make_org, make_product, make_user
from tests.notifications.conftest import actor_of, notes, params, summary
from tests.supply.conftest import TODAY as SUPPLY_TODAY


def test_offer_received_tells_every_person_of_the_buyer_only(session):
    operator = make_org(session, OrgKind.OPERATOR)
    product = make_product(session, agreement=make_agreement(session, operator=operator),
                           plans=({"form": "negotiated"},))
    session.add(CapPrice(product_id=product.id, charge_form="one_off", cap_fen=Decimal(5_000_000)))
    seller, buyer = make_user(session, Role.OPERATOR, org=operator), make_user(session, Role.BUYER)
    colleague = make_user(session, Role.BUYER, org=session.get(type(operator), buyer.org_id))
    make_user(session, Role.BUYER)  # another company: told nothing
    quote = quotes.request_quote(session, actor=actor_of(buyer), slug=product.slug, volume="10 万条", period="1 年",
                                 use_type="industry", message="用于授信")
    quotes.make_offer(session, actor=actor_of(seller), quote_id=quote.id, price_fen=3_000_000,
                      terms={"form": "one_off", "price_fen": 3_000_000}, valid_until=date.today() + timedelta(days=30))
    session.commit()
    assert summary(session) == [(buyer.id, "offer_received", "quote", str(quote.id)),
                                (colleague.id, "offer_received", "quote", str(quote.id))]
    n = notes(session)[0]
    assert n.category == "demand" and n.read_at is None and n.email_state == "pending"
    assert params(n) == {"quote": quote.id, "product": product.title, "price": "¥30,000.00",
                         "valid_until": (date.today() + timedelta(days=30)).isoformat()}


def test_application_decided_approved_and_declined(session):
    operator = make_org(session, OrgKind.OPERATOR)
    agreement = make_agreement(session, operator=operator)
    first = make_product(session, agreement=agreement, openness="conditional")
    second = make_product(session, agreement=agreement, openness="conditional")
    seller, buyer = make_user(session, Role.OPERATOR, org=operator), make_user(session, Role.BUYER)
    made = [apps.apply_for_access(session, actor=actor_of(buyer), slug=p.slug, use_type="industry",
                                  purpose="风险评估", scenario="授信") for p in (first, second)]
    session.commit()
    assert notes(session) == []  # applying tells the buyer nothing
    apps.decide_application(session, actor=actor_of(seller), application_id=made[0].id, approve=True)
    apps.decide_application(session, actor=actor_of(seller), application_id=made[1].id, approve=False,
                            reason="用途与开放条件不符")
    session.commit()
    assert summary(session) == [(buyer.id, "application_approved", "application", str(made[0].id)),
                                (buyer.id, "application_declined", "application", str(made[1].id))]
    assert params(notes(session)[1])["reason"] == "用途与开放条件不符"


def test_listing_approved_and_rejected_tell_the_lister(world):
    s = world.session
    product = world.create()
    world.cap(product)
    revision = submit_revision(s, actor=world.actor(world.op_user), product_id=product.id)
    reject_revision(s, actor=world.actor(world.reviewer), revision_id=revision.id, reason="样例数据未脱敏")
    s.commit()
    revision = submit_revision(s, actor=world.actor(world.op_user), product_id=product.id)
    approve_revision(s, actor=world.actor(world.reviewer), revision_id=revision.id)
    s.commit()
    listing = [n for n in notes(s) if n.category == "listing"]
    assert [(n.user_id, n.kind, n.subject_type, n.subject_id) for n in listing] == [
        (world.op_user.id, "listing_rejected", "product", str(product.id)),
        (world.op_user.id, "listing_approved", "product", str(product.id))]
    assert params(listing[0]) == {"product": product.title, "revision": 1, "reason": "样例数据未脱敏"}
    assert params(listing[1]) == {"product": product.title, "revision": 2}


def test_cap_change_counts_the_plans_it_puts_above_the_cap(world):
    s = world.session
    product = world.listed()  # one per-call plan at ¥0.50, capped at ¥0.50
    before = len(notes(s, kind="cap_changed"))
    set_cap(s, actor=world.actor(world.auth_user), product_id=product.id, charge_form="per_call_flat",
            cap_fen=Decimal("40"), authority_id=world.authority.id)
    set_cap(s, actor=world.actor(world.auth_user), product_id=product.id, charge_form="per_call_flat",
            cap_fen=Decimal("80"), authority_id=world.authority.id, effective_on=SUPPLY_TODAY + timedelta(days=3))
    s.commit()
    above = notes(s, kind="cap_above_plans")
    assert [(n.user_id, n.subject_type, n.subject_id) for n in above] == [
        (world.op_user.id, "product", str(product.id))]
    assert params(above[0]) == {"product": product.title, "form_label": "按次计费", "cap": "¥0.40",
                                "effective_on": exchange_today().isoformat(), "plans": 1}
    changed = notes(s, kind="cap_changed")[before:]
    assert [n.user_id for n in changed] == [world.op_user.id]
    assert params(changed[0])["effective_on"] == (SUPPLY_TODAY + timedelta(days=3)).isoformat()  # as asked


def test_agreement_ending_told_at_60_30_and_7_days_each_once(world):
    s = world.session
    end = SUPPLY_TODAY + timedelta(days=100)
    agreement = world.grant(end=end)
    people = {world.op_user.id, world.auth_user.id}

    def scan(days_before_end: int) -> list[tuple]:
        notify_agreements_ending(s, today=end - timedelta(days=days_before_end))
        s.commit()
        return [(n.user_id, params(n)["days"]) for n in notes(s, kind="agreement_ending", subject_id=str(agreement.id))]

    assert scan(61) == []
    assert {u for u, d in scan(59)} == people and len(scan(59)) == 2  # 60-day notice, once however often it runs
    assert len(scan(45)) == 2
    told = scan(25)  # the 30-day notice
    assert len(told) == 4 and sorted(d for _, d in told) == [25, 25, 59, 59]
    assert len(scan(8)) == 4
    assert len(scan(7)) == 6 and len(scan(1)) == 6
    n = notes(s, kind="agreement_ending")[0]
    assert n.subject_type == "agreement" and n.category == "agreement"


def test_agreement_renewed_later_gets_its_own_notices(world):
    s = world.session
    agreement = world.grant(end=SUPPLY_TODAY + timedelta(days=20))
    notify_agreements_ending(s, today=SUPPLY_TODAY)
    s.commit()
    assert len(notes(s, kind="agreement_ending")) == 2
    agreement.end_date = SUPPLY_TODAY + timedelta(days=50)
    s.commit()
    notify_agreements_ending(s, today=SUPPLY_TODAY)
    s.commit()
    assert [params(n)["end"] for n in notes(s, kind="agreement_ending")][-2:] == [agreement.end_date.isoformat()] * 2


def _set_used(session, ent, used: int) -> None:
    session.execute(update(QuotaCounter).where(QuotaCounter.entitlement_id == ent.id).values(used=used))
    session.commit()


def test_quota_thresholds_once_each(session, make_api):
    api = make_api(calls=10)
    buyer = make_user(session, Role.BUYER, org=api.buyer)
    _set_used(session, api.ent, 7)
    assert notify_quota_thresholds(session) == 0
    _set_used(session, api.ent, 8)
    assert notify_quota_thresholds(session) == 1
    session.commit()
    assert notify_quota_thresholds(session) == 0  # once per threshold
    _set_used(session, api.ent, 10)
    assert notify_quota_thresholds(session) == 1
    session.commit()
    assert notify_quota_thresholds(session) == 0
    assert summary(session) == [(buyer.id, "quota_80", "entitlement", str(api.ent.id)),
                                (buyer.id, "quota_100", "entitlement", str(api.ent.id))]
    assert params(notes(session)[0]) == {"product": api.product.title, "used": 8, "quota": 10, "remaining": 2}


def test_prepaid_package_running_out(session, make_api):
    api = make_api(plans=({"form": "prepaid_calls", "price_fen": 10000, "package_calls": 100},))
    buyer = make_user(session, Role.BUYER, org=api.buyer)
    _set_used(session, api.ent, 95)
    notify_quota_thresholds(session)
    session.commit()
    assert summary(session) == [(buyer.id, "prepaid_low", "entitlement", str(api.ent.id))]
    assert params(notes(session)[0])["remaining"] == 5
    _set_used(session, api.ent, 100)
    notify_quota_thresholds(session)
    session.commit()
    assert [k for _, k, _, _ in summary(session)] == ["prepaid_low", "prepaid_out"]


def test_unlimited_plans_are_never_told(session, make_api):
    api = make_api()  # per call, no quota
    make_user(session, Role.BUYER, org=api.buyer)
    session.add(QuotaCounter(entitlement_id=api.ent.id, used=10**6)) if session.get(QuotaCounter, api.ent.id) is None \
        else _set_used(session, api.ent, 10**6)
    session.commit()
    assert notify_quota_thresholds(session) == 0


def test_bill_issued_then_overdue_once(session, make_api):
    api = make_api(plans=({"form": "per_call_flat", "unit_price_fen": "50"},))
    buyer = make_user(session, Role.BUYER, org=api.buyer)
    add_events(session, api.ent, ["2026-10-03", "2026-10-04"])
    bills = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    session.commit()
    assert len(bills) == 1
    bill = bills[0]
    assert summary(session) == [(buyer.id, "bill_issued", "bill", bill.number)]
    assert params(notes(session)[0]) == {"number": bill.number, "amount": "¥1.00", "due": bill.due_date.isoformat()}
    assert notify_overdue_bills(session, today=bill.due_date) == 0  # due today is not overdue yet
    assert notify_overdue_bills(session, today=bill.due_date + timedelta(days=1)) == 1
    session.commit()
    assert notify_overdue_bills(session, today=bill.due_date + timedelta(days=9)) == 0
    assert [k for _, k, _, _ in summary(session)] == ["bill_issued", "bill_overdue"]


def test_a_key_written_by_a_concurrent_scan_is_skipped_not_an_error(session):
    buyer = make_user(session, Role.BUYER)
    notice = Notice("quota_80", (buyer.org_id,), {"product": "P", "used": 8, "quota": 10, "remaining": 2},
                    subject_type="entitlement", subject_id=1, dedupe_key="quota:1:80")
    assert notify(session, notice) == 1
    session.commit()
    row = dict(user_id=buyer.id, category="usage", kind="quota_80", params="{}", subject_type="", subject_id="",
               dedupe_key="quota:1:80", created_at=notes(session)[0].created_at, read_at=None, email_state="pending",
               emailed_at=None)
    assert session.execute(_insert_new(session).returning(Notification.id), [row]).scalars().all() == []
    session.commit()
    assert len(notes(session)) == 1


def test_a_broker_listing_tells_the_broker_and_the_operator(world):
    s = world.session
    world.qualify()
    world.mandate()
    product = world.create(by=world.broker_user, broker=world.broker)
    world.cap(product)
    revision = submit_revision(s, actor=world.actor(world.broker_user), product_id=product.id)
    approve_revision(s, actor=world.actor(world.reviewer), revision_id=revision.id)
    s.commit()
    assert sorted(n.user_id for n in notes(s, kind="listing_approved")) == sorted(
        [world.op_user.id, world.broker_user.id])


def test_a_muted_person_gets_nothing_while_a_colleague_is_told(session):
    buyer = make_user(session, Role.BUYER)
    colleague = make_user(session, Role.BUYER, org=session.get(Organization, buyer.org_id))
    save_preferences(session, actor=actor_of(buyer), muted={"billing"}, email_locale="en")
    session.commit()
    notice = Notice("bill_overdue", (buyer.org_id,), {"number": "ZD1", "amount": "¥1.00", "due": "2026-11-16"},
                    subject_type="bill", subject_id="ZD1", dedupe_key="bill_overdue:1")
    assert notify(session, notice) == 1
    session.commit()
    assert summary(session) == [(colleague.id, "bill_overdue", "bill", "ZD1")]
    assert notify(session, notice) == 0  # told once, even though the muted person has no row
