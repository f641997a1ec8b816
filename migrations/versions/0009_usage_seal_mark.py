"""billing: usage_seal_mark, how far the sealed usage receipts are known complete (billing's late-call check)

Revision ID: 0009_mark
Revises: 0008_words
Create Date: 2026-12-04 21:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009_mark'
down_revision = '0008_words'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No row: the mark is 0 until the next nightly seal-usage, and billing checks sealed days in full until then.
    op.create_table('usage_seal_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('through_event_id', sa.BigInteger(), nullable=False),
    sa.Column('marked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('usage_seal_mark')
