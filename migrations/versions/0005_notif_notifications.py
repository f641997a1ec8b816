"""notification, notification_preference: the in-app notification centre and its e-mail

Revision ID: 0005_notif
Revises: 0004_a
Create Date: 2026-12-02 19:20:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005_notif'
down_revision = '0004_a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('params', sa.Text(), server_default='{}', nullable=False),
    sa.Column('subject_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('email_state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('emailed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_notification_user_unread', 'notification', ['user_id', 'read_at'], unique=False)
    op.create_index('ix_notification_dedupe', 'notification', ['dedupe_key'], unique=False)
    op.create_index('ix_notification_email_state', 'notification', ['email_state'], unique=False)
    op.create_index('uq_notification_user_dedupe', 'notification', ['user_id', 'dedupe_key'], unique=True)
    op.create_table('notification_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('muted', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('email_locale', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade() -> None:
    op.drop_table('notification_preference')
    op.drop_index('uq_notification_user_dedupe', table_name='notification')
    op.drop_index('ix_notification_email_state', table_name='notification')
    op.drop_index('ix_notification_dedupe', table_name='notification')
    op.drop_index('ix_notification_user_unread', table_name='notification')
    op.drop_table('notification')
