"""Disclosure pages: public without login, 404s, PDF text and bytes, operator publish, authority deadlines."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from marketplace.audit import Actor
from marketplace.clock import FixedClock, use_clock
from marketplace.disclosure.deadline import Standing, deadline, deadline_view
from marketplace.disclosure.publish import publish
from marketplace.models import Agreement, OrgKind, PricePlan, Role
from marketplace.models.disclosure import Disclosure
from tests.factories import make_org, make_product, make_user


@pytest.fixture
def published(session, listed):
    row = publish(session, actor=listed["actor"], operator_id=listed["operator"].id, year=2026).disclosure
    session.commit()
    return {**listed, "row": row}


def test_index_and_page_answer_without_login(web, published):
    uscc = published["operator"].uscc
    index = web.get("/disclosure")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "示例数据运营有限公司" in html and f"/disclosure/2026/{uscc}" in html and "第 1 版" in html
    page = web.get(f"/disclosure/2026/{uscc}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "企业信用数据包" in html and "¥100.00" in html and "¥0.05/次" in html and "已下架产品" not in html
    assert published["row"].content_hash in html and "集中统一授权" in html and "SQ-DISC-0001" in html


@pytest.mark.parametrize(
    "path",
    [
        "/disclosure/2026/91350000000000000X",
        "/disclosure/abcd/{uscc}",
        "/disclosure/1999/{uscc}",
        "/disclosure/2025/{uscc}",
        "/disclosure/99999/{uscc}",
        "/disclosure/2026/{uscc}?version=7",
        "/disclosure/2026/{uscc}/v9.pdf",
        "/disclosure/2030/{uscc}",
    ],
)
def test_unknown_operator_year_or_version_is_a_clear_404(web, published, path):
    resp = web.get(path.format(uscc=published["operator"].uscc))
    assert resp.status_code == 404
    assert "error-message" in resp.get_data(as_text=True)


def test_unknown_operator_is_named_in_the_404(web, published):
    resp = web.get("/disclosure/2026/91350000000000000X")
    assert resp.status_code == 404 and "没有统一社会信用代码为 91350000000000000X 的授权运营单位" in resp.get_data(
        as_text=True
    )


def test_a_bad_version_parameter_is_a_400(web, published):
    assert web.get(f"/disclosure/2026/{published['operator'].uscc}?version=abc").status_code == 400


def test_pdf_prints_the_published_version_and_is_byte_identical(web, published):
    url = f"/disclosure/2026/{published['operator'].uscc}/v1.pdf"
    first, second = web.get(url), web.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == second.data
    assert f"disclosure-2026-{published['operator'].uscc}-v1.pdf" in first.headers["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(first.data)).pages)
    for expected in (
        "示例数据运营有限公司",
        published["row"].content_hash,
        "企业信用数据包",
        "¥100.00",
        "¥0.05/次",
        "集中统一授权",
        "SQ-DISC-0001",
        "第 1 版",
    ):
        assert expected in text, expected
    assert "已下架产品" not in text


def test_version_history_shows_newest_by_default_and_old_on_request(web, session, published):
    plan = session.execute(select(PricePlan).where(PricePlan.product_id == published["package"].id)).scalar_one()
    plan.terms = '{"form": "one_off", "price_fen": 8000}'
    session.commit()
    publish(session, actor=published["actor"], operator_id=published["operator"].id, year=2026)
    session.commit()
    base = f"/disclosure/2026/{published['operator'].uscc}"
    newest = web.get(base).get_data(as_text=True)
    assert "¥80.00" in newest and "第 2 版" in newest and f"{base}?version=1" in newest.replace("&amp;", "&")
    old = web.get(f"{base}?version=1").get_data(as_text=True)
    assert "¥100.00" in old and "历史版本" in old


def test_english_page_renders(web, published):
    web.get("/lang/en?next=/disclosure")
    html = web.get(f"/disclosure/2026/{published['operator'].uscc}").get_data(as_text=True)
    assert 'lang="en"' in html and "Download PDF" in html and "Version history" in html
    assert "Caps set by the authority" in html and "Operating model" in html
    index = web.get("/disclosure").get_data(as_text=True)
    assert "Year 2026" in index and "Version 1" in index and "年度" not in index.split("<main")[1]


def test_operator_previews_and_publishes_with_confirmation(web, session, listed):
    web.login(listed["user"].email)
    page = web.get("/supply/disclosure")
    assert page.status_code == 200 and "企业信用数据包" in page.get_data(as_text=True)
    refused = web.post("/supply/disclosure", {"year": "2026"})
    assert refused.status_code == 400 and "请勾选确认后再发布" in refused.get_data(as_text=True)
    assert session.execute(select(func.count()).select_from(Disclosure)).scalar() == 0
    done = web.post("/supply/disclosure", {"year": "2026", "confirm": "y"})
    assert done.status_code == 302
    again = web.post("/supply/disclosure", {"year": "2026", "confirm": "y"}, follow_redirects=True)
    assert "未生成新版本" in again.get_data(as_text=True)
    rows = session.execute(select(Disclosure)).scalars().all()
    assert [(r.year, r.version, r.operator_id) for r in rows] == [(2026, 1, listed["operator"].id)]
    assert web.post("/supply/disclosure", {"year": "2031", "confirm": "y"}).status_code == 400


def test_last_years_draft_page_leaves_out_a_product_listed_this_year(web, session, listed):
    make_product(session, agreement=listed["agreement"], title="今年新上架产品", slug="d-new")  # listed today, 2027
    web.login(listed["user"].email)
    last_year = web.get("/supply/disclosure").get_data(as_text=True)  # the default year: 2026
    assert "2026 年度信息披露" in last_year and 'data-slug="b-api"' in last_year
    assert "今年新上架产品" not in last_year and 'data-slug="d-new"' not in last_year
    assert 'data-slug="d-new"' in web.get("/supply/disclosure?year=2027").get_data(as_text=True)
    assert web.post("/supply/disclosure", {"year": "2026", "confirm": "y"}).status_code == 302
    public = web.get(f"/disclosure/2026/{listed['operator'].uscc}").get_data(as_text=True)
    assert 'data-slug="a-package"' in public and "今年新上架产品" not in public


def _operator(session, authority, name):
    operator = make_org(session, OrgKind.OPERATOR, name=name)
    session.add(
        Agreement(
            code=f"SQ-{name}",
            title="协议（分级分类授权）",
            authority_id=authority.id,
            operator_id=operator.id,
            domains='["credit"]',
            start_date=date(2026, 1, 1),
            end_date=date(2028, 12, 31),
        )
    )
    session.commit()
    user = make_user(session, Role.OPERATOR, org=operator)
    return operator, Actor(user.id, user.email, operator.id)


def test_deadline_standings_move_with_the_clock(session):
    assert deadline(2026) == date(2027, 3, 31)
    authority = make_org(session, OrgKind.AUTHORITY)
    other = make_org(session, OrgKind.AUTHORITY)
    clock = FixedClock(datetime(2027, 3, 1, 4, tzinfo=UTC))
    with use_clock(clock):
        on_time, a = _operator(session, authority, "甲运营")
        late, b = _operator(session, authority, "乙运营")
        never, _c = _operator(session, authority, "丙运营")
        _operator(session, other, "丁运营")  # another authority's operator is not listed
        publish(session, actor=a, operator_id=on_time.id, year=2026)
        session.commit()
        due = {
            s.operator.name: (s.standing, s.days)
            for s in deadline_view(session, authority_id=authority.id, year=2026, today=date(2027, 3, 1))
        }
        assert due == {"甲运营": (Standing.PUBLISHED, 0), "乙运营": (Standing.DUE, 30), "丙运营": (Standing.DUE, 30)}
        clock.at = datetime(2027, 4, 5, 4, tzinfo=UTC)
        publish(session, actor=b, operator_id=late.id, year=2026)
        session.commit()
        after = {
            s.operator.name: (s.standing, s.days)
            for s in deadline_view(session, authority_id=authority.id, year=2026, today=date(2027, 4, 5))
        }
        assert after == {
            "甲运营": (Standing.PUBLISHED, 0),
            "乙运营": (Standing.LATE, 5),
            "丙运营": (Standing.OVERDUE, 5),
        }


def test_authority_deadline_page(web, session, published):
    user = make_user(session, Role.AUTHORITY, org=published["authority"])
    late, _actor = _operator(session, published["authority"], "未披露运营")
    web.login(user.email)
    html = web.get("/authority/disclosure?year=2026").get_data(as_text=True)
    assert "示例数据运营有限公司" in html and "已按期披露" in html and "未披露运营" in html
    assert "剩余 49 天" in html  # 2027-02-10 → 2027-03-31
    assert web.get("/authority/disclosure?year=abc").status_code == 400
