"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import marketplace.models  # noqa: F401
from marketplace.db import make_engine
from marketplace.migrate import upgrade_database


def _ignore_extras(obj, name, type_, reflected, compare_to):
    """Full-text search tables and indexes come from schema EXTRAS, not the models."""
    if type_ == "table" and reflected and compare_to is None:
        return name == "alembic_version" or "fts" in (name or "")
    if type_ == "index" and reflected and compare_to is None:
        return "search" in (name or "") or "fts" in (name or "")
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
