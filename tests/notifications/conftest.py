"""Notification fixtures: the supply world and API entitlements of the gateway tests, and small readers."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.models.notifications import Notification
from tests.gateway.conftest import gw_app, make_api  # noqa: F401  (fixtures used by the quota tests)
from tests.supply.conftest import World


@pytest.fixture
def world(session) -> World:
    return World(session)


def actor_of(user) -> Actor:
    return Actor(user_id=user.id, label=user.email, org_id=user.org_id)


def notes(session, **where) -> list[Notification]:
    """Notifications (optionally filtered by column values), oldest first, read fresh."""
    session.expire_all()
    query = select(Notification).order_by(Notification.id)
    for column, value in where.items():
        query = query.where(getattr(Notification, column) == value)
    return list(session.execute(query).scalars())


def summary(session, **where) -> list[tuple]:
    """(user_id, kind, subject_type, subject_id) of each notification."""
    return [(n.user_id, n.kind, n.subject_type, n.subject_id) for n in notes(session, **where)]


def params(n: Notification) -> dict:
    return json.loads(n.params)
