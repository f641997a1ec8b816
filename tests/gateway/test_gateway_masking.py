"""Masking rules (脱敏) as a table; pure functions, no database."""

import pytest

from marketplace.gateway.masking import FieldRule, MaskingError, hash_value, mask_row, mask_value


@pytest.mark.parametrize(("rule", "value", "expected"), [
    (FieldRule("x"), "13812345678", "13812345678"),
    (FieldRule("x", "keep", first=3, last=4), "13812345678", "138****5678"),
    (FieldRule("x", "keep", first=1), "张三丰", "张**"),
    (FieldRule("x", "keep", last=2), "ABCDEF", "****EF"),
    (FieldRule("x", "keep", first=3, last=4), "短", "*"),  # never reveals a short value whole
    (FieldRule("x", "keep", first=2, last=2), "ABCD", "A***"),
    (FieldRule("x", "year"), "2015-03-02", "2015"),
    (FieldRule("x", "year"), "2019/5/3", "2019"),
    (FieldRule("x", "year"), "不详", ""),
    (FieldRule("x", "range", step=1000), "1234", "1000-2000"),
    (FieldRule("x", "range", step=1000), "1,999", "1000-2000"),
    (FieldRule("x", "range", step=1000), "2000", "2000-3000"),
    (FieldRule("x", "range", step=1000), "-1", "-1000-0"),
    (FieldRule("x", "range", step=1000), "abc", ""),
    (FieldRule("x", "keep", first=1), "", ""),
    (FieldRule("x", "hash"), None, None),
])
def test_mask_value_table(rule, value, expected):
    assert mask_value(rule, value) == expected


def test_hash_is_salted_stable_and_not_the_value():
    rule = FieldRule("x", "hash")
    a1, a2 = mask_value(rule, "张三", salt="s1"), mask_value(rule, "张三", salt="s1")
    assert a1 == a2 == hash_value("张三", "s1") and len(a1) == 16 and "张三" not in a1
    assert mask_value(rule, "张三", salt="s2") != a1


def test_mask_row_returns_only_the_chosen_fields():
    rules = (FieldRule("name"), FieldRule("phone", "keep", first=3, last=4))
    row = {"name": "甲", "phone": "13812345678", "id_card": "350102199001011234"}
    assert mask_row(rules, row) == {"name": "甲", "phone": "138****5678"}


@pytest.mark.parametrize("data", [
    {"name": "x", "rule": "keep", "first": 0, "last": 0},
    {"name": "x", "rule": "range", "step": 0},
    {"name": "x", "rule": "keep", "first": -1, "last": 2},
    {"name": "x", "rule": "unknown"},
    {"rule": "none"},
])
def test_bad_rules_are_refused(data):
    with pytest.raises(MaskingError):
        FieldRule.from_dict(data)
