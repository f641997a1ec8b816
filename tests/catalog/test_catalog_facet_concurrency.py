"""Writers of the same facet combination at once: facet_count and word_count still equal a recount, no deadlock."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlmodel import Session

from marketplace.catalog.search import index_product
from marketplace.models import Product
from tests.catalog.test_catalog_facet_index import _expected, _stored
from tests.factories import make_agreement, make_product

WRITERS = 4


def test_concurrent_moves_between_two_combinations_keep_the_counts(app, session, backend):
    if backend != "postgresql":
        pytest.skip("SQLite takes its write lock at BEGIN: two writers never overlap")
    agreement = make_agreement(session)
    ids = []
    for i in range(WRITERS):
        product = make_product(session, agreement=agreement, title=f"企业信用评分数据{i}")
        index_product(session, product)
        ids.append(product.id)
    session.commit()
    engine = app.extensions["engine"]
    errors: list[BaseException] = []

    def move(product_id: int, region: str, barrier: threading.Barrier) -> None:
        try:
            with Session(engine) as s:
                product = s.get(Product, product_id)
                product.region = region  # another combination: both facet keys and every word key change
                product.summary = f"{region}企业信用"  # and its words
                barrier.wait(timeout=30)
                index_product(s, product)
                s.commit()
        except BaseException as e:  # noqa: BLE001  reported below
            errors.append(e)

    for region in ("浙江省", "福建省", "浙江省"):
        barrier = threading.Barrier(WRITERS)
        threads = [threading.Thread(target=move, args=(pid, region, barrier)) for pid in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        session.expire_all()
        assert _stored(session) == _expected(session)  # _expected also checks facet_count and word_count
    regions = session.execute(select(Product.region).where(Product.id.in_(ids))).scalars().all()
    assert regions == ["浙江省"] * WRITERS
