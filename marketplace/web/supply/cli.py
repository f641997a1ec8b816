"""Supply CLI commands: import-products and enforce-terms."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace.audit import Actor
from marketplace.db import session_scope
from marketplace.errors import DomainError
from marketplace.supply.enforcement import enforce_terms
from marketplace.supply.import_run import import_products
from marketplace.web.error_text import error_text


@click.command("import-products")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--operator-code", required=True, help="USCC of the operator the listings belong to")
@click.option("--broker-code", default=None, help="USCC of the broker listing them (needs a mandate)")
@click.option("--approve", is_flag=True, help="list them at once, as a reviewer would")
@with_appcontext
def import_products_command(file, operator_code, broker_code, approve):
    """Import listings from a CSV in the shared exchange format."""
    with session_scope(current_app.extensions["engine"]) as session:
        try:
            report = import_products(session, actor=Actor.system("cli"), path=file, operator_code=operator_code,
                                     broker_code=broker_code, approve=approve, row_done=session.commit)
            session.commit()  # the boundary: rows were committed as they were done; this one covers a run of none
        except DomainError as e:
            session.rollback()
            raise click.ClickException(error_text(e)) from None
    for reason in report.refused:
        click.echo(f"refused: {reason}", err=True)
    state = "listed" if approve else "submitted for review"
    click.echo(f"imported {report.imported} products ({state}; {report.awaiting_definition} per-call listings kept as "
               f"API drafts awaiting their data API; {report.awaiting_dictionary} kept as drafts until their data "
               f"dictionary is filled in), skipped {report.skipped} already imported, refused {len(report.refused)}")


@click.command("enforce-terms")
@with_appcontext
def enforce_terms_command():
    """Expire agreements past their end date: delist, end entitlements, revoke keys, audit (R5)."""
    with session_scope(current_app.extensions["engine"]) as session:
        report = enforce_terms(session, actor=Actor.system("cli"))
        session.commit()
    click.echo(f"expired {report.agreements} agreements, delisted {report.products} products, "
               f"ended {report.entitlements} entitlements, revoked {report.keys} API keys")


COMMANDS = (import_products_command, enforce_terms_command)
