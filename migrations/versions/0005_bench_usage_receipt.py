"""usage_receipt: daily usage receipts sealed once per ended day (the close reuses them)

Revision ID: 0005_bench
Revises: 0005_org
Create Date: 2026-12-02 19:10:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005_bench'
down_revision = '0005_org'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('usage_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('entitlement_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('records', sa.BigInteger(), nullable=False),
    sa.Column('last_event_id', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sealed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day', 'entitlement_id')
    )


def downgrade() -> None:
    op.drop_table('usage_receipt')
