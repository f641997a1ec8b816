"""The request boundary: perform() commits a use case once, or rolls it back and shows why."""

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from marketplace.audit import Actor, record_audit
from marketplace.errors import DomainError, NotFound
from marketplace.models import AuditRecord
from marketplace.web.boundary import form_status, perform
from marketplace.web.db import get_db


class NameForm(FlaskForm):
    name = StringField()


def _audits(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(AuditRecord)).scalar_one()


def _write(fail: type[Exception] | None = None):
    record_audit(get_db(), actor=Actor.system("t"), action="test.write", object_type="t", object_id=1)
    get_db().flush()
    if fail is not None:
        raise fail("名称不能为空", field="name")
    return "done"


def test_perform_commits_once_on_success(app, session):
    before = _audits(session)
    with app.test_request_context("/x", method="POST"):
        done = perform(_write)
        assert done and done.value == "done" and form_status() == 400
    assert _audits(session) == before + 1


def test_perform_rolls_back_and_puts_the_refusal_on_the_form(app, session):
    before = _audits(session)
    with app.test_request_context("/x", method="POST", data={}):
        app.config["WTF_CSRF_ENABLED"] = False
        form = NameForm()
        done = perform(lambda: _write(DomainError), form=form)
        assert not done and form.name.errors == ["名称不能为空"]
    assert _audits(session) == before


def test_perform_lets_not_found_reach_the_404_page(app, session):
    before = _audits(session)
    with app.test_request_context("/x", method="POST"), pytest.raises(NotFound):
        perform(lambda: _write(NotFound))
    assert _audits(session) == before
