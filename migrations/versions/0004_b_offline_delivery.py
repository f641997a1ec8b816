"""offline (contract) delivery: product flag and the delivery records

Revision ID: 0004_b
Revises: 0004_h
Create Date: 2026-12-01 20:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004_b'
down_revision = '0004_h'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offline_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('buyer_org_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('recorded', 'confirmed', name='offlinedeliverystatus', native_enum=False, length=30), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], ),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['buyer_org_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_line_id')
    )
    with op.batch_alter_table('offline_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_delivery_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offline_delivery_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offline_delivery_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offline_delivery_buyer_org_id'), ['buyer_org_id'], unique=False)
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offline_delivery', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('offline_delivery')
    op.drop_table('offline_delivery')
