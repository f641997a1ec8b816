"""Bulk inserts inside the session's transaction: COPY on PostgreSQL, executemany on SQLite.

A multi-row INSERT … RETURNING of a thousand rows costs psycopg more to prepare (it parses every batch's
parameters in Python) than PostgreSQL to run; COPY with ids drawn from the table's sequence beforehand does not.
"""

from __future__ import annotations

from enum import Enum

import psycopg
from sqlalchemy import Enum as Enum_
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _with_defaults(table, rows: list[dict]) -> list[dict]:
    """Rows completed with the columns' Python-side defaults (COPY does not apply them)."""
    missing = [c for c in table.c if c.name not in rows[0] and c.default is not None and not c.primary_key]
    if not missing:
        return rows
    filled = []
    for row in rows:
        extra = {c.name: (c.default.arg(None) if c.default.is_callable else c.default.arg) for c in missing}
        filled.append({**extra, **row})
    return filled


def _plain(value):
    return value.value if isinstance(value, Enum) else value


def insert_rows(session: Session, table, rows: list[dict]) -> None:
    """Insert rows (every row with the same keys); a unique clash raises IntegrityError on both databases."""
    if not rows:
        return
    if not _is_postgresql(session):
        session.execute(insert(table), rows)
        return
    session.flush()  # what the ORM holds goes first (a COPY row may refer to it)
    rows = _with_defaults(table, rows)
    columns = list(rows[0])
    # only the enum columns need converting (a close copies some 80,000 values)
    enums = [i for i, c in enumerate(columns)
             if (c in table.c and isinstance(table.c[c].type, Enum_)) or isinstance(rows[0][c], Enum)]
    cursor = session.connection().connection.driver_connection.cursor()
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                values = [row[c] for c in columns]
                for i in enums:
                    values[i] = _plain(values[i])
                copy.write_row(values)
    except psycopg.errors.IntegrityError as e:
        raise IntegrityError(statement, None, e) from e


def insert_with_ids(session: Session, table, rows: list[dict]) -> list[int]:
    """Insert rows and return their new ids, in row order."""
    if not rows:
        return []
    if not _is_postgresql(session):
        returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(returning, rows).scalars())
    ids = sorted(
        session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)},
        ).scalars()
    )
    insert_rows(session, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
    return ids
