"""`flask --app app export-statements YYYY-MM --format csv|xlsx|pdf --out DIR`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace.db import session_scope
from marketplace.errors import DomainError
from marketplace.settlement.exports import FORMATS, export_period
from marketplace.settlement.exports.invoices import month_bounds
from marketplace.web.error_text import error_text


@click.command("export-statements")
@click.argument("period")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="csv, xlsx or pdf")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@with_appcontext
def export_statements_command(period: str, fmt: str, out_dir: Path):
    """Write one file per party statement of the period; prints each path."""
    with session_scope(current_app.extensions["engine"]) as session:
        try:
            month_bounds(period)  # refuses anything but YYYY-MM
            paths = export_period(session, period=period, fmt=fmt, out_dir=out_dir)
        except DomainError as e:
            raise click.ClickException(error_text(e)) from None
    if not paths:
        raise click.ClickException(f"结算周期 {period} 没有结算单")
    for path in paths:
        click.echo(str(path))


COMMANDS = [export_statements_command]
