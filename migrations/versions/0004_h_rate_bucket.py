"""rate_bucket: the data API's per-key token bucket, shared by every worker process

Revision ID: 0004_h
Revises: 0004_g
Create Date: 2026-12-01 20:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_h'
down_revision = '0004_g'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_bucket',
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('tokens', sa.Float(), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], ),
    sa.PrimaryKeyConstraint('api_key_id')
    )
    if op.get_bind().dialect.name == 'postgresql':  # no WAL for token taking (a crash only refills the buckets)
        op.execute('ALTER TABLE rate_bucket SET UNLOGGED')


def downgrade() -> None:
    op.drop_table('rate_bucket')
