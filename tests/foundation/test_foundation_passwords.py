"""Password strength (issue 10, failure 8): 10 to 128 characters, not guessable, same rule in the form and the CLI."""

import pytest
from sqlalchemy import select

from marketplace.accounts import AccountError, check_password
from marketplace.demo import DEMO_PASSWORD
from marketplace.models import User
from tests.factories import PASSWORD

REG = {
    "company_name": "示例密码测试有限公司",
    "uscc": "91350100M000100Y43",
    "taxpayer_kind": "general",
    "contact_name": "李四",
    "phone": "13800138000",
    "email": "pw@test.cn",
}
WEAK = ["password1", "demo1234", "aaaaaaa1", "1234567890", "qwertyuiop12", "passwordpassword", "pw@test.cn2026"]
TOO_LONG = "Tea-River-Lantern-42" + "x" * 100_001


@pytest.mark.parametrize("password", WEAK + [TOO_LONG])
def test_registration_refuses_weak_and_huge_passwords(web, session, password):
    resp = web.post("/register", dict(REG, password=password, password2=password))
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert any(m in body for m in ("太容易被猜到", "至少 10 位", "不能超过 128 位", "最多 128 个字")), body[:300]
    assert session.execute(select(User)).first() is None


def test_the_refusal_says_how_to_choose_a_better_password(web):
    body = web.post("/register", dict(REG, password="password1", password2="password1")).get_data(as_text=True)
    assert "三四个不相关的词" in body


@pytest.mark.parametrize("password", WEAK[:-1])  # the last one is weak only next to its own e-mail
def test_cli_refuses_the_same_weak_passwords(runner, session, password):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "x@test.cn",
            "--password",
            password,
            "--role",
            "buyer",
            "--org-code",
            "91350100M000100Y43",
            "--org-name",
            "X",
            "--org-kind",
            "enterprise",
        ]
    )
    assert result.exit_code != 0
    assert "太容易被猜到" in result.output or "至少 10 位" in result.output
    assert session.execute(select(User)).first() is None


@pytest.mark.parametrize("password", [DEMO_PASSWORD, PASSWORD, "correct horse battery staple", "x7#Lk9!qWm2$"])
def test_strong_passwords_pass(password):
    check_password(password)


def test_length_limits_are_10_and_128():
    with pytest.raises(AccountError, match="至少 10 位"):
        check_password("Kq7#mZ!p2")  # 9 characters, otherwise strong
    check_password("Kq7#mZ!p2w")
    with pytest.raises(AccountError, match="128"):
        check_password("Kq7#mZ!p2w" * 13)
