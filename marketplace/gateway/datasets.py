"""接口生成: an API definition and its rows from a CSV dataset (operator upload or CLI)."""

from __future__ import annotations

import csv
import io
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.errors import DomainError, NotFound
from marketplace.gateway.masking import FieldRule
from marketplace.i18n_marker import N_
from marketplace.models import Product, ProductType
from marketplace.models.metering import ApiDataset, DatasetRow

KEY_SEP = "\x1f"
MAX_ROWS = 200_000
MAX_VALUE = 400


class DatasetError(DomainError):
    """The dataset or its definition cannot be used."""


@dataclass(frozen=True)
class Table:
    """A parsed CSV: column names and rows as dicts of strings."""

    columns: tuple[str, ...]
    rows: list[dict[str, str]]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DatasetError(N_("无法识别文件编码，请使用 UTF-8 编码的 CSV"), field="dataset")


def parse_csv(data: bytes | str) -> Table:
    """Parse a CSV with a header row; refuse empty, duplicate or missing column names."""
    text = _decode(data) if isinstance(data, bytes) else data
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if not header or any(not h for h in header):
        raise DatasetError(N_("CSV 第一行必须是不为空的列名"), field="dataset")
    if len(set(header)) != len(header):
        raise DatasetError(N_("CSV 列名不能重复"), field="dataset")
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise DatasetError(N_("CSV 第%(number)s行有%(value)s列，应为%(value2)s列"),
                               params={"number": number, "value": len(values), "value2": len(header)}, field="dataset")
        rows.append({h: v.strip() for h, v in zip(header, values, strict=True)})
        if len(rows) > MAX_ROWS:
            raise DatasetError(N_("数据集最多%(MAX_ROWS)s行"), params={"MAX_ROWS": MAX_ROWS}, field="dataset")
    if not rows:
        raise DatasetError(N_("CSV 没有数据行"), field="dataset")
    return Table(tuple(header), rows)


def normalize(name: str, value: str) -> str:
    """The form a key value is stored and looked up in (codes are upper-cased without spaces)."""
    value = (value or "").strip()
    if "uscc" in name.lower() or "credit_code" in name.lower():
        value = "".join(value.split()).upper()
    return value


def row_key(key_fields: list[str] | tuple[str, ...], values: dict[str, str]) -> str:
    """The stored lookup key of a row or a query."""
    return KEY_SEP.join(normalize(f, values.get(f, "")) for f in key_fields)


@dataclass(frozen=True)
class Definition:
    """What the operator picked: lookup keys, compared fields (核验), returned fields and their masks."""

    key_fields: tuple[str, ...]
    rules: tuple[FieldRule, ...] = ()
    match_fields: tuple[str, ...] = ()
    verification: bool = False

    def check(self, columns: tuple[str, ...]) -> Definition:
        """Every named column exists; a lookup returns something; a verification compares or checks existence."""
        if not self.key_fields:
            raise DatasetError(N_("请至少选择一个查询参数"), field="key_fields")
        named = [*self.key_fields, *self.match_fields, *(r.name for r in self.rules)]
        missing = [n for n in named if n not in columns]
        if missing:
            raise DatasetError(N_("数据集中没有这些列：%(value)s"),
                               params={"value": '、'.join(missing)}, field="key_fields")
        if set(self.key_fields) & set(self.match_fields):
            raise DatasetError(N_("核验字段不能同时作为查询参数"), field="match_fields")
        if not self.verification and not self.rules:
            raise DatasetError(N_("查询类接口请至少选择一个返回字段"), field="fields")
        for rule in self.rules:
            rule.validate()
        return self


def define_dataset(session: Session, *, actor: Actor, product: Product, table: Table, definition: Definition,
                   source_name: str = "", salt: str | None = None) -> ApiDataset:
    """Store (or replace) a product's API definition and rows. Caller commits."""
    definition.check(table.columns)
    for row in table.rows:
        for name in definition.key_fields:
            if len(row[name]) > MAX_VALUE:
                raise DatasetError(N_("列 %(name)s 的值过长（最多%(MAX_VALUE)s字符）"),
                                   params={"name": name, "MAX_VALUE": MAX_VALUE}, field="dataset")
    dataset = session.execute(select(ApiDataset).where(ApiDataset.product_id == product.id)).scalar_one_or_none()
    if dataset is None:
        dataset = ApiDataset(product_id=product.id, salt=salt or secrets.token_hex(8))
    else:
        session.execute(delete(DatasetRow).where(DatasetRow.dataset_id == dataset.id))
    keys = [row_key(definition.key_fields, row) for row in table.rows]
    dataset.key_fields = json.dumps(list(definition.key_fields), ensure_ascii=False)
    dataset.match_fields = json.dumps(list(definition.match_fields), ensure_ascii=False)
    dataset.returned_fields = json.dumps([r.to_dict() for r in definition.rules], ensure_ascii=False)
    dataset.verification, dataset.unique_key = definition.verification, len(set(keys)) == len(keys)
    dataset.row_count, dataset.source_name = len(table.rows), source_name[:200]
    session.add(dataset)
    session.flush()
    rows = [{"dataset_id": dataset.id, "key": k, "data": json.dumps(r, ensure_ascii=False)}
            for k, r in zip(keys, table.rows, strict=True)]
    for start in range(0, len(rows), 5000):
        session.execute(insert(DatasetRow), rows[start:start + 5000])
    record_audit(session, actor=actor, action="api_dataset.define", object_type="product", object_id=product.id,
                 org_id=product.operator_id,
                 after={"rows": len(rows), "keys": list(definition.key_fields),
                        "match": list(definition.match_fields), "verification": definition.verification,
                        "fields": [r.to_dict() for r in definition.rules], "source": source_name})
    return dataset


def define_product_api(session: Session, *, actor: Actor, operator_org_id: int, product_id: int, table: Table,
                       definition: Definition, source_name: str = "") -> ApiDataset:
    """The operator defines (or replaces) the data API of its own API, model or service product. Caller commits."""
    product = session.get(Product, product_id)
    if product is None or product.operator_id != operator_org_id:
        raise NotFound(N_("数据产品不存在"))
    if product.type not in (ProductType.API, ProductType.MODEL, ProductType.SERVICE):
        raise DatasetError(N_("只有数据接口、数据模型和数据服务产品通过数据接口交付"), field="dataset")
    return define_dataset(session, actor=actor, product=product, table=table, definition=definition,
                          source_name=source_name)
