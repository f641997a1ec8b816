"""organization admins (user.org_admin) and their invitations of colleagues (org_invitation)

Revision ID: 0005_org
Revises: 0005_notif

The first user of every existing organization becomes its organization admin.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005_org'
down_revision = '0005_notif'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute('UPDATE "user" SET org_admin = TRUE WHERE id IN (SELECT MIN(id) FROM "user" GROUP BY org_id)')

    op.create_table('org_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('role', sa.Enum('buyer', 'broker', 'operator', 'authority', 'reviewer', 'finance', 'admin',
                              name='role', native_enum=False, length=30), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('invited_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('accepted_user_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['invited_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('org_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_invitation_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_invitation_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('org_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_invitation_org_id'))
        batch_op.drop_index(batch_op.f('ix_org_invitation_email'))
    op.drop_table('org_invitation')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('org_admin')
