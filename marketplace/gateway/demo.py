"""Demo API products with generated datasets, a buyer entitlement with a key, and some past usage."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.clock import local_now, today
from marketplace.gateway import demo_text
from marketplace.gateway.datasets import Definition, Table
from marketplace.gateway.masking import FieldRule
from marketplace.gateway.provision import ApiProductIn, create_api_product, grant_access
from marketplace.models import ApiKey, Organization, Product, UseType
from marketplace.models.metering import QuotaCounter, UsageEvent
from marketplace.supply.agreements import authority_actor
from marketplace.uscc import make_uscc
from pricing import ChargeForm, PlanTerms, Tier

CITIES = ("福州", "厦门", "泉州", "漳州", "莆田", "宁德", "南平", "三明", "龙岩")
WEATHER = ("晴", "多云", "阴", "小雨", "中雨", "雷阵雨")
INDUSTRIES = ("软件和信息技术服务业", "批发业", "道路运输业", "专用设备制造业", "商务服务业", "零售业")
WORDS = ("海峡", "闽江", "榕城", "鼓浪", "武夷", "东南", "清源", "九龙", "太姥", "三坊")
SURNAMES = "王李张刘陈杨黄赵吴周林郑"
GIVEN = ("伟", "芳", "敏", "静", "磊", "洋", "婷", "强", "军", "杰", "娜", "涛")


def enterprises(n: int = 300, seed: int = 5) -> list[dict]:
    """Fictional enterprises with valid unified social credit codes (R12)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        uscc = make_uscc(f"91350{rng.choice('0127')}00{i:08d}"[:17].ljust(17, "0"))
        founded = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
        rows.append({
            "uscc": uscc, "name": f"示例{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(INDUSTRIES)[:2]}有限公司{i}",
            "legal_rep": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN)),
            "reg_capital": str(rng.choice((50, 100, 300, 500, 1000, 2000, 5000)) * 10000),
            "established": founded.isoformat(), "industry": rng.choice(INDUSTRIES),
            "credit_rating": rng.choice(("A", "A", "B", "B", "C", "D")),
            "phone": f"13{rng.randrange(10**9):09d}",
            "address": f"福建省{rng.choice(CITIES)}市示例路{rng.randrange(1, 999)}号",
            "status": rng.choice(("存续", "存续", "存续", "在业", "注销")),
        })
    return rows


def weather_rows(days: int = 60) -> list[dict]:
    """Daily weather per city for the last `days` days."""
    rng, start = random.Random(7), today() - timedelta(days=days)
    return [{"city": c, "date": (start + timedelta(days=d)).isoformat(), "weather": rng.choice(WEATHER),
             "temp_high": str(rng.randrange(18, 34)), "temp_low": str(rng.randrange(8, 18)),
             "aqi": str(rng.randrange(15, 120))} for c in CITIES for d in range(days + 1)]


def _table(rows: list[dict]) -> Table:
    return Table(tuple(rows[0]), rows)


def _plan(name: str, **terms) -> dict:
    return {"name": name, **PlanTerms(**terms).validate().to_dict()}


CREDIT_RULES = (FieldRule("name"), FieldRule("legal_rep", "keep", first=1), FieldRule("reg_capital", "range",
                step=1_000_000), FieldRule("established", "year"), FieldRule("industry"), FieldRule("credit_rating"),
                FieldRule("phone", "keep", first=3, last=4), FieldRule("address", "keep", first=6),
                FieldRule("status"))


def _products(session: Session, orgs: dict[str, Organization], actor: Actor, reviewer: Actor,
              authority: Actor) -> list[Product]:
    firms = enterprises()
    credit = create_api_product(
        session, actor=actor, reviewer=reviewer, operator=orgs["op_central"], approve=True, table=_table(firms),
        cap_setter=authority,
        definition=Definition(key_fields=("uscc",), rules=CREDIT_RULES), source_name="demo-enterprises.csv",
        data=ApiProductIn(slug="enterprise-credit-profile",
                          registration_code="FJ-API-2026-0001", title="企业信用画像查询接口", domain="credit",
                          summary="按统一社会信用代码查询企业信用画像（脱敏）", description_md=demo_text.CREDIT,
                          caps=((ChargeForm.PER_CALL_FLAT, Decimal(80)), (ChargeForm.PER_CALL_GRADUATED, Decimal(80))),
                          plans=(_plan("按次计费（含每月100次免费）", form=ChargeForm.PER_CALL_FLAT,
                                       unit_price_fen="50", free_quota=100),
                                 _plan("累进阶梯", form=ChargeForm.PER_CALL_GRADUATED,
                                       tiers=_tiers(((1000, "60"), (None, "40")))))))
    verify = create_api_product(
        session, actor=actor, reviewer=reviewer, operator=orgs["op_finance"], approve=True, table=_table(firms),
        cap_setter=authority,
        definition=Definition(key_fields=("uscc",), match_fields=("name", "legal_rep"), verification=True),
        source_name="demo-enterprises.csv",
        data=ApiProductIn(slug="enterprise-three-factor-check",
                          registration_code="FJ-API-2026-0002", title="企业三要素核验接口", domain="finance",
                          summary="企业名称、统一社会信用代码、法定代表人一致性核验", description_md=demo_text.VERIFY,
                          caps=((ChargeForm.PER_CALL_FLAT, Decimal(30)),),
                          plans=(_plan("按次计费", form=ChargeForm.PER_CALL_FLAT, unit_price_fen="20"),)))
    weather = create_api_product(
        session, actor=actor, reviewer=reviewer, operator=orgs["op_regional"], approve=True, cap_setter=authority,
        table=_table(weather_rows()), source_name="demo-weather.csv",
        definition=Definition(key_fields=("city", "date"), rules=tuple(FieldRule(c) for c in (
            "city", "date", "weather", "temp_high", "temp_low", "aqi"))),
        data=ApiProductIn(slug="city-daily-weather",
                          registration_code="HZ-API-2026-0003", title="城市逐日天气查询接口", domain="weather",
                          summary="按城市和日期查询天气与空气质量", description_md=demo_text.WEATHER,
                          caps=((ChargeForm.PREPAID_CALLS, Decimal(6000)),),
                          plans=(_plan("预付费1000次", form=ChargeForm.PREPAID_CALLS, price_fen=5000,
                                       package_calls=1000),)))
    return [credit, verify, weather]


def _tiers(pairs):
    return tuple(Tier(up_to=u, unit_price_fen=p) for u, p in pairs)


def _past_usage(session: Session, ent, key_id: int, days: int = 14) -> None:
    """Some billable and non-billable calls on the last days, so the usage pages have something to show."""
    rng, used = random.Random(11), 0
    for back in range(days, 0, -1):
        at = local_now().replace(hour=10, minute=0) - timedelta(days=back)
        for i in range(rng.randrange(3, 25)):
            billable = rng.random() > 0.15
            used += billable
            session.add(UsageEvent(request_id="req_" + uuid.uuid4().hex, api_key_id=key_id, entitlement_id=ent.id,
                                   product_id=ent.product_id, buyer_org_id=ent.buyer_org_id, plan_id=ent.plan_id,
                                   at=at + timedelta(minutes=i), day=at.date().isoformat(),
                                   status=200 if billable else 404, billable=billable, records=int(billable)))
    session.get(QuotaCounter, ent.id).used = used


def load_gateway_demo(session: Session, orgs: dict[str, Organization]) -> list[Product]:
    """Three callable API products and a demo buyer entitlement with a key (the plaintext is not kept)."""
    actor, reviewer = Actor.system("demo"), Actor.system("demo-reviewer")
    authority = authority_actor(session, orgs["authority"].id)  # the caps are the authority's
    products = _products(session, orgs, actor, reviewer, authority)
    ent, _plaintext = grant_access(session, actor=actor, buyer=orgs["buyer_a"], product=products[0],
                                   use=UseType.INDUSTRY)
    session.flush()

    key = session.execute(select(ApiKey).where(ApiKey.entitlement_id == ent.id)).scalar_one()
    _past_usage(session, ent, key.id)
    grant_access(session, actor=actor, buyer=orgs["buyer_a"], product=products[1], calls=500)
    session.flush()
    return products
