"""Imported listings read well: the source exchange in Chinese, no placeholder dictionary."""

from __future__ import annotations

from marketplace.supply.demo import DEFAULT_FIELDS, DEMO_FIELDS, _dictionary
from marketplace.supply.importer import platform_name, row_data


def test_the_source_exchange_is_named_in_chinese():
    assert platform_name({"platform": "Zhejiang Big Data Exchange"}) == "浙江大数据交易中心"
    assert platform_name({"platform": "Guiyang Global Big Data Exchange"}) == "贵阳大数据交易所"
    assert platform_name({"platform": ""}) == "外部交易所"
    row = {"title": "企业信用报告", "description": "d", "price": "100", "platform": "Zhejiang Big Data Exchange"}
    assert row_data(row)["version_notes"] == "导入自浙江大数据交易中心"


def test_demo_dictionaries_are_the_domains_own_fields_not_a_placeholder():
    for domain in [*DEMO_FIELDS, "other"]:
        dictionary, samples = _dictionary(domain, 3)
        names = [f["name"] for f in dictionary]
        assert names != ["id", "name", "value"] and len(names) >= 3
        assert all(f["meaning"] for f in dictionary)
        assert [set(s) for s in samples] == [set(names)] * 2
    dictionary, samples = _dictionary("credit", 0)
    masked = [f["name"] for f in dictionary if f["masked"]]
    assert masked == ["ent_name"] and all(s["ent_name"].endswith("**") for s in samples)
    assert _dictionary("nowhere", 1)[0] == _dictionary("other", 1)[0] == [
        {"name": n, "type": t, "meaning": m, "masked": k} for n, t, m, k, _v in DEFAULT_FIELDS]
