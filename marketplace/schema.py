"""Schema objects beyond the tables: installed by migrations, and by tests on a fresh database."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import marketplace.models  # noqa: F401  registers every table
from marketplace.billing.storage import install_bill_compression
from marketplace.catalog.facet_index import install_facets
from marketplace.catalog.search import install_search
from marketplace.gateway.ratelimit import install_unlogged_buckets

# Functions that add what SQLModel metadata cannot express (full-text indexes, triggers).
EXTRAS: list[Callable[[Connection], None]] = [
    install_search, install_facets, install_unlogged_buckets, install_bill_compression]


def install_extras(connection: Connection) -> None:
    """Run every extra installer on a connection (idempotent installers only)."""
    for install in EXTRAS:
        install(connection)


def create_schema(engine: Engine) -> None:
    """Create all tables and extras on an empty database (tests; the app uses migrations)."""
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        install_extras(connection)
