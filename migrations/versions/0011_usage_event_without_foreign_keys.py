"""metering: usage_event without foreign keys (each share-locked its parent row on every metered call)

Revision ID: 0011_usage_nofk
Revises: 0010_lz4
Create Date: 2026-12-06 23:00:00

On PostgreSQL every foreign key of a row inserted takes a share lock on the parent row it names, a WAL record and,
when calls of one key overlap, a MultiXact: five per metered call. The parents are never deleted and
`flask verify-ledger` checks every event's references. SQLite cannot drop a constraint, so the table is rebuilt
from the definition frozen here (a migration never imports the application).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011_usage_nofk'
down_revision = '0010_lz4'
branch_labels = None
depends_on = None

PARENTS = {"api_key_id": "api_key", "buyer_org_id": "organization", "entitlement_id": "entitlement",
           "plan_id": "price_plan", "product_id": "product"}


def _table(foreign_keys: bool) -> sa.Table:
    """usage_event as of 0002, with or without its five foreign keys (SQLite's batch rebuild copies from it)."""
    def ref(column):
        return (sa.ForeignKey(f"{PARENTS[column]}.id"),) if foreign_keys else ()

    return sa.Table(
        'usage_event', sa.MetaData(),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        *(sa.Column(c, sa.Integer(), *ref(c), nullable=False)
          for c in ('api_key_id', 'entitlement_id', 'product_id', 'buyer_org_id', 'plan_id')),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('billable', sa.Boolean(), nullable=False),
        sa.Column('records', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column('params_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('response_body', sa.Text(), server_default='', nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('request_id'),
        sa.Index('ix_usage_event_entitlement_day', 'entitlement_id', 'day'),
        sa.Index('ix_usage_event_org_day', 'buyer_org_id', 'day'),
        sa.Index('ix_usage_event_product_day', 'product_id', 'day'),
        sa.Index('uq_usage_event_idempotency', 'api_key_id', 'idempotency_key', unique=True,
                 sqlite_where=sa.text('idempotency_key IS NOT NULL'),
                 postgresql_where=sa.text('idempotency_key IS NOT NULL')),
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        names = bind.exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'usage_event'::regclass AND contype = 'f'"
        ).scalars().all()
        for name in names:
            op.drop_constraint(name, 'usage_event', type_='foreignkey')
        return
    with op.batch_alter_table('usage_event', copy_from=_table(False), recreate='always'):
        pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column, parent in PARENTS.items():
            op.create_foreign_key(f"usage_event_{column}_fkey", 'usage_event', parent, [column], ['id'])
        return
    with op.batch_alter_table('usage_event', copy_from=_table(True), recreate='always'):
        pass
