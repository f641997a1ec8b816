"""Hole 4, demo data: after load_demo every listed product can be delivered, and the catalog stays rich."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from marketplace.demo import load_demo
from marketplace.models import ApiDataset, Product, ProductStatus, ProductType
from marketplace.models.delivery import Deliverable
from marketplace.supply.deliverability import FILE_TYPES, delivery_gap


def test_every_listed_demo_product_is_deliverable(session, tmp_path):
    load_demo(session, tmp_path)
    listed = session.execute(select(Product).where(Product.status == ProductStatus.LISTED)).scalars().all()
    gaps = {
        p.slug: gap
        for p in listed
        if (gap := delivery_gap(session, product_id=p.id, ptype=p.type, offline=p.offline_delivery))
    }
    assert gaps == {}
    by_type = Counter(p.type for p in listed)
    assert all(by_type[t] >= 5 for t in ProductType), by_type  # many listed products of all five types
    assert sum(by_type.values()) >= 50
    for p in listed:  # file products ship a real file on disk; API products answer from a dataset
        if p.offline_delivery:
            continue
        if p.type in FILE_TYPES:
            files = session.execute(select(Deliverable).where(Deliverable.product_id == p.id)).scalars().all()
            assert files and all((tmp_path / f.stored_name).stat().st_size == f.size for f in files)
        else:
            dataset = session.execute(select(ApiDataset).where(ApiDataset.product_id == p.id)).scalar_one()
            assert dataset.row_count > 0
    assert any(p.offline_delivery for p in listed)
