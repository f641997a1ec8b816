"""catalog: product_facet.lower_title, the title lower-cased (relevance puts titles holding every search word first)

Revision ID: 0007_title
Revises: 0006_facet
Create Date: 2026-12-04 18:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_title'
down_revision = '0006_facet'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('product_facet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lower_title', sa.Text(), server_default='', nullable=False))
    # SQL lower() folds ASCII letters on SQLite (all letters on PostgreSQL); CJK titles have no case.
    # `flask --app app reindex-catalog` rewrites every row with Python's lower() later if wanted.
    op.execute("UPDATE product_facet SET lower_title = coalesce(lower((SELECT title FROM product "
               "WHERE product.id = product_facet.product_id)), '')")


def downgrade() -> None:
    with op.batch_alter_table('product_facet', schema=None) as batch_op:
        batch_op.drop_column('lower_title')
