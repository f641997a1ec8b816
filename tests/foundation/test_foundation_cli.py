"""flask create-user: creates the organization when needed; clear non-zero exits on bad input."""

import pytest
from sqlalchemy import select

from marketplace.models import Organization, OrgKind, Role, User
from tests.factories import new_uscc


def test_create_user_with_new_organization(runner, session):
    code = new_uscc()
    result = runner.invoke(args=["create-user", "--email", "op@test.cn", "--password", "Tea-River-Lantern-42", "--role",
                                 "operator", "--org-code", code, "--org-name", "示例运营", "--org-kind", "operator"])
    assert result.exit_code == 0, result.output
    org = session.execute(select(Organization).where(Organization.uscc == code)).scalar_one()
    user = session.execute(select(User).where(User.email == "op@test.cn")).scalar_one()
    assert org.kind == OrgKind.OPERATOR and user.role == Role.OPERATOR and user.org_id == org.id


@pytest.mark.parametrize("args, message", [
    (["--role", "buyer", "--org-code", "123"], "18位"),
    (["--role", "wizard", "--org-code", "91350100M000100Y43", "--org-name", "X", "--org-kind", "enterprise"],
     "未知角色"),
    (["--role", "admin", "--org-code", "91350100M000100Y43", "--org-name", "X", "--org-kind", "enterprise"],
     "不能有 admin"),
    (["--role", "buyer", "--org-code", "91350100M000100Y43"], "需同时提供名称和类型"),
    (["--role", "buyer", "--org-code", "91350100M000100Y43", "--org-name", "X", "--org-kind", "pirate"],
     "未知的组织类型"),
    (["--role", "buyer"], "--org-code"),  # only exchange staff are bootstrapped without a code
])
def test_bad_input_exits_non_zero_with_message(runner, session, args, message):
    result = runner.invoke(args=["create-user", "--email", "x@test.cn", "--password", "Tea-River-Lantern-42", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert session.execute(select(User)).first() is None


def test_weak_password_refused(runner):
    result = runner.invoke(args=["create-user", "--email", "x@test.cn", "--password", "123", "--role", "buyer",
                                 "--org-code", "91350100M000100Y43", "--org-name", "X", "--org-kind", "enterprise"])
    assert result.exit_code != 0 and "至少 10 位" in result.output
