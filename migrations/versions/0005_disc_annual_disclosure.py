"""disclosure: published versions of the operators' annual disclosures (R10)

Revision ID: 0005_disc
Revises: 0005_rr
Create Date: 2026-12-02 19:45:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005_disc'
down_revision = '0005_rr'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disclosure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), server_default='', nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('publisher_id', sa.Integer(), nullable=True),
    sa.Column('publisher_label', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['publisher_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('operator_id', 'year', 'version')
    )
    op.create_index(op.f('ix_disclosure_operator_id'), 'disclosure', ['operator_id'], unique=False)
    op.create_index(op.f('ix_disclosure_year'), 'disclosure', ['year'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_disclosure_year'), table_name='disclosure')
    op.drop_index(op.f('ix_disclosure_operator_id'), table_name='disclosure')
    op.drop_table('disclosure')
