"""entitlement.overdue_bill: the overdue usage bill that suspends an entitlement's keys

Revision ID: 0004_d
Revises: 0004_b
Create Date: 2026-12-01 20:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004_d'
down_revision = '0004_b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('entitlement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_bill', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('entitlement', schema=None) as batch_op:
        batch_op.drop_column('overdue_bill')
