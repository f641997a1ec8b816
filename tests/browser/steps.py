"""Steps the browser journeys share: the parties a journey starts from (arranged through the real use cases),
and what a user does in the browser (sign in, register, fill the product editor, read a figure)."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.clock import today
from marketplace.gateway.datasets import Definition, define_dataset, parse_csv
from marketplace.gateway.masking import FieldRule
from marketplace.models import OrgKind, Product, Role
from marketplace.orders.delivery import upload_deliverable
from marketplace.supply.agreements import AgreementIn, grant_agreement
from marketplace.supply.brokers import record_qualification
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.listing import create_product, submit_revision
from marketplace.supply.review import approve_revision
from pricing import PlanTerms, highest_unit_price
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_org, make_user

SYSTEM = Actor.system("journey")


def actor_of(user) -> Actor:
    return Actor(user.id, user.email, user.org_id)


# --- arranging: the parties and an operator's listed products (preconditions, not user actions) --------------


def arrange_exchange(app, *, start: date | None = None, end: date | None = None, platform_fee_bps: int = 500,
                     authority_share_bps: int = 0, allowed_return_bps: int = 800) -> SimpleNamespace:
    """Exchange staff (admin, reviewer, finance), an authority with its official, an operator with its user, and
    the agreement the authority granted the operator (credit and finance data)."""
    w = SimpleNamespace(app=app, engine=app.extensions["engine"])
    with Session(w.engine, expire_on_commit=False) as s:
        w.exchange = make_org(s, OrgKind.EXCHANGE, name="示例公共数据交易中心")
        w.admin = make_user(s, Role.ADMIN, org=w.exchange, email="admin@exchange.cn")
        w.reviewer = make_user(s, Role.REVIEWER, org=w.exchange, email="reviewer@exchange.cn")
        w.finance = make_user(s, Role.FINANCE, org=w.exchange, email="finance@exchange.cn")
        w.authority = make_org(s, OrgKind.AUTHORITY, name="示例市数据管理局")
        w.official = make_user(s, Role.AUTHORITY, org=w.authority, email="official@authority.cn")
        w.operator = make_org(s, OrgKind.OPERATOR, name="示例大数据运营有限公司")
        w.op_user = make_user(s, Role.OPERATOR, org=w.operator, email="seller@operator.cn")
        start = start or today() - timedelta(days=30)
        w.agreement = grant_agreement(s, actor=actor_of(w.official), authority_id=w.authority.id, data=AgreementIn(
            operator_id=w.operator.id, title="企业信用公共数据授权运营协议", domains=["credit", "finance"],
            start_date=start, end_date=end or start + timedelta(days=730), allowed_return_bps=allowed_return_bps,
            platform_fee_bps=platform_fee_bps, authority_share_bps=authority_share_bps, operation_started=start))
        s.commit()
    return w


def add_broker_and_buyer(s: Session, w, *, valid_from: date, valid_to: date) -> None:
    """The broker (qualified from `valid_from` to `valid_to`) and the buyer that the broker journeys share."""
    w.broker = make_org(s, OrgKind.BROKER, name="示例数据经纪服务有限公司")
    w.broker_user = make_user(s, Role.BROKER, org=w.broker, email="agent@broker.cn")
    w.buyer = make_org(s, OrgKind.ENTERPRISE, name="示例闽江小额贷款有限公司")
    w.buyer_user = make_user(s, Role.BUYER, org=w.buyer, email="risk@minjiang.cn")
    record_qualification(s, actor=SYSTEM, broker_id=w.broker.id, cert_no="JJR-FJ-2026-0042",
                         issuer="示例市数据管理局", valid_from=valid_from, valid_to=valid_to)


def product_data(**kw) -> dict:
    """Listing content a reviewer passes: credit data with a dictionary and a masked sample."""
    data = {"type": "api", "title": "企业信用评分接口", "summary": "按统一社会信用代码查询企业信用评分",
            "description_md": "## 说明\n返回企业名称与登记年份。", "domain": "credit", "region": "福建省",
            "openness": "unconditional", "security_grade": "general", "registration_code": "FJ-REG-0001",
            "update_frequency": "daily", "delivery_mode": "API 调用", "version_notes": "v1",
            "data_dictionary": [{"name": "name", "type": "string", "meaning": "企业名称", "masked": False}],
            "sample_rows": [{"name": "示例甲科技有限公司"}], "offline_delivery": False}
    data.update(kw)
    return data


def list_product(w, *, plans: list[dict], file: tuple[str, bytes] | None = None, dataset: str | None = None,
                 caps: dict[str, Decimal] | None = None, broker=None, lister=None, **content) -> Product:
    """An operator's product on sale: created, capped by the authority (at each plan's price unless `caps` says
    otherwise), its file or API data attached, submitted and approved by the reviewer."""
    with Session(w.engine, expire_on_commit=False) as s:
        product = create_product(s, actor=actor_of(lister or w.op_user), operator_id=w.operator.id,
                                 broker_id=broker.id if broker else None, data=product_data(**content), plans=plans)
        for form, cap in (caps or _caps_at_price(plans)).items():
            set_cap(s, actor=actor_of(w.official), product_id=product.id, charge_form=form, cap_fen=cap)
        if file is not None:
            w.app.config.setdefault("DELIVERY_DIR", str(Path(w.app.instance_path) / "deliveries"))
            upload_deliverable(s, actor=actor_of(w.op_user), operator_org_id=w.operator.id, product_id=product.id,
                               filename=file[0], content=file[1], storage_dir=Path(w.app.config["DELIVERY_DIR"]))
        if dataset is not None:
            table = parse_csv(dataset)
            key, *returned = table.columns
            define_dataset(s, actor=actor_of(w.op_user), product=product, table=table,
                           definition=Definition(key_fields=(key,), rules=tuple(FieldRule(c) for c in returned)))
        revision = submit_revision(s, actor=actor_of(lister or w.op_user), product_id=product.id)
        product = approve_revision(s, actor=actor_of(w.reviewer), revision_id=revision.id)
        s.commit()
        return product


def _caps_at_price(plans: list[dict]) -> dict[str, Decimal]:
    caps = {}
    for plan in plans:
        terms = PlanTerms.from_dict({k: v for k, v in plan.items() if k != "name"})
        if terms.form.value == "negotiated":
            caps["one_off"] = Decimal(2_000_000_00)  # a 面议 plan's offers are one-off prices
        elif terms.form.value != "free_public":
            caps[terms.form.value] = highest_unit_price(terms)
    return caps


# --- what a user does in the browser ----------------------------------------------------------------------


def login(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in on the login page (and land wherever the app sends this role)."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def logout(page) -> None:
    """The 退出 button in the header."""
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def register(page, base: str, *, company: str, uscc: str, contact: str, phone: str, email: str,
             password: str = PASSWORD) -> None:
    """The 企业注册 form, from the header link."""
    page.goto(f"{base}/")
    page.get_by_role("link", name="企业注册").click()
    page.fill("#company_name", company)
    page.fill("#uscc", uscc)
    page.fill("#contact_name", contact)
    page.fill("#phone", phone)
    page.fill("#email", email)
    page.fill("#password", password)
    page.fill("#password2", password)
    page.get_by_role("button", name="提交注册").click()
    page.wait_for_url(f"{base}/account")


class People:
    """Each person at their own browser (a context of the shared Chromium), so no one signs out for another.

    `with People(browser, base) as people: finance = people.signed_in(w.finance.email)`; closed at the end."""

    def __init__(self, browser, base: str) -> None:
        self.browser, self.base, self.contexts = browser, base, []

    def new_page(self, width: int = 1280):
        context = self.browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900},
                                           accept_downloads=True)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    def signed_in(self, email: str, password: str = PASSWORD, width: int = 1280):
        page = self.new_page(width)
        login(page, self.base, email, password)
        return page

    def __enter__(self) -> People:
        return self

    def __exit__(self, kind, error, trace) -> None:
        for n, context in enumerate(self.contexts):
            if kind is not None:  # what each person saw when the journey failed
                ARTIFACTS.mkdir(exist_ok=True)
                for page in context.pages:
                    page.screenshot(path=str(ARTIFACTS / f"journey-person-{n}.png"), full_page=True)
            context.close()


def submit_for_review(page) -> None:
    """In the product editor: save and submit; the page says it went to review."""
    page.get_by_role("button", name="保存并提交审核").click()
    page.wait_for_load_state()
    assert "已提交审核" in page.locator(".alert-success").last.inner_text()


def approve_listing(page) -> None:
    """On a review page: approve and list."""
    page.get_by_role("button", name="通过并上架").click()
    page.wait_for_load_state()


def click_and_wait(page, locator) -> None:
    """Click something that submits a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        locator.click()


def success_text(page) -> str:
    """The green flash message of the page."""
    return page.locator(".alert-success").first.inner_text()


MONEY = re.compile(r"-?¥-?[\d,]+\.\d{2}")


def fen(text: str) -> int:
    """The first ¥1,234.56 in a text, as fen."""
    found = MONEY.search(text)
    assert found, f"no amount in {text!r}"
    raw = found.group(0).replace("¥", "").replace(",", "")
    sign = -1 if raw.startswith("-") else 1
    yuan, cents = raw.lstrip("-").split(".")
    return sign * (int(yuan) * 100 + int(cents))


# --- the API, over real HTTP -------------------------------------------------------------------------------


@dataclass
class ApiAnswer:
    status: int
    body: dict
    headers: dict


def call_api(base: str, slug: str, key: str, **params) -> ApiAnswer:
    """GET /api/v1/data/<slug> with a Bearer key, as the buyer's own system would."""
    query = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in params.items())
    req = urllib.request.Request(f"{base}/api/v1/data/{slug}?{query}", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310  (loopback test server)
            return ApiAnswer(resp.status, json.loads(resp.read()), dict(resp.headers))
    except urllib.error.HTTPError as e:
        return ApiAnswer(e.code, json.loads(e.read() or b"{}"), dict(e.headers))


def shot(page, name: str) -> None:
    """A full-page screenshot into $JOURNEY_SHOTS when that is set (to look at a journey by hand), else nothing."""
    folder = os.environ.get("JOURNEY_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(1000)  # let the charts finish their animation
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
