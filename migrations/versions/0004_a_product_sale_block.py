"""product.sale_block: the stored reason a listed product is not on sale (supply.on_sale)

Revision ID: 0004_a
Revises: 0004_d
Create Date: 2026-12-01 20:10:00

Existing rows start with "" (no stored reason); the next `flask enforce-terms` run stores the reasons of
every listed product (core data, scope, plans without a cap in force or above it).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004_a'
down_revision = '0004_d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sale_block', sqlmodel.sql.sqltypes.AutoString(length=40), server_default='',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('sale_block')
