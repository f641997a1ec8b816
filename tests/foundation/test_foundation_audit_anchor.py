"""Audit anchoring (issue 10, failure 6): keyed hashes and signed checkpoints catch a cut tail and a consistent
rewrite done without the key."""

import hashlib
import json

import pytest
from sqlalchemy import text
from sqlmodel import select

from marketplace.audit import Actor, canonical, record_audit
from marketplace.models import AuditRecord
from tests.factories import make_user


def _fill(session, n):
    actor = Actor.system("test")
    for i in range(n):
        record_audit(session, actor=actor, action="test.step", object_type="thing", object_id=i, after={"n": i})
    session.commit()


def _plain_sha256(record) -> str:
    """The digest an attacker without the key would use: the app's old, unkeyed SHA-256."""
    return hashlib.sha256(canonical(record).encode("utf-8")).hexdigest()


def test_cutting_the_tail_is_caught_by_a_checkpoint_file(runner, session, tmp_path):
    _fill(session, 12)
    out = tmp_path / "cp.json"
    made = runner.invoke(args=["audit-checkpoint", "--out", str(out)])
    assert made.exit_code == 0, made.output
    doc = json.loads(out.read_text())
    assert doc["record_count"] == 12 and len(doc["signature"]) == 64
    assert runner.invoke(args=["verify-audit", "--checkpoint", str(out)]).exit_code == 0
    session.execute(text("DELETE FROM audit_record WHERE id > 10"))
    session.execute(text("DELETE FROM audit_checkpoint"))  # the intruder removes the stored checkpoints too
    session.commit()
    assert runner.invoke(args=["verify-audit"]).exit_code == 0  # the cut chain is consistent by itself
    cut = runner.invoke(args=["verify-audit", "--checkpoint", str(out)])
    assert cut.exit_code != 0
    assert "#11" in cut.output and "截断" in cut.output


def test_a_consistent_rewrite_without_the_key_is_caught(runner, session, tmp_path):
    _fill(session, 30)
    session.execute(text("UPDATE audit_record SET summary = :s WHERE id = 20"), {"s": '{"after": "forged"}'})
    session.commit()
    prev = session.execute(select(AuditRecord.hash).where(AuditRecord.id == 19)).scalar_one()
    for record in session.exec(select(AuditRecord).where(AuditRecord.id >= 20).order_by(AuditRecord.id)).all():
        record.prev_hash = prev
        record.hash = prev = _plain_sha256(record)
        session.execute(
            text("UPDATE audit_record SET prev_hash = :p, hash = :h WHERE id = :i"),
            {"p": record.prev_hash, "h": record.hash, "i": record.id},
        )
    session.commit()
    bad = runner.invoke(args=["verify-audit"])
    assert bad.exit_code != 0 and "#20" in bad.output


def test_a_forged_checkpoint_file_is_refused(runner, session, tmp_path):
    _fill(session, 3)
    out = tmp_path / "cp.json"
    runner.invoke(args=["audit-checkpoint", "--out", str(out)])
    doc = json.loads(out.read_text())
    doc["record_count"] = 2
    out.write_text(json.dumps(doc))
    bad = runner.invoke(args=["verify-audit", "--checkpoint", str(out)])
    assert bad.exit_code != 0 and "签名无效" in bad.output


def test_a_checkpoint_is_written_at_least_daily(session):
    from marketplace.models import AuditCheckpoint

    _fill(session, 2)
    rows = session.exec(select(AuditCheckpoint)).all()
    assert [(r.record_count, r.written_by) for r in rows] == [(1, "daily")]
    session.execute(text("UPDATE audit_checkpoint SET at = :t"), {"t": "2020-01-01 00:00:00"})
    session.commit()
    _fill(session, 1)
    assert sorted(r.record_count for r in session.exec(select(AuditCheckpoint)).all()) == [1, 3]


def test_the_authority_signs_and_downloads_a_checkpoint_on_its_audit_page(web, session):
    web.login(make_user(session, "authority").email)
    page = web.get("/audit/").get_data(as_text=True)
    assert 'action="/audit/checkpoints"' in page
    assert web.post("/audit/checkpoints").status_code == 302
    page = web.get("/audit/").get_data(as_text=True)
    assert "/audit/checkpoints/" in page
    from marketplace.models import AuditCheckpoint

    newest = session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
    resp = web.get(f"/audit/checkpoints/{newest.id}.json")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    assert resp.get_json()["record_count"] == newest.record_count and resp.get_json()["signature"] == newest.signature


def test_a_legacy_unkeyed_chain_is_re_keyed_once_when_intact(runner, session):
    _fill(session, 4)
    prev = "0" * 64
    for record in session.exec(select(AuditRecord).order_by(AuditRecord.id)).all():  # as the old code wrote it
        record.prev_hash = prev
        record.hash = prev = _plain_sha256(record)
        session.execute(text("UPDATE audit_record SET prev_hash = :p, hash = :h WHERE id = :i"),
                        {"p": record.prev_hash, "h": record.hash, "i": record.id})
    session.execute(text("DELETE FROM audit_checkpoint"))
    session.commit()
    assert runner.invoke(args=["verify-audit"]).exit_code != 0
    done = runner.invoke(args=["audit-rekey"])
    assert done.exit_code == 0 and "re-keyed 4" in done.output
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
    assert "already keyed" in runner.invoke(args=["audit-rekey"]).output


def test_a_batch_that_is_the_days_first_writes_the_checkpoint_with_its_own_records(runner, session):
    from marketplace.audit import record_audits, verify_audit
    from marketplace.models import AuditCheckpoint

    _fill(session, 2)  # the day's checkpoint: 1 record
    session.execute(text("UPDATE audit_checkpoint SET at = :t"), {"t": "2020-01-01 00:00:00"})
    session.commit()
    entries = [{"action": "test.batch", "object_type": "thing", "object_id": i, "after": {"n": i}} for i in range(5)]
    assert record_audits(session, actor=Actor.system("test"), entries=entries) == 5
    session.commit()
    newest = session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
    head = session.exec(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
    assert (newest.record_count, newest.head_hash, newest.written_by) == (7, head.hash, "daily")
    assert verify_audit(session).ok and runner.invoke(args=["verify-audit"]).exit_code == 0


def test_a_batch_after_a_broken_chain_writes_no_checkpoint(session):
    from marketplace.audit import record_audits
    from marketplace.models import AuditCheckpoint

    _fill(session, 3)
    session.execute(text("UPDATE audit_record SET summary = 'rewritten' WHERE id = 2"))
    session.execute(text("UPDATE audit_checkpoint SET at = :t"), {"t": "2020-01-01 00:00:00"})
    session.commit()
    record_audits(session, actor=Actor.system("test"), entries=[{"action": "test.batch", "object_type": "thing"}])
    session.commit()
    assert [r.record_count for r in session.exec(select(AuditCheckpoint)).all()] == [1]


def test_records_that_do_not_follow_the_chains_head_are_not_signed(session):
    from marketplace.audit import CheckpointError, write_checkpoint

    _fill(session, 2)
    with pytest.raises(CheckpointError):
        write_checkpoint(session, written_by="test", appending=("f" * 64, 1, "a" * 64))
