"""Submitting the frozen report, the authority returning it with a reason and accepting it; the overview."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from marketplace.models import AuditRecord
from marketplace.models.returns import ReportStatus
from marketplace.returns.costs import correct_cost
from marketplace.returns.errors import Conflict, NotFound, ReturnError
from marketplace.returns.review import accept_report, authority_overview, return_report, submit_report
from tests.factories import make_org
from tests.returns.conftest import TODAY


def _submit(session, books, year=2026):
    report = submit_report(session, actor=books.actor, operator_id=books.operator.id, year=year, today=TODAY)
    session.commit()
    return report


def test_submit_return_resubmit_accept(session, books):
    books.cost(100_000)
    first = _submit(session, books)
    assert first.version == 1 and first.status is ReportStatus.SUBMITTED and first.allowed_fen == 108_000
    assert first.content_hash == hashlib.sha256(first.snapshot.encode()).hexdigest()
    assert json.loads(first.snapshot)["allowed_fen"] == 108_000
    with pytest.raises(Conflict):
        _submit(session, books)
    session.rollback()
    with pytest.raises(ReturnError) as refused:
        return_report(session, actor=books.auth_actor, report_id=first.id, authority_id=books.authority.id, reason=" ")
    assert refused.value.field == "reason"
    session.rollback()
    return_report(
        session,
        actor=books.auth_actor,
        report_id=first.id,
        authority_id=books.authority.id,
        reason="人工成本缺少合同依据",
    )
    session.commit()
    assert first.status is ReportStatus.RETURNED and first.return_reason == "人工成本缺少合同依据"
    books.cost(20_000, category="security")
    second = _submit(session, books)
    assert second.version == 2 and second.allowed_fen == 129_600 and second.content_hash != first.content_hash
    books.order(10600, paid="2026-06-10")  # a sale settled after submission does not change the snapshot
    books.settle("2026-06")
    assert json.loads(second.snapshot)["cost_fen"] == 120_000 and json.loads(second.snapshot)["actual_fen"] == 0
    accept_report(session, actor=books.auth_actor, report_id=second.id, authority_id=books.authority.id)
    session.commit()
    assert second.status is ReportStatus.ACCEPTED
    with pytest.raises(Conflict):
        accept_report(session, actor=books.auth_actor, report_id=second.id, authority_id=books.authority.id)
    session.rollback()
    actions = list(
        session.execute(
            select(AuditRecord.action).where(AuditRecord.object_type == "return_report").order_by(AuditRecord.id)
        ).scalars()
    )
    assert actions == ["return_report.submit", "return_report.return", "return_report.submit", "return_report.accept"]


def test_another_authority_cannot_review(session, books):
    books.cost(100)
    report = _submit(session, books)
    other = make_org(session, "authority")
    with pytest.raises(NotFound):
        accept_report(session, actor=books.auth_actor, report_id=report.id, authority_id=other.id)


def test_accepted_excess_is_what_next_year_carries(session, books):
    books.cost(1_000, year=2025)
    books.order(10600, paid="2025-06-10")
    books.settle("2025-06")
    report = _submit(session, books, year=2025)
    assert report.excess_fen == 10100 - 1080
    accept_report(session, actor=books.auth_actor, report_id=report.id, authority_id=books.authority.id)
    session.commit()
    books.cost(100_000)
    rows = authority_overview(session, authority_id=books.authority.id, year=2026, today=TODAY)
    assert len(rows) == 1 and rows[0].report is None
    assert rows[0].figures.carried_in_fen == 9020 and rows[0].figures.allowed_fen == 108_000 - 9020
    rows = authority_overview(session, authority_id=books.authority.id, year=2025, today=TODAY)
    assert rows[0].report.status is ReportStatus.ACCEPTED and rows[0].figures.excess_fen == 9020


def test_entries_wait_while_the_report_is_with_the_authority(session, books):
    entry = books.cost(100_000)
    report = _submit(session, books)
    with pytest.raises(Conflict):
        books.cost(5)
    session.rollback()
    with pytest.raises(Conflict):
        correct_cost(
            session,
            actor=books.actor,
            operator_id=books.operator.id,
            entry_id=entry.id,
            amount_fen=-5,
            note="x",
            spent_on=TODAY,
            today=TODAY,
        )
    session.rollback()
    return_report(session, actor=books.auth_actor, report_id=report.id, authority_id=books.authority.id, reason="补充")
    session.commit()
    assert books.cost(5).amount_fen == 5  # returned: entries are open again
