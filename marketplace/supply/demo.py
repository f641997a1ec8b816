"""Demo catalog: agreements of the three operating models, broker qualifications and mandates, caps,
and 60+ products of all five types with texts from the shared exchange listings (providers left out)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor
from marketplace.catalog_terms import DELIVERY_MODES
from marketplace.clock import today as exchange_today
from marketplace.models import Organization, Product, User
from marketplace.supply.agreements import AgreementIn, authority_actor, grant_agreement
from marketplace.supply.brokers import add_to_mandate, create_mandate, record_qualification
from marketplace.supply.cap_setting import set_cap
from marketplace.supply.importer import DELIVERY, is_per_call, read_rows, registration_code, row_data, row_plan
from marketplace.supply.listing import create_product, submit_revision
from marketplace.supply.review import approve_revision, reject_revision

DATA = Path(__file__).resolve().parents[1] / "demo_data"
CENTRAL = ["credit", "finance", "health", "environment", "weather", "market_regulation", "social_security",
           "agriculture", "energy", "urban", "geospatial", "education", "transport", "culture_tourism", "other"]
AGREEMENTS = {  # operator key → (title, domains, scenarios, years running, return bps)
    "op_central": ("省级公共数据授权运营协议（集中统一授权）", CENTRAL,
                   "全省公共数据集中授权一家运营单位，面向普惠金融、医疗健康、生态环境等场景", 2, 800),
    "op_regional": ("市级公共数据授权运营协议（分级分类授权）",
                    ["transport", "culture_tourism", "urban", "education", "geospatial", "weather", "other"],
                    "市级数据按领域授权，服务交通出行、文旅、城市治理场景", 1, 700),
    "op_finance": ("金融专区公共数据授权运营协议（场景授权）", ["finance", "credit", "market_regulation"],
                   "金融公共数据专区，面向银行信贷、保险、融资担保的可用不可见服务", 0, 600),
}
OPERATOR_OF = {d: "op_finance" for d in ("finance", "credit", "market_regulation")} | {
    d: "op_regional" for d in ("transport", "culture_tourism", "urban", "education")}
NEGOTIATED_CAP_FEN = 50_000_000  # ¥500,000: the 面议 cap of the demo listings
ROTATION = ["package", "report", "model", "service", "package", "report"]
OFFLINE_MODE = DELIVERY_MODES["offline"]
# Called for each product before submission so it can be delivered (files, a data API); see marketplace.demo_files.
Prepare = Callable[[Session, Product], None]


def _rows() -> list[dict]:
    """A fixed mix of real listings (per-call and one-off from Zhejiang, free and negotiated from Guiyang).

    They ship in marketplace/demo_data/listings.csv (taken from the DaDaDa data set, Apache-2.0), so the
    demo needs nothing outside the repository.
    """
    return read_rows(str(DATA / "listings.csv"))


def _agreements(session: Session, orgs: dict, actor: Actor, today) -> dict:
    out = {}
    for key, (title, domains, scenarios, years, ret) in AGREEMENTS.items():
        start = today - timedelta(days=365 * years + 30) if years else today - timedelta(days=90)
        out[key] = grant_agreement(session, actor=actor, authority_id=orgs["authority"].id,
                                   data=AgreementIn(
            operator_id=orgs[key].id, title=title, domains=domains, scenarios=scenarios, start_date=start,
            end_date=start + timedelta(days=365 * 5), allowed_return_bps=ret, platform_fee_bps=500,
            authority_share_bps=300 if key == "op_central" else 0,
            security_duties="落实数据分类分级保护；原始数据不出域，采用可用不可见方式提供；留存日志不少于六个月",
            exit_terms="协议终止或到期后，运营单位停止运营，产品下架，存储的公共数据及衍生副本封存销毁并出具证明"))
    return out


def _brokers(session: Session, orgs: dict, actor: Actor, today) -> dict:
    for n, key in enumerate(("broker_a", "broker_b"), start=1):
        record_qualification(session, actor=actor, broker_id=orgs[key].id, cert_no=f"SJJJR-2026-{n:04d}",
                             issuer="示例省数据交易协会", valid_from=today - timedelta(days=200),
                             valid_to=today + timedelta(days=900))
    term = {"start_date": today - timedelta(days=30), "end_date": today + timedelta(days=700)}
    return {
        "broker_a": create_mandate(session, actor=actor, operator_id=orgs["op_central"].id,
                                   broker_id=orgs["broker_a"].id, product_ids=[], commission_bps=800, **term),
        "broker_b": create_mandate(session, actor=actor, operator_id=orgs["op_regional"].id,
                                   broker_id=orgs["broker_b"].id, product_ids=[], commission_bps=1000, **term),
    }


def _plans(row: dict, ptype: str, i: int) -> list[dict]:
    plan = row_plan(row)
    plans = [plan]
    if plan["form"] == "per_call_flat" and i % 3 == 0:
        unit = Decimal(plan["unit_price_fen"])
        plans.append({"name": "累进阶梯", "form": "per_call_graduated", "free_quota": 100,
                      "tiers": [{"up_to": 10000, "unit_price_fen": str(unit)},
                                {"up_to": None, "unit_price_fen": str((unit * 8 / 10).quantize(Decimal("0.01")))}]})
    if plan["form"] == "one_off" and ptype in ("service", "report") and i % 2 == 0:
        plans.append({"name": "按年订阅", "form": "subscription_year", "period_months": 12,
                      "price_fen": plan["price_fen"] // 2 or 100})
    return plans


# The demo's data dictionaries by domain (the shared listings carry none): (field, type, meaning, masked, samples)
DEMO_FIELDS = {
    "finance": [("uscc", "string", "统一社会信用代码", False, ["91330100MA27XK1234", "91330106MA2CFK5678"]),
                ("loan_balance", "decimal", "贷款余额（万元）", False, ["1250.00", "86.50"]),
                ("overdue_days", "int", "当前逾期天数", False, ["0", "12"]),
                ("risk_level", "enum", "风险等级：A 低 / B 中 / C 高", False, ["A", "B"])],
    "credit": [("uscc", "string", "统一社会信用代码", False, ["91330100MA27XK1234", "91330106MA2CFK5678"]),
               ("ent_name", "string", "企业名称", True, ["杭州某某科技有限公司", "宁波某某贸易有限公司"]),
               ("penalty_count", "int", "近三年行政处罚次数", False, ["0", "2"]),
               ("credit_grade", "enum", "公共信用等级：A/B/C/D", False, ["A", "B"])],
    "transport": [("road_code", "string", "路段编号", False, ["G60-K132", "S2-K015"]),
                  ("stat_time", "datetime", "统计时间（15 分钟粒度）", False, ["2026-11-02 08:15", "2026-11-02 08:30"]),
                  ("flow", "int", "断面车流量（辆）", False, ["1380", "962"]),
                  ("avg_speed", "decimal", "平均车速（km/h）", False, ["62.5", "48.0"])],
    "weather": [("station_id", "string", "气象站编号", False, ["58457", "58562"]),
                ("obs_time", "datetime", "观测时间", False, ["2026-11-02 08:00", "2026-11-02 09:00"]),
                ("temperature", "decimal", "气温（℃）", False, ["14.2", "15.8"]),
                ("precipitation", "decimal", "小时降水量（mm）", False, ["0.0", "1.6"])],
    "health": [("org_code", "string", "医疗机构代码", False, ["330102001", "330106012"]),
               ("month", "date", "统计月份", False, ["2026-10-01", "2026-10-01"]),
               ("outpatient_visits", "int", "门诊人次", False, ["18230", "9410"]),
               ("bed_usage", "decimal", "床位使用率（%）", False, ["86.4", "72.1"])],
}
DEFAULT_FIELDS = [("region_code", "string", "行政区划代码", False, ["330100", "330200"]),
                  ("stat_date", "date", "统计日期", False, ["2026-10-31", "2026-10-31"]),
                  ("indicator", "string", "指标名称", False, ["企业数量", "从业人数"]),
                  ("value", "decimal", "指标值", False, ["1523", "48210"])]


def _dictionary(domain: str, i: int) -> tuple[list[dict], list[dict]]:
    """A plausible dictionary for the listing's domain, and two sample rows of it (masked fields masked)."""
    fields = DEMO_FIELDS.get(domain, DEFAULT_FIELDS)
    dictionary = [{"name": n, "type": kind, "meaning": meaning, "masked": masked}
                  for n, kind, meaning, masked, _values in fields]
    samples = [{n: (values[k][:2] + "**" if masked else values[(k + i) % 2]) for n, _kind, _m, masked, values in fields}
               for k in range(2)]
    return dictionary, samples


def _data(row: dict, i: int) -> dict:
    data = row_data(row)
    if not is_per_call(row):  # per-call listings stay APIs or models; the others rotate through the file types
        data["type"] = ROTATION[i % len(ROTATION)]
    data["delivery_mode"], data["offline_delivery"] = DELIVERY[data["type"]], False
    if data["type"] == "service" or i % 11 == 0:  # services, and some others, are delivered under contract
        data["offline_delivery"], data["delivery_mode"] = True, OFFLINE_MODE
    data["openness"] = "conditional" if i % 7 == 3 else "unconditional"
    data["security_grade"] = "important" if data["type"] in ("model", "api") and i % 5 == 0 else "general"
    data["region"] = ["福建省", "杭州市", "北京市", "全国", "浙江省"][i % 5]
    data["registration_code"] = registration_code(row)
    data["data_dictionary"], data["sample_rows"] = _dictionary(data["domain"], i)
    return data


def _caps(session: Session, actor: Actor, authority_id: int, product: Product, plans: list[dict]) -> None:
    for plan in plans:
        form = plan["form"]
        if form == "free_public":
            continue
        if form == "negotiated":  # R3: a 面议 listing's offers (one-off sums) are held to a one-off cap
            set_cap(session, actor=actor, product_id=product.id, charge_form="one_off", authority_id=authority_id,
                    cap_fen=Decimal(NEGOTIATED_CAP_FEN))
            continue
        base = Decimal(plan.get("price_fen") or plan.get("unit_price_fen") or plan["tiers"][0]["unit_price_fen"])
        set_cap(session, actor=actor, product_id=product.id, charge_form=form, authority_id=authority_id,
                cap_fen=(base * Decimal("1.25")).quantize(Decimal("0.01")))


def _reviewer(session: Session) -> Actor:
    user = session.execute(select(User).where(User.role == "reviewer").order_by(User.id)).scalars().first()
    return Actor(user.id, user.email, user.org_id) if user else Actor.system("demo-reviewer")


def load_catalog_demo(session: Session, orgs: dict[str, Organization], *,
                      prepare: Prepare | None = None) -> list[Product]:
    """Agreements, brokers, mandates, caps and the demo products; most listed, some in review, one rejected.

    `prepare(session, product)` makes each product deliverable before it is submitted; without it only the
    products declaring offline delivery pass review (the others stay drafts)."""
    actor, today = Actor.system("demo"), exchange_today()
    reviewer = _reviewer(session)
    authority = authority_actor(session, orgs["authority"].id)  # R5, R3: agreements and caps are the authority's
    agreements = _agreements(session, orgs, authority, today)
    mandates = _brokers(session, orgs, actor, today)
    products = []
    for i, row in enumerate(_rows()):
        data = _data(row, i)
        key = OPERATOR_OF.get(data["domain"], "op_central")
        broker = {"op_central": "broker_a", "op_regional": "broker_b"}.get(key) if i % 6 == 1 else None
        plans = _plans(row, data["type"], i)
        data["agreement_id"] = agreements[key].id
        product = create_product(session, actor=actor, operator_id=orgs[key].id, data=data, plans=plans,
                                 broker_id=orgs[broker].id if broker else None, today=today)
        _caps(session, authority, orgs["authority"].id, product, plans)
        if broker is None and key == "op_central" and i % 6 == 4:  # an operator's own product handed to a broker
            add_to_mandate(session, mandate=mandates["broker_a"], product_id=product.id)
        if prepare is not None:
            prepare(session, product)
        elif not data.get("offline_delivery"):
            products.append(product)
            continue
        revision = submit_revision(session, actor=actor, product_id=product.id, today=today)
        if i == 5:
            reject_revision(session, actor=reviewer, revision_id=revision.id,
                            reason="样例数据中姓名字段未按数据字典脱敏，请修改后重新提交")
        elif i % 16 not in (5, 9):  # these stay in the review queue
            approve_revision(session, actor=reviewer, revision_id=revision.id, today=today)
        products.append(product)
    session.flush()
    return products
