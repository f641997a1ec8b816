"""The per-request database session, opened lazily and closed at teardown."""

from flask import current_app, g
from sqlmodel import Session


def get_db() -> Session:
    """This request's session (created on first use)."""
    if "db" not in g:
        g.db = Session(current_app.extensions["engine"], expire_on_commit=False)
    return g.db


def close_db(_exc=None) -> None:
    """Roll back whatever the request left open and return the connection."""
    session = g.pop("db", None)
    if session is not None:
        session.close()
