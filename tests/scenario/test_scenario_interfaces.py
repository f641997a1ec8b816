"""The interfaces later checks rely on, driven the way an outside check would: CLI, then HTTP."""

import os
from pathlib import Path

from marketplace.uscc import make_uscc
from tests.factories import PASSWORD

SHARED = Path(os.environ.get("SHARED_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data")
OPERATOR = make_uscc("91350100000777001")
BUYER = make_uscc("91350100000777002")


def _cli(runner, *args):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_from_cli_listing_to_metered_calls_and_usage(runner, client, tmp_path):
    _cli(runner, "create-user", "--email", "op@scenario.cn", "--password", PASSWORD, "--role", "operator",
         "--org-code", OPERATOR, "--org-name", "示例场景运营公司", "--org-kind", "operator")
    _cli(runner, "create-user", "--email", "buyer@scenario.cn", "--password", PASSWORD, "--role", "buyer",
         "--org-code", BUYER, "--org-name", "示例场景采购公司", "--org-kind", "enterprise")
    dataset = tmp_path / "companies.csv"
    dataset.write_text("uscc,name,city\n91350100M000100Y43,示例甲公司,福州\n91110000600037341L,示例乙公司,北京\n",
                       encoding="utf-8")
    slug = _cli(runner, "create-api-product", "--operator-code", OPERATOR, "--title", "场景企业查询",
                "--dataset", str(dataset), "--key", "uscc", "--price-per-call", "0.05", "--approve",
                "--registration-code", "FJ-API-2026-0900", "--cap-per-call", "0.05")
    key = _cli(runner, "grant-access", "--buyer-code", BUYER, "--product", slug, "--calls", "2")
    auth = {"Authorization": f"Bearer {key}"}

    listed = client.get("/api/v1/products?q=场景企业&type=api").get_json()
    assert [item["slug"] for item in listed["items"]] == [slug]
    assert f"/api/v1/data/{slug}" in client.get("/api/v1/openapi.json").get_data(as_text=True)

    assert client.get(f"/api/v1/data/{slug}?uscc=91350100M000100Y43").status_code == 401
    bad = client.get(f"/api/v1/data/{slug}?uscc=91350200MA2XN7KX5Q", headers=auth)  # wrong check digit
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameter"
    miss = client.get(f"/api/v1/data/{slug}?uscc={make_uscc('91350100000777009')}", headers=auth)  # not in the data
    assert miss.status_code == 404 and miss.get_json()["error"]["code"] == "not_found", miss.get_json()
    first = client.get(f"/api/v1/data/{slug}?uscc=91350100M000100Y43", headers=auth)
    assert first.status_code == 200 and "示例甲公司" in first.get_data(as_text=True)
    assert first.headers["X-Quota-Remaining"] == "1" and first.headers["X-Request-Id"]
    retry = client.get(f"/api/v1/data/{slug}?uscc=91350100M000100Y43",
                       headers={**auth, "Idempotency-Key": "k-1"})
    again = client.get(f"/api/v1/data/{slug}?uscc=91350100M000100Y43",
                       headers={**auth, "Idempotency-Key": "k-1"})
    assert retry.status_code == again.status_code == 200 and retry.get_data() == again.get_data()
    over = client.get(f"/api/v1/data/{slug}?uscc=91110000600037341L", headers=auth)
    assert over.status_code == 429 and over.get_json()["error"]["code"]

    usage = client.get("/api/v1/usage", headers=auth).get_json()
    # billable: the first call and the keyed retry (its replay is not a new call); not billed: 400, 404, 429
    assert [(u["product"], u["billable"], u["non_billable"], u["records"]) for u in usage["usage"]] == [
        (slug, 2, 3, 2)]
    assert usage["totals"] == {"billable": 2, "non_billable": 3, "records": 2}
    assert _cli(runner, "verify-audit").startswith("audit chain intact")


def test_import_both_shared_listings_waits_for_their_dictionaries(runner, client):
    _cli(runner, "create-user", "--email", "op2@scenario.cn", "--password", PASSWORD, "--role", "operator",
         "--org-code", OPERATOR, "--org-name", "示例场景运营公司", "--org-kind", "operator")
    for name in ("exchange-listings-guiyang.csv", "exchange-listings-zhejiang.csv"):
        result = runner.invoke(args=["import-products", str(SHARED / name), "--operator-code", OPERATOR,
                                     "--approve"])
        assert result.exit_code == 0, result.output
        assert "kept as drafts until their data dictionary is filled in" in result.output
    # The source listings name no fields (数据字典待补充): none reaches review or the catalog before its dictionary.
    assert client.get("/api/v1/products?q=信用&per_page=5").get_json()["total"] == 0
    assert runner.invoke(args=["enforce-terms"]).exit_code == 0
