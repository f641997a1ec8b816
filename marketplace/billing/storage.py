"""How PostgreSQL stores a usage bill's long texts: lz4 instead of the default pglz (an EXTRAS installer).

A month's bill carries its daily receipts (about 3.4 kB for 31 days of SHA-256 digests), which PostgreSQL
compresses when it stores the row. pglz made writing a close's 800 bills take 76 ms on the server, lz4 48 ms.
Existing rows keep their compression; PostgreSQL servers built without lz4 keep pglz. Also in migration 0010.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

_COLUMNS = (("usage_bill", "receipts"), ("usage_bill", "lines"))


def install_bill_compression(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    has_lz4 = connection.exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    if has_lz4:
        for table, column in _COLUMNS:
            connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")
