"""catalog: facet_count, listed products per agreement and facet combination (counted ahead for the catalog)

Revision ID: 0006_facet
Revises: 0005_disc
Create Date: 2026-12-03 17:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_facet'
down_revision = '0005_disc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('facet_count',
    sa.Column('agreement_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('combo_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('listed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('agreement_id', 'combo_id')
    )
    op.execute("INSERT INTO facet_count (agreement_id, combo_id, listed) "
               "SELECT agreement_id, combo_id, count(*) FROM product_facet GROUP BY agreement_id, combo_id")


def downgrade() -> None:
    op.drop_table('facet_count')
