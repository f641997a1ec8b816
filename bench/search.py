"""Catalog search benchmark: 100,000 products synthesized from the shared listings, queried like /products.

    python bench/search.py                      # temp SQLite database
    python bench/search.py --n 20000            # fewer products
    python bench/search.py --database-url postgresql+psycopg://...   # an EMPTY PostgreSQL database

Last line: `search p50 X ms p95 Y ms at N products`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.listings import plan_of, product_fields, read_listings  # noqa: E402
from marketplace.catalog.facet_index import rebuild_facets  # noqa: E402
from marketplace.catalog.queries import CatalogQuery, search_catalog  # noqa: E402
from marketplace.catalog.search import segment  # noqa: E402
from marketplace.catalog_terms import DOMAINS, PRODUCT_TYPES, REGIONS  # noqa: E402
from marketplace.db import make_engine  # noqa: E402
from marketplace.models import Agreement, Organization, OrgKind, PricePlan, Product  # noqa: E402
from marketplace.schema import create_schema  # noqa: E402
from marketplace.uscc import make_uscc  # noqa: E402
from pricing import (
    PlanTerms,  # noqa: E402
    entry_price_fen,  # noqa: E402
)

QUERIES = [
    ("信用", {}, "relevance"), ("交通", {}, "relevance"), ("气象", {}, "relevance"), ("企业信用", {}, "relevance"),
    ("API 信用", {}, "relevance"), ("ETC 通行", {}, "relevance"), ("医疗", {}, "newest"), ("电力 数据", {}, "popular"),
    ("身份证 核验", {}, "relevance"), ("手机号 实名", {}, "price_asc"), ("农业 种植", {}, "relevance"),
    ("物流", {"type": "api"}, "relevance"), ("工业", {"domain": "other"}, "price_desc"), ("企业", {}, "relevance"),
    ("数据", {}, "relevance"), ("数据", {"region": "浙江省"}, "newest"), ("旅游 景区", {}, "relevance"),
    ("税务", {}, "relevance"), ("银行 流水", {}, "relevance"), ("", {}, "newest"),
    ("", {"domain": "credit"}, "popular"),
    ("天气预报", {"price": "free"}, "relevance"), ("制造", {"charge_form": "one_off"}, "relevance"),
]
BATCH = 5000


def _orgs_and_agreements(session: Session) -> tuple[list[int], list[int]]:
    """Three operators with one live agreement each, plus an expired agreement (R5 filter is exercised)."""
    authority = Organization(name="示例省大数据管理局", uscc=make_uscc("11350000000000021"), kind=OrgKind.AUTHORITY)
    ops = [Organization(name=f"示例运营单位{i}有限公司", uscc=make_uscc(f"9135000000000003{i}"),
                        kind=OrgKind.OPERATOR) for i in range(3)]
    session.add_all([authority, *ops])
    session.flush()
    today = date.today()
    agreements = []
    for i, op in enumerate(ops + ops[:1]):
        expired = i == 3
        start = today - timedelta(days=800 if expired else 30)
        agreements.append(Agreement(code=f"BENCH-{i}", title=f"授权运营协议{i}", authority_id=authority.id,
                                    operator_id=op.id, domains=json.dumps(list(DOMAINS)), start_date=start,
                                    end_date=start + timedelta(days=365 if expired else 1000)))
    session.add_all(agreements)
    session.commit()
    return [o.id for o in ops], [a.id for a in agreements]


REGION_NAMES = tuple(REGIONS)  # the vocabulary is a dict (name: label to translate): its names, in order


def _row(i: int, src: dict, words: str, ops: list[int], agreements: list[int], rng: random.Random) -> tuple:
    """One synthesized product (and its plan) from a source listing."""
    fields, plan = src["fields"], src["plan"]
    variant, region = i // src["n"], REGION_NAMES[i % len(REGION_NAMES)]
    op_index = i % 3
    agreement = agreements[3] if i % 20 == 19 and op_index == 0 else agreements[op_index]
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    title = fields["title"] + (f"（{region}版{variant}）" if variant else "")
    product = {**fields, "slug": f"{fields['slug']}-{i}", "title": title,
               "status": "draft" if i % 50 == 7 else "listed", "operator_id": ops[op_index], "agreement_id": agreement,
               "summary": fields["description_md"][:120], "region": region,
               "openness": "conditional" if i % 7 == 0 else "unconditional", "security_grade": "general",
               "registration_code": f"REG-{i}", "delivery_mode": "", "version_notes": "", "data_dictionary": "",
               "sample_rows": "", "search_words": words, "popularity": rng.randint(0, 500),
               "min_price_fen": entry_price_fen(PlanTerms.from_dict(plan)), "created_at": now, "updated_at": now,
               "listed_at": now, "broker_id": None, "charge_forms": f" {plan['form']} "}
    return product, plan


def build(engine, n: int) -> None:
    """Create the schema and bulk-insert n products, their plans and full-text rows."""
    create_schema(engine)
    rng = random.Random(7)
    with Session(engine) as session:
        ops, agreements = _orgs_and_agreements(session)
    sources = []
    for row in read_listings():
        fields, plan = product_fields(row), plan_of(row)
        base = segment(" ".join([fields["title"], fields["description_md"], DOMAINS[fields["domain"]],
                                 PRODUCT_TYPES[fields["type"]]]))
        sources.append({"fields": fields, "plan": plan, "words": base})
    for s in sources:
        s["n"] = len(sources)
    region_words = {r: segment(r) for r in REGIONS}
    sqlite = engine.dialect.name == "sqlite"
    for start in range(0, n, BATCH):
        products, plans = [], []
        for i in range(start, min(n, start + BATCH)):
            src = sources[i % len(sources)]
            words = f"{src['words']} {region_words[REGION_NAMES[i % len(REGION_NAMES)]]}"
            product, plan = _row(i, src, words, ops, agreements, rng)
            product["id"] = i + 1
            products.append(product)
            plans.append({"product_id": i + 1, "name": "标准方案", "charge_form": plan["form"],
                          "terms": json.dumps(PlanTerms.from_dict(plan).to_dict()), "version": 1, "active": True,
                          "created_at": product["created_at"]})
        with engine.begin() as conn:
            conn.execute(Product.__table__.insert(), products)
            conn.execute(PricePlan.__table__.insert(), plans)
            if sqlite:
                conn.execute(text("INSERT INTO product_fts (rowid, words) VALUES (:id, :w)"),
                             [{"id": p["id"], "w": p["search_words"]} for p in products])
    with engine.begin() as conn:
        rebuild_facets(conn)  # bulk Core inserts bypass index_product
    tables = ("product", "price_plan", "product_facet", "facet_combo", "facet_count", "word_count")
    if sqlite:
        with engine.begin() as conn:
            for table in tables:
                conn.exec_driver_sql(f"ANALYZE {table}")
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT setval('product_id_seq', (SELECT max(id) FROM product))")
    # VACUUM too (what autovacuum reaches after a bulk load): the visibility map lets the facet count
    # read only the (agreement_id, combo_id) index.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")


def run(engine, rounds: int) -> list[float]:
    """Time every fixed query `rounds` times through search_catalog (with facets, like /products)."""
    timings = []
    with Session(engine) as session:
        for q, filters, sort in QUERIES:  # warm-up
            search_catalog(session, CatalogQuery(q=q, filters=filters, sort=sort))
        for _ in range(rounds):
            for q, filters, sort in QUERIES:
                t0 = time.perf_counter()
                result = search_catalog(session, CatalogQuery(q=q, filters=filters, sort=sort))
                timings.append((time.perf_counter() - t0) * 1000)
                if rounds == 1 or _ == 0:
                    print(f"  {q or '(all)'} {filters or ''} {sort}: {result.total} hits, {timings[-1]:.1f} ms")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of products")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: temp SQLite)")
    parser.add_argument("--reuse", help="SQLite file to keep and reuse between runs (built when missing)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    path = Path(args.reuse) if args.reuse else Path(tmp.name) / "bench.db"
    existed = path.exists()
    engine = make_engine(args.database_url or f"sqlite:///{path}")
    t0 = time.perf_counter()
    if not (existed and args.reuse):
        build(engine, args.n)
    print(f"built {args.n} products on {engine.dialect.name} in {time.perf_counter() - t0:.1f} s")
    timings = sorted(run(engine, args.rounds))
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    engine.dispose()
    tmp.cleanup()
    print(f"search p50 {statistics.median(timings):.1f} ms p95 {p95:.1f} ms at {args.n} products")


if __name__ == "__main__":
    main()
