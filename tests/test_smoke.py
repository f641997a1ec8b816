def test_home_renders_in_chinese(web):
    html = web.get("/").get_data(as_text=True)
    assert "公共数据交易平台" in html


def test_login_logout(web, session):
    from tests.factories import make_user

    user = make_user(session, "buyer")
    web.login(user.email)
    assert user.email in web.get("/account").get_data(as_text=True)
    web.logout()
    assert web.get("/account").status_code == 302
