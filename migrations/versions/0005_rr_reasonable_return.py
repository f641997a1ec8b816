"""cost_entry and return_report: the reasonable-return cost ledger and the yearly report to the authority

Revision ID: 0005_rr
Revises: 0005_bench
Create Date: 2026-12-02 19:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005_rr'
down_revision = '0005_bench'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cost_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('data_governance', 'compute_storage', 'security', 'labour', 'platform_fees',
                                  'other', 'taxes', name='costcategory', native_enum=False,
                                  create_constraint=False, length=30), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['corrects_id'], ['cost_entry.id'], ),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cost_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cost_entry_corrects_id'), ['corrects_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cost_entry_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cost_entry_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cost_entry_year'), ['year'], unique=False)
    op.create_table('return_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'returned', name='reportstatus', native_enum=False,
                                create_constraint=False, length=30), nullable=False),
    sa.Column('snapshot', sa.Text(), server_default='', nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('allowed_fen', sa.BigInteger(), nullable=False),
    sa.Column('actual_fen', sa.BigInteger(), nullable=False),
    sa.Column('excess_fen', sa.BigInteger(), nullable=False),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], ),
    sa.ForeignKeyConstraint(['authority_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('operator_id', 'year', 'version')
    )
    with op.batch_alter_table('return_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_report_authority_id'), ['authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_report_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_report_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_report_year'), ['year'], unique=False)


def downgrade() -> None:
    op.drop_table('return_report')
    op.drop_table('cost_entry')
