"""CLI: bill-usage YYYY-MM (issue the month's usage bills) and suspend-overdue."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.billing.errors import BillingError
from marketplace.billing.overdue import suspend_overdue
from marketplace.billing.run import bill_usage
from marketplace.clock import today as today_local
from marketplace.db import session_scope
from marketplace.models import Organization
from marketplace.web.error_text import error_text


def _due_days() -> int:
    return int(current_app.config.get("BILL_DUE_DAYS", 15))


@click.command("bill-usage")
@click.argument("period")
@with_appcontext
def bill_usage_command(period):
    """Issue the usage bills of a month that has ended (idempotent); one line per bill made, then suspend overdue."""
    actor, today = Actor.system("cli"), today_local()
    with session_scope(current_app.extensions["engine"]) as session:
        try:
            bills = bill_usage(session, period=period, actor=actor, today=today, due_days=_due_days())
        except BillingError as e:
            session.rollback()
            raise click.UsageError(error_text(e)) from None
        suspend_overdue(session, today=today, actor=actor)
        uscc = dict(
            session.execute(
                select(Organization.id, Organization.uscc).where(
                    Organization.id.in_({b.buyer_org_id for b in bills} or {-1})
                )
            ).all()
        )
        lines = [f"{b.number} {uscc[b.buyer_org_id]} {b.amount_fen}" for b in bills]
        session.commit()
    for line in lines:
        click.echo(line)


@click.command("suspend-overdue")
@with_appcontext
def suspend_overdue_command():
    """Suspend the keys of entitlements whose bill is past its due date; prints one line per suspension."""
    with session_scope(current_app.extensions["engine"]) as session:
        suspended = suspend_overdue(session, today=today_local(), actor=Actor.system("cli"))
        lines = [f"entitlement #{e.id} suspended by bill {e.overdue_bill}" for e in suspended]
        session.commit()
    for line in lines:
        click.echo(line)


COMMANDS = [bill_usage_command, suspend_overdue_command]
