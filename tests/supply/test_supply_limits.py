"""Hole 5: every text field of every form has a limit its form enforces with a message, never a silent cut;
the data dictionary is structured and the sample's columns must match it."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Form, StringField
from wtforms.fields import FormField

import marketplace.web
from marketplace.models import Product
from marketplace.web.limits import MaxChars
from tests.supply.test_supply_web import _form


def _form_classes():
    for info in pkgutil.walk_packages(marketplace.web.__path__, "marketplace.web."):
        if info.name.endswith(".forms"):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Form) and value not in (Form, FlaskForm):
                    yield value


def _text_fields(cls, prefix=""):
    for name in dir(cls):
        unbound = getattr(cls, name)
        field_class = getattr(unbound, "field_class", None)
        if field_class is None:
            continue
        if issubclass(field_class, FormField):
            yield from _text_fields(unbound.args[0], f"{prefix}{name}.")
        elif getattr(field_class, "__name__", "") == "FieldList":
            inner = unbound.args[0]
            if issubclass(inner.field_class, FormField):
                yield from _text_fields(inner.args[0], f"{prefix}{name}[].")
        elif issubclass(field_class, StringField) and name != "csrf_token":
            yield (
                f"{prefix}{name}",
                unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else []),
            )


def test_every_text_field_of_every_form_has_a_limit_and_no_maxlength_cut():
    missing, cutting = [], []
    classes = sorted(set(_form_classes()), key=lambda c: c.__module__ + c.__name__)
    assert len(classes) > 15
    for cls in classes:
        for name, validators in _text_fields(cls):
            label = f"{cls.__module__}.{cls.__name__}.{name}"
            if not any(isinstance(v, MaxChars) for v in validators):
                missing.append(label)
            if any(type(v).__name__ == "Length" for v in validators):  # sets maxlength: browsers cut silently
                cutting.append(label)
    assert missing == [] and cutting == []


def test_over_long_title_is_refused_with_a_message_and_nothing_saved(web, world):
    web.login(world.op_user.email)
    page = web.get("/supply/products/new").get_data(as_text=True)
    assert "maxlength" not in page
    resp = web.post("/supply/products/new", _form(title="数" * 1000))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "产品名称最多 200 个字，现在是 1000 个" in html
    assert world.session.execute(select(Product)).first() is None


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"sample_rows": "score,phone\n87,138****0000"}, "样例数据中有数据字典没有的列：phone"),
        ({"sample_rows": "score\n87"}, "数据字典中的字段在样例数据中没有对应的列：name"),
        ({"data_dictionary-0-type": "blob"}, "类型「blob」不在可选范围内"),
        ({"data_dictionary-0-name": "", "data_dictionary-0-meaning": "评分"}, "数据字典第 1 行缺少字段名"),
        ({"data_dictionary-1-meaning": "名" * 301}, "含义最多 300 个字，现在是 301 个"),
        ({"summary": "摘" * 501}, "摘要最多 500 个字"),
    ],
)
def test_dictionary_and_sample_must_agree(web, world, extra, needle):
    web.login(world.op_user.email)
    resp = web.post("/supply/products/new", _form(**extra))
    assert resp.status_code == 400 and needle in resp.get_data(as_text=True)
    assert world.session.execute(select(Product)).first() is None


def test_structured_dictionary_is_stored(web, world):
    web.login(world.op_user.email)
    extra = {
        "data_dictionary-2-name": "amount",
        "data_dictionary-2-type": "decimal",
        "data_dictionary-2-meaning": "金额",
        "sample_rows": "score,name,amount\n87,示例**,12.5",
    }
    assert web.post("/supply/products/new", _form(**extra)).status_code == 302
    product = world.session.execute(select(Product)).scalar_one()
    import json

    assert json.loads(product.data_dictionary) == [
        {"name": "score", "type": "int", "meaning": "评分", "masked": False},
        {"name": "name", "type": "string", "meaning": "名称", "masked": True},
        {"name": "amount", "type": "decimal", "meaning": "金额", "masked": False},
    ]
    assert product.offline_delivery is True
