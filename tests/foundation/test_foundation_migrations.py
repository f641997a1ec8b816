"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import ast
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import marketplace.models  # noqa: F401
from marketplace.catalog.search import SORT_AND_FACET_INDEXES
from marketplace.db import make_engine
from marketplace.migrate import alembic_config, upgrade_database
from marketplace.schema import create_schema

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def _extra_index_names() -> set[str]:
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


def _schema_of(url: str) -> dict:
    """Tables with their columns and indexes, and the Alembic revision, as the database reports them."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    return {"revision": revision, **_schema_of_tables(url)}


def test_migrating_twice_is_a_no_op(empty_url):
    upgrade_database(empty_url)
    first = _schema_of(empty_url)
    upgrade_database(empty_url)
    assert _schema_of(empty_url) == first
    assert first["revision"] == ScriptDirectory.from_config(alembic_config(empty_url)).get_current_head()
    assert "ix_product_facets" in first["product"][1] and "organization" in first


def test_migrations_build_the_search_extras_the_app_installs(empty_url, backend, tmp_path, request):
    """The frozen DDL of the migrations equals today's search extras (a change there needs a new migration)."""
    upgrade_database(empty_url)
    if backend == "sqlite":
        fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        fresh = request.getfixturevalue("pg_server").create_database(f"fresh_{tmp_path.name[-8:].lower()}")
    engine = make_engine(fresh)
    create_schema(engine)
    engine.dispose()
    migrated, created = _schema_of_tables(empty_url), _schema_of_tables(fresh)
    assert {k: v for k, v in migrated.items() if k != "alembic_version"} == created


def _schema_of_tables(url: str) -> dict:
    engine = make_engine(url)
    try:
        insp = inspect(engine)
        return {name: (sorted(c["name"] for c in insp.get_columns(name)),
                       sorted(i["name"] for i in insp.get_indexes(name)))
                for name in insp.get_table_names()}
    finally:
        engine.dispose()


def test_no_migration_imports_the_application():
    """An old migration must not change when application code does: only alembic and sqlalchemy."""
    allowed = {"alembic", "sqlalchemy", "sqlmodel", "__future__"}
    for path in sorted(VERSIONS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        roots = {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        roots |= {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert roots <= allowed, f"{path.name} imports {sorted(roots - allowed)}"


def _compression(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = 'usage_bill'::regclass "
                "AND attname IN ('receipts', 'lines')")).all()
            lz4 = conn.execute(text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()
        return {name: compression for name, compression in rows} | {"server has lz4": lz4}
    finally:
        engine.dispose()


def test_usage_bill_texts_are_compressed_with_lz4_after_migrations_and_after_create_schema(backend, empty_url,
                                                                                          request, tmp_path):
    if backend != "postgresql":
        pytest.skip("column compression is PostgreSQL's")
    upgrade_database(empty_url)
    fresh = request.getfixturevalue("pg_server").create_database(f"lz4_{tmp_path.name[-8:].lower()}")
    engine = make_engine(fresh)
    create_schema(engine)
    engine.dispose()
    expected = {"receipts": "l", "lines": "l", "server has lz4": True}  # Debian's PostgreSQL 15 is built with lz4
    assert _compression(empty_url) == expected and _compression(fresh) == expected
