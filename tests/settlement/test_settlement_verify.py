"""`flask verify-ledger` passes on an honest ledger and names the first difference after each kind of tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from marketplace.models import ApiKey, Entitlement, Organization, PricePlan, UsageEvent
from marketplace.models.settlement import PartyKind, Statement
from tests.factories import make_product


@pytest.fixture
def closed(books, runner):
    books.order(10600, paid="2026-10-05", broker=True, commission_bps=1000)
    books.bill(2120, period="2026-10", issued="2026-11-01", paid=True)
    result = runner.invoke(args=["close-period", "2026-10"])
    assert result.exit_code == 0, result.output
    return result


def test_close_period_prints_one_line_per_statement(closed, books, session):
    lines = closed.output.strip().splitlines()
    assert lines == [
        f"operator {books.operator.uscc} 9920",
        f"broker {books.broker.uscc} 1000",
        f"authority {books.authority.uscc} 1200",
        f"exchange {books.exchange.uscc} 600",
    ]


def test_close_period_again_prints_the_same(closed, runner):
    again = runner.invoke(args=["close-period", "2026-10"])
    assert (again.exit_code, again.output) == (0, closed.output)


def test_close_period_refuses_a_bad_month(runner):
    result = runner.invoke(args=["close-period", "2026-13"])
    assert result.exit_code == 1 and "YYYY-MM" in result.output


def test_verify_ledger_passes(closed, runner):
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0, result.output
    assert "ledger ok" in result.output


def _tamper(session, sql):
    session.execute(text(sql))
    session.commit()


def _fails(runner, words):
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
    assert words in result.output, result.output


def test_unbalanced_transaction_is_named(closed, runner, session):
    _tamper(session, "UPDATE ledger_posting SET amount_fen = amount_fen + 1 WHERE id = 3")
    _fails(runner, "does not balance")


def test_statement_differing_from_ledger_is_named(closed, runner, session, books):
    _tamper(
        session,
        f"UPDATE statement_line SET share_fen = share_fen + 1 WHERE statement_id = "
        f"(SELECT id FROM statement WHERE party_org_id = {books.broker.id})",
    )
    _fails(runner, "the ledger holds")


def test_statement_total_differing_from_its_lines_is_named(closed, runner, session):
    _tamper(session, "UPDATE statement SET total_fen = total_fen - 1 WHERE party_kind = 'exchange'")
    _fails(runner, "total")


def test_billed_line_differing_from_its_order_line_is_named(closed, runner, session):
    _tamper(session, "UPDATE order_line SET amount_fen = amount_fen + 100")
    _fails(runner, "!= source")


def test_billed_line_differing_from_its_usage_bill_is_named(closed, runner, session):
    _tamper(session, "UPDATE usage_bill SET vat_fen = vat_fen + 1")
    _fails(runner, "!= source")


def test_split_not_summing_is_named(closed, runner, session):
    _tamper(session, "UPDATE billed_line SET operator_fen = operator_fen + 1 WHERE id = 1")
    _fails(runner, "shares sum to")


def test_statement_content_edited_after_close_is_named(closed, runner, session, books):
    st = session.execute(select(Statement).where(Statement.party_kind == PartyKind.OPERATOR)).scalar_one()
    org = session.get(Organization, books.buyer.id)
    assert st is not None and org is not None
    _tamper(session, "UPDATE statement_line SET detail = replace(detail, '\"order\"', '\"usage\"')")
    _fails(runner, "content hash")


@pytest.fixture
def called(closed, books, session):
    """Two metered calls of the books' entitlement, made after the close (usage_event has no foreign keys)."""
    key = ApiKey(entitlement_id=books.entitlement.id, buyer_org_id=books.buyer.id, prefix="vk000001", key_hash="v" * 64)
    session.add(key)
    session.flush()
    for n in (1, 2):
        session.add(UsageEvent(request_id=f"req-verify-{n}", api_key_id=key.id, entitlement_id=books.entitlement.id,
                               product_id=books.product.id, buyer_org_id=books.buyer.id, plan_id=books.plan.id,
                               day="2026-12-01", status=200, billable=True, records=1))
    session.commit()
    return key


def test_verify_ledger_passes_with_usage_events(called, runner):
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("entitlement_id = 999999", "usage event #{first} (req-verify-2): its entitlement #999999 does not exist"),
        ("product_id = product_id + 1000", "the event says product #"),
        ("buyer_org_id = {other_buyer}", "for buyer #{other_buyer}"),
        ("api_key_id = 999999", "its API key #999999 does not exist"),
        ("plan_id = 999999", "its price plan #999999 does not exist"),
    ],
)
def test_a_usage_event_naming_a_missing_or_foreign_row_is_named(called, runner, session, books, change, words):
    other = books.operator.id
    first = session.execute(select(UsageEvent.id).where(UsageEvent.request_id == "req-verify-2")).scalar_one()
    _tamper(session, f"UPDATE usage_event SET {change.format(other_buyer=other)} WHERE request_id = 'req-verify-2'")
    _fails(runner, words.format(first=first, other_buyer=other))


def test_a_usage_event_with_another_entitlements_key_is_named(called, runner, session, books):
    other = Entitlement(buyer_org_id=books.buyer.id, product_id=books.product.id, plan_id=books.plan.id)
    session.add(other)
    session.flush()
    key = ApiKey(entitlement_id=other.id, buyer_org_id=books.buyer.id, prefix="vk000002", key_hash="w" * 64)
    session.add(key)
    session.commit()
    _tamper(session, f"UPDATE usage_event SET api_key_id = {key.id} WHERE request_id = 'req-verify-1'")
    _fails(runner, f"API key #{key.id} belongs to entitlement #{other.id}, not #{books.entitlement.id}")


def test_a_usage_event_on_another_products_plan_is_named(called, runner, session, books):
    other = make_product(session, type="api", plans=({"form": "per_call_flat", "unit_price_fen": "5"},))
    plan = session.execute(select(PricePlan.id).where(PricePlan.product_id == other.id)).scalar_one()
    _tamper(session, f"UPDATE usage_event SET plan_id = {plan} WHERE request_id = 'req-verify-1'")
    _fails(runner, f"price plan #{plan} is a plan of product #{other.id}, not #{books.product.id}")
