"""`flask --app app return-report YYYY --operator USCC [--format xlsx|pdf] --out DIR`.

Also answers as `return-report --operator-code USCC --year YYYY --out DIR`; without --format it writes both files.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from marketplace.clock import today
from marketplace.db import session_scope
from marketplace.errors import DomainError
from marketplace.models import Organization
from marketplace.returns.exports import FORMATS, write_report


@click.command("return-report")
@click.argument("year_arg", required=False, type=int, metavar="YYYY")
@click.option("--year", "year_opt", type=int, help="the report's year (or give it as the argument)")
@click.option("--operator", "--operator-code", "uscc", required=True, help="USCC of the operator")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="xlsx or pdf (default: both)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@with_appcontext
def return_report_command(year_arg, year_opt, uscc, fmt, out_dir):
    """Write the operator's reasonable-return report of the year; prints each path."""
    year = year_arg or year_opt
    if year is None:
        raise click.ClickException("请给出年度（YYYY）")
    with session_scope(current_app.extensions["engine"]) as session:
        operator = session.execute(select(Organization).where(Organization.uscc == uscc.strip())).scalar_one_or_none()
        if operator is None:
            raise click.ClickException(f"没有统一社会信用代码为 {uscc} 的运营单位")
        try:
            paths = write_report(
                session,
                operator_id=operator.id,
                year=year,
                formats=(fmt,) if fmt else FORMATS,
                out_dir=out_dir,
                today=today(),
            )
        except DomainError as e:
            raise click.ClickException(e.text) from None
        session.rollback()  # read only
    for path in paths:
        click.echo(str(path))


COMMANDS = [return_report_command]
