"""catalog: word_count, listed products per search word, agreement and facet combination (one-word queries)

Revision ID: 0008_words
Revises: 0007_title
Create Date: 2026-12-04 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_words'
down_revision = '0007_title'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('word_count',
    sa.Column('word', sa.Text(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('combo_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('listed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('word', 'agreement_id', 'combo_id')
    )
    # The words of the full-text index as it stands: tsvector lexemes of the facet rows' copy (PostgreSQL), or the
    # FTS5 tokens of product_fts read through a scratch fts5vocab table (SQLite).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("INSERT INTO word_count (word, agreement_id, combo_id, listed) "
                   "SELECT w, agreement_id, combo_id, count(*) FROM product_facet, "
                   "unnest(tsvector_to_array(search_vector)) AS w GROUP BY w, agreement_id, combo_id")
    else:
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.product_fts_terms USING fts5vocab(main, product_fts, "
                   "instance)")
        op.execute("INSERT INTO word_count (word, agreement_id, combo_id, listed) "
                   "SELECT v.term, f.agreement_id, f.combo_id, count(DISTINCT v.doc) FROM temp.product_fts_terms v "
                   "JOIN product_facet f ON f.product_id = v.doc GROUP BY v.term, f.agreement_id, f.combo_id")
        op.execute("DROP TABLE temp.product_fts_terms")


def downgrade() -> None:
    op.drop_table('word_count')
