"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import marketplace.models  # noqa: F401
from marketplace.db import make_engine
from marketplace.migrate import upgrade_database


def _extra_index_names() -> set[str]:
    from marketplace.catalog.search import SORT_AND_FACET_INDEXES

    return {f"ix_product_{name}" for name, _ in SORT_AND_FACET_INDEXES} | {
        "ix_product_search_vector", "ix_product_facet_search"}


def _ignore_extras(obj, name, type_, reflected, compare_to):
    """Full-text search tables, columns and indexes come from schema EXTRAS, not the models."""
    if not (reflected and compare_to is None):
        return True
    if type_ == "table":
        return not (name == "alembic_version" or (name or "").startswith("product_fts"))
    if type_ == "index":
        return name not in _extra_index_names()
    if type_ == "column":
        return name != "search_vector"
    return True


@pytest.fixture
def empty_url(backend, tmp_path, request):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.db'}"
    server = request.getfixturevalue("pg_server")
    return server.create_database(f"migrate_{tmp_path.name[-8:].lower().replace('-', '_')}")


def test_migrations_match_models(empty_url):
    upgrade_database(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _ignore_extras})
            diff = compare_metadata(ctx, SQLModel.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrating_twice_is_a_no_op(empty_url):
    upgrade_database(empty_url)
    upgrade_database(empty_url)
