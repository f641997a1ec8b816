"""脱敏: masking rules applied to every returned field of a lookup API (pure functions)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from marketplace.errors import DomainError
from marketplace.i18n_marker import N_
from marketplace.models.metering import MaskRule

MASK_CHAR = "*"
_YEAR = re.compile(r"^\s*(\d{4})")

RULE_LABELS = {
    MaskRule.NONE: N_("不脱敏"),
    MaskRule.KEEP: N_("保留首尾N位"),
    MaskRule.HASH: N_("哈希"),
    MaskRule.YEAR: N_("仅保留年份"),
    MaskRule.RANGE: N_("区间分段"),
}


class MaskingError(DomainError):
    """A masking rule is malformed."""


@dataclass(frozen=True)
class FieldRule:
    """How one returned field is masked."""

    name: str
    rule: MaskRule = MaskRule.NONE
    first: int = 0
    last: int = 0
    step: int = 0

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "rule", MaskRule(self.rule))
        except ValueError:
            raise MaskingError(N_("字段 %(name)s 的脱敏规则未知：%(rule)s"),
                               params={"name": self.name, "rule": self.rule}, field="fields") from None

    @classmethod
    def from_dict(cls, data: dict) -> FieldRule:
        """Build and check a rule from its stored form."""
        try:
            rule = cls(name=str(data["name"]), rule=MaskRule(data.get("rule", "none")),
                       first=int(data.get("first", 0)), last=int(data.get("last", 0)), step=int(data.get("step", 0)))
        except (KeyError, ValueError, TypeError) as exc:
            raise MaskingError(N_("脱敏规则格式不正确：%(value)s"), params={"value": repr(data)}) from exc
        return rule.validate()

    def validate(self) -> FieldRule:
        """Refuse rules that would leak or make no sense."""
        if self.first < 0 or self.last < 0:
            raise MaskingError(N_("字段 %(name)s 保留位数不能为负数"), params={"name": self.name}, field="fields")
        if self.rule is MaskRule.KEEP and self.first + self.last == 0:
            raise MaskingError(N_("字段 %(name)s 选择了保留首尾N位，请至少保留1位"),
                               params={"name": self.name}, field="fields")
        if self.rule is MaskRule.RANGE and self.step <= 0:
            raise MaskingError(N_("字段 %(name)s 的区间宽度必须为正整数"), params={"name": self.name}, field="fields")
        return self

    def to_dict(self) -> dict:
        """JSON-safe form."""
        return {"name": self.name, "rule": self.rule.value, "first": self.first, "last": self.last,
                "step": self.step}


def keep_ends(value: str, first: int, last: int) -> str:
    """Keep the first/last characters and star the middle; short values are starred more, never revealed."""
    n = len(value)
    if n == 0:
        return value
    if first + last >= n:  # would show everything: keep at most half, from the front
        first, last = max(0, min(first, (n - 1) // 2)), 0
    return value[:first] + MASK_CHAR * (n - first - last) + (value[n - last:] if last else "")


def hash_value(value: str, salt: str) -> str:
    """A salted SHA-256 token (first 16 hex digits): equal values give equal tokens, not reversible."""
    return hashlib.sha256(f"{salt}\x1f{value}".encode()).hexdigest()[:16]


def year_only(value: str) -> str:
    """The year of a date such as 2019-05-03 or 2019/5/3; empty when there is none."""
    m = _YEAR.match(value)
    return m.group(1) if m else ""


def range_bucket(value: str, step: int) -> str:
    """The bucket holding a number, e.g. 1234 with step 1000 → "1000-2000"; empty when not a number."""
    try:
        number = Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        return ""
    if not number.is_finite():
        return ""
    low = (number // step) * step
    if number < 0 and number % step:
        low -= step
    return f"{int(low)}-{int(low) + step}"


def mask_value(rule: FieldRule, value: str | None, *, salt: str = "") -> str | None:
    """Apply one rule to one stored value."""
    if value is None or value == "":
        return value
    value = str(value)
    if rule.rule is MaskRule.KEEP:
        return keep_ends(value, rule.first, rule.last)
    if rule.rule is MaskRule.HASH:
        return hash_value(value, salt)
    if rule.rule is MaskRule.YEAR:
        return year_only(value)
    if rule.rule is MaskRule.RANGE:
        return range_bucket(value, rule.step)
    return value


def mask_row(rules: tuple[FieldRule, ...], row: dict, *, salt: str = "") -> dict:
    """Only the returned fields, each masked by its rule."""
    return {r.name: mask_value(r, row.get(r.name), salt=salt) for r in rules}


def describe_template(rule: FieldRule) -> tuple[str, dict]:
    """A rule's description as a message template (N_) and its values; the web layer translates it."""
    if rule.rule is MaskRule.KEEP:
        return N_("保留前%(first)s位、后%(last)s位"), {"first": rule.first, "last": rule.last}
    if rule.rule is MaskRule.RANGE:
        return N_("区间分段（宽度%(step)s）"), {"step": rule.step}
    return RULE_LABELS[rule.rule], {}


def describe(rule: FieldRule) -> str:
    """Chinese description of a rule (the OpenAPI document)."""
    template, params = describe_template(rule)
    return template % params if params else template
