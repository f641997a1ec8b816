"""billing: a usage bill's receipts and lines compressed with lz4 on PostgreSQL (where the server has it)

Revision ID: 0010_lz4
Revises: 0009_mark
Create Date: 2026-12-04 21:30:00
"""
from alembic import op


revision = '0010_lz4'
down_revision = '0009_mark'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    has_lz4 = bind.exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'").scalar()
    if has_lz4:
        for column in ("receipts", "lines"):
            op.execute(f"ALTER TABLE usage_bill ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in ("receipts", "lines"):
            op.execute(f"ALTER TABLE usage_bill ALTER COLUMN {column} SET COMPRESSION default")
