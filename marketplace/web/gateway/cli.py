"""CLI: grant-access (an entitlement and key without payment) and create-api-product (from a CSV)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.clock import today as exchange_today
from marketplace.db import session_scope
from marketplace.errors import DomainError
from marketplace.gateway.datasets import Definition, parse_csv
from marketplace.gateway.masking import FieldRule
from marketplace.gateway.provision import ApiProductIn, create_api_product, grant_access, per_call_plan
from marketplace.models import Organization, Product, UseType
from marketplace.supply.agreements import authority_actor
from marketplace.supply.import_run import ensure_agreements
from marketplace.uscc import normalize_uscc
from marketplace.web.error_text import error_text
from pricing import PricingError, parse_yuan


def _org(session, code: str, what: str) -> Organization:
    org = session.execute(select(Organization).where(Organization.uscc == normalize_uscc(code))).scalar_one_or_none()
    if org is None:
        raise click.ClickException(f"{what} {code} 不存在")
    return org


@click.command("grant-access")
@click.option("--buyer-code", required=True, help="USCC of the buyer organization")
@click.option("--product", "slug", required=True, help="slug of the API product")
@click.option("--calls", type=click.IntRange(min=1), default=None, help="calls granted (default: per plan)")
@click.option("--use", type=click.Choice(["public", "industry"]), default="industry")
@with_appcontext
def grant_access_command(buyer_code, slug, calls, use):
    """Grant an entitlement without payment; prints the API key on the last line."""
    with session_scope(current_app.extensions["engine"]) as session:
        buyer = _org(session, buyer_code, "需求方")
        product = session.execute(select(Product).where(Product.slug == slug)).scalar_one_or_none()
        if product is None:
            raise click.ClickException(f"数据产品 {slug} 不存在")
        try:
            ent, plaintext = grant_access(session, actor=Actor.system("cli"), buyer=buyer, product=product,
                                          calls=calls, use=UseType(use))
            session.commit()
        except DomainError as e:
            session.rollback()
            raise click.ClickException(error_text(e)) from None
        click.echo(f"granted {product.slug} to {buyer.name} [{buyer.uscc}]: entitlement #{ent.id}, "
                   f"calls {calls if calls is not None else 'per plan'}, use {use}")
        click.echo(plaintext)


@click.command("create-api-product")
@click.option("--operator-code", required=True, help="USCC of the operating unit")
@click.option("--title", required=True)
@click.option("--dataset", "path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--key", "key_field", required=True, help="column looked up by the query parameter of that name")
@click.option("--price-per-call", default=None, help="yuan per call, e.g. 0.05 (default: free)")
@click.option("--domain", default="other", help="data domain code (default: other)")
@click.option("--registration-code", required=True, help="the product's national registration code (登记码)")
@click.option("--cap-per-call", default=None, help="yuan per call set as cap by the agreement's authority")
@click.option("--approve", is_flag=True, help="list it at once (review approved by the CLI)")
@with_appcontext
def create_api_product_command(operator_code, title, path, key_field, price_per_call, domain, registration_code,
                               cap_per_call, approve):
    """Define a per-call API product from a CSV; prints the slug on the last line.

    Without an agreement covering the domain, the authority of the operator's latest agreement grants one
    (through its own use case, audited in its name)."""
    with session_scope(current_app.extensions["engine"]) as session:
        operator = _org(session, operator_code, "运营单位")
        try:
            table = parse_csv(Path(path).read_bytes())
            price = parse_yuan(price_per_call) if price_per_call else None
            caps = (("per_call_flat", parse_yuan(cap_per_call)),) if cap_per_call else ()
            rules = tuple(FieldRule(name=c) for c in table.columns)
            actor = Actor.system("cli")
            agreement = ensure_agreements(session, actor=actor, operator=operator, domains={domain},
                                          today=exchange_today())[domain]
            product = create_api_product(
                session, actor=actor, operator=operator, table=table, approve=approve,
                cap_setter=authority_actor(session, agreement.authority_id),
                definition=Definition(key_fields=(key_field,), rules=rules), source_name=Path(path).name,
                data=ApiProductIn(title=title, domain=domain, plans=(per_call_plan(price),), caps=caps,
                                  registration_code=registration_code))
            session.commit()
        except PricingError as e:
            session.rollback()
            raise click.ClickException(f"--price-per-call：{e}") from None
        except DomainError as e:
            session.rollback()
            raise click.ClickException(error_text(e)) from None
        click.echo(f"created API product {product.title} ({product.status}): GET /api/v1/data/{product.slug}"
                   f"?{key_field}=<value>, {table and len(table.rows)} rows")
        click.echo(product.slug)


COMMANDS = (grant_access_command, create_api_product_command)
