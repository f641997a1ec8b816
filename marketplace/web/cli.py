"""Flask CLI commands: `flask --app app <command>`."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from marketplace import accounts
from marketplace.audit import Actor, Checkpoint, CheckpointError, rekey_legacy_chain, verify_audit, write_checkpoint
from marketplace.billing.errors import BillingError
from marketplace.billing.receipts import seal_day
from marketplace.catalog.popular import refresh_popularity
from marketplace.clock import today as today_local
from marketplace.db import session_scope
from marketplace.demo import load_demo
from marketplace.errors import DomainError
from marketplace.models import Organization
from marketplace.web.error_text import error_text
from marketplace.web.orders.display import delivery_dir


def _engine():
    return current_app.extensions["engine"]


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True)
@click.option("--org-code", help="USCC of the organization")
@click.option("--org-name")
@click.option("--org-kind", help="authority, operator, broker, enterprise or exchange")
@click.option("--name", default="")
@with_appcontext
def create_user_command(email, password, role, org_code, org_name, org_kind, name):
    """Create a user, and its organization when it does not exist yet."""
    actor = Actor.system("cli")
    with session_scope(_engine()) as session:
        try:
            if org_code:
                org = accounts.find_or_create_org(session, actor=actor, uscc=org_code, name=org_name, kind=org_kind)
            else:  # bootstrap: exchange staff join the exchange's own organization, made when there is none
                org = accounts.exchange_org_for(session, actor=actor, role=role, name=org_name,
                                                uscc=os.environ.get("EXCHANGE_USCC"))
            user = accounts.create_user(session, actor=actor, email=email, password=password, role=role,
                                        org=org, name=name)
            session.commit()
        except DomainError as e:
            session.rollback()
            raise click.ClickException(error_text(e)) from None
        click.echo(f"created user {user.email} ({user.role.value}) in {org.name} [{org.uscc}]")


def _read_checkpoint(path: str) -> Checkpoint:
    try:
        return Checkpoint.from_document(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError) as e:  # CheckpointError and JSONDecodeError are ValueErrors
        raise click.ClickException(f"cannot read checkpoint {path}: {e}") from None


@click.command("audit-checkpoint")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="file to write the signed checkpoint to (keep it outside the database host)")
@with_appcontext
def audit_checkpoint_command(out):
    """Sign the audit chain's length and head hash now; store it and write it to FILE."""
    with session_scope(_engine()) as session:
        try:
            row = write_checkpoint(session, written_by="cli")
        except CheckpointError as e:
            raise click.ClickException(str(e)) from None
        session.commit()
    doc = Checkpoint.of_row(row).document()
    Path(out).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    click.echo(f"checkpoint written to {out}: {row.record_count} records, head {row.head_hash[:16]}…")


@click.command("audit-rekey")
@with_appcontext
def audit_rekey_command():
    """Key an audit trail written before AUDIT_KEY existed (only when it verifies intact as it was)."""
    with session_scope(_engine()) as session:
        try:
            count = rekey_legacy_chain(session)
            if count:
                write_checkpoint(session, written_by="audit-rekey")
        except CheckpointError as e:
            raise click.ClickException(str(e)) from None
        session.commit()
    click.echo(f"re-keyed {count} audit records" if count else "the audit chain is already keyed with AUDIT_KEY")


@click.command("verify-audit")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="a checkpoint file from audit-checkpoint or the audit page; may be repeated")
@with_appcontext
def verify_audit_command(checkpoints):
    """Check the audit hash chain (and checkpoints); exit non-zero naming the first bad record."""
    given = tuple(_read_checkpoint(p) for p in checkpoints)
    with session_scope(_engine()) as session:
        report = verify_audit(session, checkpoints=given)
    if report.ok:
        suffix = f", matches {len(given)} checkpoint file(s)" if given else ""
        click.echo(f"audit chain intact: {report.count} records{suffix}")
        return
    click.echo(f"audit chain BROKEN at record #{report.first_bad_id}: {report.problem} "
               f"({report.count} records verified before it)", err=True)
    raise SystemExit(1)


@click.command("load-demo")
@with_appcontext
def load_demo_command():
    """Load the demo data into the current database (empty databases only)."""
    with session_scope(_engine()) as session:
        if session.execute(select(Organization.id).limit(1)).first() is not None:
            click.echo("the database is not empty (the app loads the demo on first start unless DEMO_DATA=0)", err=True)
            raise SystemExit(1)
        load_demo(session, delivery_dir())
        session.commit()
    click.echo("demo data loaded")


@click.command("seal-usage")
@click.argument("day", required=False)
@with_appcontext
def seal_usage_command(day):
    """Seal the daily usage receipts of an ended day (default: yesterday), to run nightly; idempotent.

    Prints the day and how many receipts (entitlements with billable calls) it has. A day sealed before is checked
    and what late calls changed is sealed again. Billing seals any day of its month not sealed yet by itself.
    Then stores the catalog's popularity (the last 30 days' paid orders and calls, as on the home page).
    """
    today = today_local()
    try:
        on = date.fromisoformat(day) if day else today - timedelta(days=1)
    except ValueError:
        raise click.UsageError("日期格式应为 YYYY-MM-DD，例如 2026-11-30") from None
    with session_scope(_engine()) as session:
        try:
            count = seal_day(session, day=on, today=today)
            refresh_popularity(session)
        except BillingError as e:
            session.rollback()
            raise click.UsageError(error_text(e)) from None
        session.commit()
    click.echo(f"{on.isoformat()} {count}")


def register_cli(app) -> None:
    """Attach every command to the app."""
    for command in (create_user_command, verify_audit_command, audit_checkpoint_command, audit_rekey_command,
                    load_demo_command, seal_usage_command):
        app.cli.add_command(command)
    from marketplace.web.supply.cli import COMMANDS as supply_commands  # import-products, enforce-terms

    for command in supply_commands:
        app.cli.add_command(command)
    from marketplace.web.catalog.cli import COMMANDS as catalog_commands  # reindex-catalog

    for command in catalog_commands:
        app.cli.add_command(command)
    from marketplace.web.money.cli import COMMANDS as money_commands  # export-statements

    for command in money_commands:
        app.cli.add_command(command)
    from marketplace.web.gateway.cli import COMMANDS as gateway_commands  # grant-access, create-api-product

    for command in gateway_commands:
        app.cli.add_command(command)
    from marketplace.web.billing.cli import COMMANDS as billing_commands  # bill-usage, suspend-overdue

    for command in billing_commands:
        app.cli.add_command(command)
    from marketplace.web.settlement.cli import COMMANDS as settlement_commands  # close-period, verify-ledger

    for command in settlement_commands:
        app.cli.add_command(command)
    from marketplace.web.notifications.cli import COMMANDS as notification_commands  # notify-due
    from marketplace.web.returns.cli import COMMANDS as return_commands  # return-report

    for command in [*notification_commands, *return_commands]:
        app.cli.add_command(command)
