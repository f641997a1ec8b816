"""The database read-only or its disk full in the middle of a write: 503 with a clear message, nothing half-saved.

The faults are the databases' own errors, raised by the statement that writes:
- SQLite read-only: `PRAGMA query_only` switched on inside the transaction, just before its audit record is written
  (SQLITE_READONLY, what a database file opened read-only gives); for the metered API, on every new connection.
- SQLite disk full: `PRAGMA max_page_count` pinned to the file's size just before the order row (its 2,000-character
  purpose needs new pages) is written (SQLITE_FULL, what a full disk gives).
- PostgreSQL read-only: `ALTER DATABASE … SET default_transaction_read_only` (sqlstate 25006, as on a standby).
- PostgreSQL disk full: a trigger that raises sqlstate 53100 (`disk_full`) from the INSERT of the audit record,
  after the order and its lines were written in the same transaction.
Afterwards the same request succeeds, and `verify-audit --checkpoint` and `verify-ledger` pass.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, func, select

from marketplace.models import AuditRecord, Order, OrderLine, PricePlan, Role
from marketplace.models.metering import QuotaCounter, UsageEvent
from tests.factories import make_product
from tests.faults.books import assert_books_verify, checkpoint
from tests.gateway.conftest import USCC_A, auth

PURPOSE = "用于企业信用风险评估与贷前经营核验" * 117  # 1,989 characters (of 2,000): the order row needs new pages
ZH = "数据库暂时无法写入"
EN = "The database cannot be written to right now"
NOTHING_SAVED = ("本次操作没有保存任何内容", "nothing was saved")


def _insert_into(table: str):
    return re.compile(rf'^\s*INSERT INTO "?{table}"?\b', re.IGNORECASE)


@contextmanager
def _sqlite_fault_at(engine, table: str, pragma):
    """Before the first INSERT into `table`, run `pragma(dbapi_connection)` on that statement's connection."""
    fired, match = [], _insert_into(table)

    def before(conn, cursor, statement, _params, _context, _many):
        if not fired and match.match(statement):
            pragma(cursor.connection)
            fired.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", before)
        engine.dispose()  # the connection with the pragma is closed, never reused


def _query_only(dbc) -> None:
    dbc.execute("PRAGMA query_only = ON")


def _disk_full(dbc) -> None:
    pages = dbc.execute("PRAGMA page_count").fetchone()[0]
    dbc.execute(f"PRAGMA max_page_count = {pages}")


@contextmanager
def _admin(db_url: str):
    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
            conn.exec_driver_sql("SET lock_timeout = '10s'")  # a test session left in a transaction: fail, not hang
            yield conn
    finally:
        engine.dispose()


@contextmanager
def _pg_read_only(app, db_url: str):
    """Every new connection to the database is read-only (what a standby or a DBA's switch gives)."""
    database = db_url.rsplit("/", 1)[1]
    with _admin(db_url) as admin:
        admin.exec_driver_sql(f"ALTER DATABASE {database} SET default_transaction_read_only = on")
        app.extensions["engine"].dispose()
        app.extensions.pop("gateway", None)
        try:
            yield [True]
        finally:
            admin.exec_driver_sql(f"ALTER DATABASE {database} RESET default_transaction_read_only")
            app.extensions["engine"].dispose()
            app.extensions.pop("gateway", None)


@contextmanager
def _pg_disk_full_at(app, db_url: str, table: str):
    """INSERTs into `table` fail with the server's disk_full error (sqlstate 53100)."""
    with _admin(db_url) as admin:
        admin.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION fault_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " RAISE EXCEPTION USING ERRCODE = 'disk_full',"
            " MESSAGE = 'could not extend file \"base/1/1\": No space left on device'; END $$")
        admin.exec_driver_sql(f'CREATE TRIGGER fault_disk_full BEFORE INSERT ON "{table}"'
                              " FOR EACH ROW EXECUTE FUNCTION fault_disk_full()")
        try:
            yield [True]
        finally:
            admin.exec_driver_sql(f'DROP TRIGGER fault_disk_full ON "{table}"')
            admin.exec_driver_sql("DROP FUNCTION fault_disk_full()")
            app.extensions.pop("gateway", None)


def _web_fault(backend, fault, app, db_url):
    engine = app.extensions["engine"]
    if backend == "sqlite":
        return (_sqlite_fault_at(engine, "audit_record", _query_only) if fault == "read_only"
                else _sqlite_fault_at(engine, "orders", _disk_full))
    return _pg_read_only(app, db_url) if fault == "read_only" else _pg_disk_full_at(app, db_url, "audit_record")


def _counts(session) -> tuple[int, int, int]:
    session.expire_all()
    counts = tuple(session.execute(select(func.count()).select_from(m)).scalar_one()
                   for m in (Order, OrderLine, AuditRecord))
    session.rollback()  # holds no locks (PostgreSQL: the fault's DROP TRIGGER waits for none)
    return counts


def _checkout(web, product, plan_id, token):
    return web.post(f"/products/{product.slug}/buy", {
        "plan_id": plan_id, "quantity": "1", "use_type": "industry", "purpose": PURPOSE, "invoice_title": "测试公司",
        "invoice_taxpayer_id": "", "invoice_kind": "normal", "submit_token": token})


@pytest.mark.parametrize("fault", ["read_only", "disk_full"])
def test_checkout_when_the_database_cannot_be_written_says_so_and_saves_nothing(
        backend, fault, app, db_url, web, login_as, session, runner, tmp_path):
    login_as(Role.BUYER)
    product = make_product(session)
    plan_id = _plan_id(session, product)
    mark = checkpoint(runner, tmp_path / "before.json")
    before = _counts(session)
    with _web_fault(backend, fault, app, db_url) as fired:
        zh = _checkout(web, product, plan_id, "tok-fault-zh-0001")
        web.get("/?lang=en")
        en = _checkout(web, product, plan_id, "tok-fault-en-0001")
        assert fired, "the fault was injected"
        during = _counts(session)
    web.get("/?lang=zh_Hans")
    for resp, words, saved in ((zh, ZH, NOTHING_SAVED[0]), (en, EN, NOTHING_SAVED[1])):
        body = resp.get_data(as_text=True)
        assert resp.status_code == 503, body[:2000]
        assert resp.headers["Retry-After"] == "5" and resp.mimetype == "text/html"
        assert words in body and saved in body, body[:2000]
    assert during == before, "nothing of the order, its lines or its audit record was saved"

    done = _checkout(web, product, plan_id, "tok-fault-after-01")  # the database writable again: it goes through
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    assert _counts(session)[:2] == (before[0] + 1, before[1] + 1)
    (order,) = session.execute(select(Order)).scalars().all()
    assert order.purpose == PURPOSE and order.submit_token == "tok-fault-after-01"
    assert_books_verify(runner, mark)


def _plan_id(session, product) -> int:
    return session.execute(select(PricePlan.id).where(PricePlan.product_id == product.id)).scalar_one()


@contextmanager
def _sqlite_read_only_file(app):
    """Every new connection of the app is read-only, as if the file had been opened read-only."""
    engine = app.extensions["engine"]

    def on_connect(dbc, _record):
        dbc.execute("PRAGMA query_only = ON")

    engine.dispose()
    app.extensions.pop("gateway", None)
    event.listen(engine, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(engine, "connect", on_connect)
        engine.dispose()
        app.extensions.pop("gateway", None)


@pytest.mark.parametrize("calls", [None, 100], ids=["flat", "quota"])
def test_metered_call_when_the_database_cannot_be_written_is_503_and_not_metered(
        backend, calls, gw_app, db_url, make_api, session, runner, tmp_path):
    api = make_api(calls=calls)
    client = gw_app.test_client()
    path = f"/api/v1/data/{api.slug}?uscc={USCC_A}"
    assert client.get(path, headers=auth(api.key)).status_code == 200
    mark = checkpoint(runner, tmp_path / "before.json")
    fault = _sqlite_read_only_file(gw_app) if backend == "sqlite" else _pg_read_only(gw_app, db_url)
    with fault:
        refused = [client.get(path, headers={**auth(api.key), **extra}) for extra in
                   ({}, {"Idempotency-Key": "fault-1"})]
    for resp in refused:
        assert resp.status_code == 503, resp.get_data(as_text=True)
        assert resp.headers["Retry-After"] == "5"
        error = resp.json["error"]
        assert error["code"] == "database_unwritable" and NOTHING_SAVED[0] in error["message"], error
    session.expire_all()
    assert session.execute(select(func.count()).select_from(UsageEvent)).scalar_one() == 1, "only the first call"
    if calls is not None:
        assert session.get(QuotaCounter, api.ent.id).used == 1

    again = client.get(path, headers={**auth(api.key), "Idempotency-Key": "fault-1"})
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers, "the refused call left no trace"
    session.expire_all()
    assert session.execute(select(func.count()).select_from(UsageEvent)).scalar_one() == 2
    if calls is not None:
        assert session.get(QuotaCounter, api.ent.id).used == 2
    assert_books_verify(runner, mark)


def test_pg_disk_full_during_a_metered_call_is_503_and_not_metered(backend, gw_app, db_url, make_api, session,
                                                                     runner, tmp_path):
    if backend != "postgresql":
        pytest.skip("the server's disk_full error (SQLite's is covered by the checkout test)")
    api = make_api(calls=100)
    client = gw_app.test_client()
    path = f"/api/v1/data/{api.slug}?uscc={USCC_A}"
    mark = checkpoint(runner, tmp_path / "before.json")
    with _pg_disk_full_at(gw_app, db_url, "usage_event"):
        refused = client.get(path, headers=auth(api.key))
    assert refused.status_code == 503 and refused.json["error"]["code"] == "database_unwritable", refused.json
    session.expire_all()
    assert session.execute(select(func.count()).select_from(UsageEvent)).scalar_one() == 0
    assert session.get(QuotaCounter, api.ent.id).used == 0, "the quota count rolled back with the event"
    assert client.get(path, headers=auth(api.key)).status_code == 200
    assert_books_verify(runner, mark)

