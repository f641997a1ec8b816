"""Paying a bill by bank transfer (amount must match, serial unique) and overdue bills suspending keys (402)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.billing.overdue import suspend_overdue
from marketplace.billing.payments import record_bill_transfer
from marketplace.billing.run import bill_usage
from marketplace.errors import DomainError
from marketplace.models import AuditRecord, Entitlement, PaymentMethod
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.models.metering import UsageEvent
from tests.billing.conftest import ACTOR, PERIOD, TODAY, add_events, count
from tests.gateway.conftest import USCC_A, auth

FLAT = {"form": "per_call_flat", "unit_price_fen": "50"}
AFTER_DUE = date(2026, 11, 17)  # bills issued on 2026-11-01 are due 2026-11-16


def _billed(session, api, calls: int = 4) -> UsageBill:
    return _billed_api(session, api, calls)[0]


def _billed_api(session, api, calls: int = 4):
    a = api(FLAT)
    add_events(session, a.ent, ["2026-10-08"] * calls)
    [bill] = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    session.commit()
    return bill, a


def _fresh(session, bill) -> UsageBill:
    session.expire_all()
    return session.get(UsageBill, bill.id)


def test_a_bank_transfer_of_the_right_amount_pays_the_bill(session, api):
    bill = _billed(session, api)
    paid = record_bill_transfer(session, bill_id=bill.id, amount_fen=200, serial=" BK20261105001 ", actor=ACTOR)
    session.commit()
    bill = _fresh(session, paid)
    assert (bill.status, bill.payment_method, bill.payment_reference) == (
        BillStatus.PAID, PaymentMethod.BANK_TRANSFER, "BK20261105001")
    assert bill.paid_at is not None
    assert session.execute(select(AuditRecord.action).where(AuditRecord.action == "bill.pay")).scalar() == "bill.pay"
    # the same receipt again (double submit) changes nothing
    audits = count(session, AuditRecord)
    record_bill_transfer(session, bill_id=bill.id, amount_fen=200, serial="BK20261105001", actor=ACTOR)
    session.commit()
    assert count(session, AuditRecord) == audits and _fresh(session, bill).status == BillStatus.PAID


@pytest.mark.parametrize(("amount", "serial", "field", "message"), [
    (199, "BK1", "amount", "到账金额与账单应付金额 ¥2.00 不一致"),
    (20000, "BK1", "amount", "不一致"),
    (200, "", "external_id", "请填写银行流水号"),
    (200, "x" * 121, "external_id", "不超过 120 个字符"),
])
def test_a_wrong_receipt_is_refused_and_nothing_is_saved(session, api, amount, serial, field, message):
    bill = _billed(session, api)
    audits = count(session, AuditRecord)
    with pytest.raises(DomainError) as e:
        record_bill_transfer(session, bill_id=bill.id, amount_fen=amount, serial=serial, actor=ACTOR)
    session.rollback()
    assert e.value.field == field and message in e.value.text
    bill = _fresh(session, bill)
    assert (bill.status, bill.payment_reference) == (BillStatus.ISSUED, None) and count(session, AuditRecord) == audits


def test_a_serial_used_for_another_bill_is_refused(session, api):
    first, second = _billed(session, api), _billed(session, api)
    record_bill_transfer(session, bill_id=first.id, amount_fen=200, serial="BK-SAME", actor=ACTOR)
    session.commit()
    with pytest.raises(DomainError) as e:
        record_bill_transfer(session, bill_id=second.id, amount_fen=200, serial="BK-SAME", actor=ACTOR)
    session.rollback()
    assert e.value.status == 409 and "流水号已用于" in e.value.text
    assert _fresh(session, second).status == BillStatus.ISSUED


def test_a_paid_bill_cannot_be_paid_again_with_another_serial(session, api):
    bill = _billed(session, api)
    record_bill_transfer(session, bill_id=bill.id, amount_fen=200, serial="BK-1", actor=ACTOR)
    session.commit()
    with pytest.raises(DomainError) as e:
        record_bill_transfer(session, bill_id=bill.id, amount_fen=200, serial="BK-2", actor=ACTOR)
    session.rollback()
    assert e.value.status == 409 and "已支付" in e.value.text


def test_an_unknown_bill_answers_not_found(session):
    with pytest.raises(DomainError) as e:
        record_bill_transfer(session, bill_id=999, amount_fen=1, serial="BK", actor=ACTOR)
    assert e.value.status == 404


def test_overdue_bill_suspends_the_keys_with_402_and_paying_lifts_it(web, session, api):
    bill, a = _billed_api(session, api)
    url, key = f"/api/v1/data/{a.slug}?uscc={USCC_A}", a.key
    assert web.get(url, headers=auth(key)).status_code == 200
    assert suspend_overdue(session, today=date(2026, 11, 16), actor=ACTOR) == []  # due today: not yet overdue
    [ent] = suspend_overdue(session, today=AFTER_DUE, actor=ACTOR)
    session.commit()
    assert ent.overdue_bill == bill.number
    assert suspend_overdue(session, today=AFTER_DUE, actor=ACTOR) == []  # once
    resp = web.get(url, headers=auth(key))
    body = resp.get_json()
    assert resp.status_code == 402 and body["error"]["code"] == "bill_overdue"
    assert bill.number in body["error"]["message_zh"] and bill.number in body["error"]["message_en"]
    refused = session.execute(select(UsageEvent).where(UsageEvent.status == 402)).scalars().one()
    assert refused.billable is False
    record_bill_transfer(session, bill_id=bill.id, amount_fen=200, serial="BK-OVERDUE", actor=ACTOR)
    session.commit()
    session.expire_all()
    assert session.get(Entitlement, bill.entitlement_id).overdue_bill is None
    assert web.get(url, headers=auth(key)).status_code == 200
    actions = session.execute(select(AuditRecord.action).where(AuditRecord.object_type == "entitlement")
                              .order_by(AuditRecord.id)).scalars().all()
    assert actions[-2:] == ["entitlement.suspend_overdue", "entitlement.resume_overdue"]


def test_paying_one_of_two_overdue_bills_keeps_the_suspension_on_the_other(session, api):
    bill = _billed(session, api)
    ent = session.get(Entitlement, bill.entitlement_id)
    add_events(session, ent, ["2026-10-20"])
    [late] = bill_usage(session, period=PERIOD, actor=ACTOR, today=TODAY)
    session.commit()
    suspend_overdue(session, today=AFTER_DUE, actor=ACTOR)
    session.commit()
    record_bill_transfer(session, bill_id=bill.id, amount_fen=bill.amount_fen, serial="BK-A", actor=ACTOR)
    session.commit()
    session.expire_all()
    assert session.get(Entitlement, ent.id).overdue_bill == late.number
