"""The per-request database session, opened lazily and closed at teardown.

A GET never writes: the session refuses to flush changes during a GET or HEAD request unless the view
declares itself the exception (`g.get_writes = True`, only the counted file download). Views commit
through `marketplace.web.boundary.perform`.
"""

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlmodel import Session


class GetWroteError(RuntimeError):
    """A GET request tried to write to the database."""


def get_db() -> Session:
    """This request's session (created on first use)."""
    if "db" not in g:
        g.db = Session(current_app.extensions["engine"], expire_on_commit=False)
        event.listen(g.db, "before_flush", _refuse_writes_on_get)
    return g.db


def _refuse_writes_on_get(session: Session, _flush_context, _instances) -> None:
    if not (session.new or session.dirty or session.deleted) or not has_request_context():
        return
    if request.method in ("GET", "HEAD") and not g.get("get_writes"):
        raise GetWroteError(f"GET {request.path} tried to write to the database")


def close_db(_exc=None) -> None:
    """Roll back whatever the request left open and return the connection."""
    session = g.pop("db", None)
    if session is not None:
        session.close()
