"""`flask close-period YYYY-MM`, `flask confirm-period YYYY-MM`, `flask verify-ledger`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace.audit import Actor
from marketplace.db import session_scope
from marketplace.errors import DomainError
from marketplace.models import Organization
from marketplace.settlement.close import close_period, confirm_period
from marketplace.settlement.verify import verify_ledger
from marketplace.web.error_text import error_text


def _engine():
    return current_app.extensions["engine"]


@click.command("close-period")
@click.argument("period")
@with_appcontext
def close_period_command(period):
    """Close a month (idempotent): one line per statement, `<party kind> <party USCC> <total fen>`."""
    with session_scope(_engine()) as session:
        try:
            statements = close_period(session, period=period, actor=Actor.system("cli"))
            lines = [
                f"{s.party_kind.value} {session.get(Organization, s.party_org_id).uscc} {s.total_fen}"
                for s in statements
            ]
            session.commit()  # one transaction for the whole close
        except DomainError as e:
            session.rollback()
            raise click.ClickException(error_text(e)) from None
    for line in lines:
        click.echo(line)


@click.command("confirm-period")
@click.argument("period")
@with_appcontext
def confirm_period_command(period):
    """Confirm a closed month: its statements become final and the period is locked."""
    with session_scope(_engine()) as session:
        try:
            row = confirm_period(session, period=period, actor=Actor.system("cli"))
            session.commit()
        except DomainError as e:
            session.rollback()
            raise click.ClickException(error_text(e)) from None
    click.echo(f"{row.period} {row.status.value}")


@click.command("verify-ledger")
@with_appcontext
def verify_ledger_command():
    """Check the ledger; exit 1 naming the first difference."""
    with session_scope(_engine()) as session:
        report = verify_ledger(session)
        session.rollback()
    if report.ok:
        click.echo(
            f"ledger ok: {report.transactions} transactions, {report.lines} billed lines, "
            f"{report.statements} statements"
        )
        return
    click.echo(f"ledger check FAILED: {report.problem}", err=True)
    raise SystemExit(1)


COMMANDS = [close_period_command, confirm_period_command, verify_ledger_command]
