"""Hole 4: a product is listable only when it can be delivered (files, an API definition, or offline delivery)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from marketplace.gateway.datasets import Definition, define_dataset, parse_csv
from marketplace.gateway.masking import FieldRule
from marketplace.models import AuditRecord, ProductRevision, ProductStatus, RevisionStatus
from marketplace.orders.delivery import upload_deliverable
from marketplace.supply.deliverability import NO_DEFINITION, NO_FILES, is_deliverable
from marketplace.supply.errors import ListingRefused
from marketplace.supply.listing import submit_revision
from marketplace.supply.review import approve_revision
from tests.supply.conftest import PLAN  # noqa: E402

ONE_OFF = {"name": "一次性购买", "form": "one_off", "price_fen": 50000}


def _create(world, **kw):
    """A draft product whose charged plans have caps in force (R3), so only deliverability decides."""
    product = world.create(**kw)
    world.cap(product, kw.get("plans", (PLAN,)))
    return product


def _submit(world, product):
    return submit_revision(world.session, actor=world.actor(world.op_user), product_id=product.id)


def _refusal(world, product) -> ListingRefused:
    with pytest.raises(ListingRefused) as info:
        _submit(world, product)
    return info.value


@pytest.mark.parametrize(
    ("ptype", "reason"),
    [
        ("package", NO_FILES),
        ("report", NO_FILES),
        ("api", NO_DEFINITION),
        ("model", NO_DEFINITION),
        ("service", NO_DEFINITION),
    ],
)
def test_product_that_cannot_be_delivered_is_refused_at_submission(world, ptype, reason):
    product = _create(world, type=ptype, offline_delivery=False, plans=[ONE_OFF])
    refused = _refusal(world, product)
    assert reason in refused.message and refused.field == "offline_delivery"
    failed = [c for c in refused.checks if not c["ok"]]
    assert [c["code"] for c in failed] == ["delivery"]
    world.session.expire_all()
    assert product.status == ProductStatus.DRAFT
    assert world.session.execute(
        select(ProductRevision.status).where(ProductRevision.product_id == product.id)
    ).scalars().all() == [RevisionStatus.DRAFT]
    assert not is_deliverable(world.session, product)


def test_package_with_a_file_is_listed(world, tmp_path):
    product = _create(world, type="package", offline_delivery=False, plans=[ONE_OFF])
    upload_deliverable(
        world.session,
        actor=world.actor(world.op_user),
        operator_org_id=world.operator.id,
        product_id=product.id,
        filename="data.csv",
        content=b"score\n87\n",
        storage_dir=tmp_path,
    )
    revision = _submit(world, product)
    checks = {c["code"]: c for c in json.loads(revision.checks)}
    assert checks["delivery"]["ok"] is True
    listed = approve_revision(world.session, actor=world.actor(world.reviewer), revision_id=revision.id)
    assert listed.status == ProductStatus.LISTED and is_deliverable(world.session, listed)


def test_api_with_a_definition_is_listed(world):
    product = _create(world, type="api", offline_delivery=False)
    table = parse_csv("uscc,score\n91350100MA2XXXXX1A,87\n")
    define_dataset(
        world.session,
        actor=world.actor(world.op_user),
        product=product,
        table=table,
        definition=Definition(key_fields=("uscc",), rules=(FieldRule("score"),)),
    )
    world.session.commit()
    revision = _submit(world, product)
    listed = approve_revision(world.session, actor=world.actor(world.reviewer), revision_id=revision.id)
    assert listed.status == ProductStatus.LISTED


def test_offline_delivery_makes_any_type_listable(world):
    product = _create(world, type="package", offline_delivery=True, plans=[ONE_OFF])
    revision = _submit(world, product)
    check = next(c for c in json.loads(revision.checks) if c["code"] == "delivery")
    assert check["ok"] and "线下" in check["message"]
    listed = approve_revision(world.session, actor=world.actor(world.reviewer), revision_id=revision.id)
    assert listed.offline_delivery is True and listed.status == ProductStatus.LISTED


def test_approval_rechecks_delivery(world, tmp_path):
    """Files withdrawn after submission: approval refuses and the product stays unlisted."""
    from marketplace.models.delivery import Deliverable

    product = _create(world, type="report", offline_delivery=False, plans=[ONE_OFF])
    item = upload_deliverable(
        world.session,
        actor=world.actor(world.op_user),
        operator_org_id=world.operator.id,
        product_id=product.id,
        filename="r.md",
        content="# 报告\n".encode(),
        storage_dir=tmp_path,
    )
    revision = _submit(world, product)
    world.session.get(Deliverable, item.id).active = False
    world.session.commit()
    with pytest.raises(ListingRefused) as info:
        approve_revision(world.session, actor=world.actor(world.reviewer), revision_id=revision.id)
    assert NO_FILES in info.value.text
    world.session.rollback()
    assert world.session.get(type(product), product.id).status == ProductStatus.IN_REVIEW
    approvals = world.session.execute(select(AuditRecord).where(AuditRecord.action == "product.approve")).all()
    assert approvals == []


def test_operator_defines_the_data_api_of_an_existing_draft_then_lists_it(web, world):
    """An API product awaiting its definition (e.g. an imported per-call listing) gets one through the page."""
    import io

    product = _create(world, type="api", offline_delivery=False)
    other = _create(world, type="package", offline_delivery=False, plans=[ONE_OFF])
    web.login(world.op_user.email)
    assert NO_DEFINITION in web.get(f"/supply/products/{product.id}").get_data(as_text=True)
    definition = json.dumps({"key_fields": ["uscc"], "fields": [{"name": "score", "rule": "none"}]})
    csv_file = (io.BytesIO(b"uscc,score\n91350100MA2XXXXX1A,87\n"), "scores.csv")
    refused = web.post(
        f"/supply/products/{other.id}/api",
        {"dataset": (io.BytesIO(b"a\n1\n"), "a.csv"), "definition": definition},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and "只有数据接口、数据模型和数据服务" in refused.get_data(as_text=True)
    resp = web.post(
        f"/supply/products/{product.id}/api",
        {"dataset": csv_file, "definition": definition},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert is_deliverable(world.session, product)
    revision = _submit(world, product)
    listed = approve_revision(world.session, actor=world.actor(world.reviewer), revision_id=revision.id)
    assert listed.status == ProductStatus.LISTED
    web.logout()
    stranger = _create(world, type="api", offline_delivery=False)  # same operator; now a foreign operator tries
    from tests.factories import make_user

    intruder = make_user(world.session, "operator")
    web.login(intruder.email)
    assert (
        web.post(
            f"/supply/products/{stranger.id}/api",
            {"dataset": (io.BytesIO(b"a\n1\n"), "a.csv"), "definition": definition},
            content_type="multipart/form-data",
        ).status_code
        == 404
    )
