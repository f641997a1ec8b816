"""`flask --app app reindex-catalog`: rebuild the search words and full-text index of every product."""

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace.catalog.search import reindex_all
from marketplace.db import session_scope
from marketplace.schema import install_extras


@click.command("reindex-catalog")
@with_appcontext
def reindex_catalog_command():
    """Re-segment every product and refill the full-text index (after a migration or a dictionary change)."""
    engine = current_app.extensions["engine"]
    with engine.begin() as connection:
        install_extras(connection)
    with session_scope(engine) as session:
        count = reindex_all(session)
        session.commit()
    click.echo(f"reindexed {count} products")


COMMANDS = [reindex_catalog_command]
