"""WSGI entry of the metering benchmark: the real app plus a bare route doing the same lookup, unmetered."""

from __future__ import annotations

import json
import os
import threading

from flask import Response, current_app, request
from sqlalchemy import text

from marketplace.web import create_app
from marketplace.web.access import public

app = create_app()
_LOOKUP = text("SELECT data FROM dataset_row WHERE dataset_id = :d AND key = :k ORDER BY id LIMIT 1000")
_local = threading.local()


def _connection():
    """A long-lived connection per thread, like the gateway's (so the ratio measures auth and metering only)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = current_app.extensions["engine"].connect()
        if conn.dialect.name == "sqlite":
            conn.execution_options(sqlite_begin="NONE")
        else:  # as the gateway's hot connection: no BEGIN/ROLLBACK round trips around the lookup
            conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


@public
def bare(dataset_id: int):
    """The same indexed lookup as the metered endpoint, without key, entitlement, quota, masking or metering."""
    conn = _connection()
    rows = [json.loads(d) for (d,) in conn.execute(_LOOKUP, {"d": dataset_id, "k": request.args.get("uscc", "")})]
    conn.rollback()
    body = json.dumps({"data": rows[0] if rows else None}, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=200 if rows else 404, mimetype="application/json")


app.add_url_rule("/bench/bare/<int:dataset_id>", "bench_bare", bare)


@public
def pid():
    """Which worker answered (bench/metering.py waits until every worker has booted)."""
    return {"pid": os.getpid()}


app.add_url_rule("/bench/pid", "bench_pid", pid)
