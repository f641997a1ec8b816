"""The audit chain: appended by every use case, verified, and broken by any edit, deletion or reordering."""

from sqlalchemy import text
from sqlmodel import select

from marketplace import accounts
from marketplace.audit import Actor, record_audit, verify_chain
from marketplace.models import AuditRecord
from tests.factories import make_org, make_user


def _fill(session, n=5):
    actor = Actor.system("test")
    for i in range(n):
        record_audit(session, actor=actor, action="test.step", object_type="thing", object_id=i,
                     before={"n": i}, after={"n": i + 1, "名称": "中文"})
    session.commit()


def test_intact_chain_verifies(session):
    _fill(session)
    report = verify_chain(session)
    assert report.ok and report.count == 5


def test_edited_row_is_detected(session):
    _fill(session)
    session.execute(text("UPDATE audit_record SET summary = :s WHERE id = 3"), {"s": '{"after": "forged"}'})
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.first_bad_id == 3 and "篡改" in report.problem


def test_deleted_row_is_detected(session):
    _fill(session)
    session.execute(text("DELETE FROM audit_record WHERE id = 2"))
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.first_bad_id == 2


def test_reordered_rows_are_detected(session):
    _fill(session)
    rows = {r.id: r for r in session.exec(select(AuditRecord)).all()}
    a, b = rows[2], rows[4]
    # swap the content of two records, keeping ids: the links no longer fit
    session.execute(text("UPDATE audit_record SET object_id = :o, summary = :s WHERE id = 2"),
                    {"o": b.object_id, "s": b.summary})
    session.execute(text("UPDATE audit_record SET object_id = :o, summary = :s WHERE id = 4"),
                    {"o": a.object_id, "s": a.summary})
    session.commit()
    report = verify_chain(session)
    assert not report.ok and report.first_bad_id == 2


def test_cli_verify_audit_exit_codes(runner, session):
    _fill(session, 3)
    ok = runner.invoke(args=["verify-audit"])
    assert ok.exit_code == 0 and "3 records" in ok.output
    session.execute(text("UPDATE audit_record SET action = 'forged' WHERE id = 2"))
    session.commit()
    bad = runner.invoke(args=["verify-audit"])
    assert bad.exit_code != 0 and "#2" in bad.output


def test_state_changes_write_audit_records(session):
    admin = make_user(session, "admin")
    org = make_org(session, verified=False)
    actor = Actor(admin.id, admin.email, admin.org_id)
    accounts.set_org_status(session, actor=actor, org_id=org.id, status="verified")
    user = make_user(session, "buyer", org=org)
    accounts.set_user_active(session, actor=actor, user_id=user.id, active=False)
    actions = [r.action for r in session.exec(select(AuditRecord).order_by(AuditRecord.id))]
    assert actions == ["org.verified", "user.disable"]
    assert verify_chain(session).ok
