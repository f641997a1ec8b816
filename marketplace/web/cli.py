"""Flask CLI commands: `flask --app app <command>`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace import accounts
from marketplace.audit import Actor, verify_chain
from marketplace.db import session_scope
from marketplace.demo import load_demo
from marketplace.errors import DomainError


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
            if not org_code:
                raise accounts.AccountError("请用 --org-code 指定组织的统一社会信用代码")
            org = accounts.find_or_create_org(session, actor=actor, uscc=org_code, name=org_name, kind=org_kind)
            user = accounts.create_user(session, actor=actor, email=email, password=password, role=role,
                                        org=org, name=name)
            session.commit()
        except DomainError as e:
            session.rollback()
            raise click.ClickException(e.message) from None
        click.echo(f"created user {user.email} ({user.role.value}) in {org.name} [{org.uscc}]")


@click.command("verify-audit")
@with_appcontext
def verify_audit_command():
    """Check the audit hash chain; exit non-zero naming the first bad record."""
    with session_scope(_engine()) as session:
        report = verify_chain(session)
    if report.ok:
        click.echo(f"audit chain intact: {report.count} records")
        return
    click.echo(f"audit chain BROKEN at record #{report.first_bad_id}: {report.problem} "
               f"({report.count} records verified before it)", err=True)
    raise SystemExit(1)


@click.command("load-demo")
@with_appcontext
def load_demo_command():
    """Load the demo data into the current database (empty databases only)."""
    with session_scope(_engine()) as session:
        load_demo(session)
    click.echo("demo data loaded")


def register_cli(app) -> None:
    """Attach every command to the app."""
    for command in (create_user_command, verify_audit_command, load_demo_command):
        app.cli.add_command(command)
    from marketplace.web.supply.cli import COMMANDS as supply_commands  # import-products, enforce-terms

    for command in supply_commands:
        app.cli.add_command(command)
    from marketplace.web.catalog.cli import COMMANDS as catalog_commands  # reindex-catalog

    for command in catalog_commands:
        app.cli.add_command(command)
    from marketplace.web.gateway.cli import COMMANDS as gateway_commands  # grant-access, create-api-product

    for command in gateway_commands:
        app.cli.add_command(command)
