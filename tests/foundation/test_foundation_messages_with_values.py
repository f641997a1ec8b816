"""Messages with values are templates with %(name)s placeholders, so English mode gets them in English too."""

import ast
import re
from pathlib import Path

import pytest

from marketplace.accounts import AccountError
from marketplace.errors import DomainErrors
from marketplace.orders.common import OrderError
from marketplace.web.error_text import error_text

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
# files deliberately left with f-string messages, and why
ALLOWED = {
    "marketplace/gateway/meter.py": "being rewritten by another helper at the same time",
    "marketplace/gateway/calls.py": "being rewritten by another helper at the same time",
    "marketplace/gateway/answer.py": "its BadParameter carries its own English text for the API answer",
}


def _fstring_raises(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            if ast.unparse(node.exc.func).startswith("click."):
                continue  # command-line usage errors of the operator CLI, not domain errors shown on pages
            first = node.exc.args[0]
            if isinstance(first, ast.JoinedStr):
                text = "".join(v.value for v in first.values if isinstance(v, ast.Constant))
                if CJK.search(text):
                    yield node.lineno


def test_no_chinese_fstring_in_raised_errors():
    found = []
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel not in ALLOWED:
            found += [f"{rel}:{line}" for line in _fstring_raises(path)]
    assert found == [], "raise errors with N_(template) and params=, not Chinese f-strings: " + ", ".join(found)


CASES = [
    (OrderError("订单 %(number)s 已支付，不能重复收款", params={"number": "D-0001"}),
     "订单 D-0001 已支付，不能重复收款", "Order D-0001 is already paid; it cannot be paid twice"),
    (AccountError("%(kind)s 类型的组织不能有 %(role)s 角色的用户", params={"kind": "enterprise", "role": "finance"}),
     "enterprise 类型的组织不能有 finance 角色的用户",
     "An organization of kind enterprise cannot have users with the role finance"),
    (OrderError("%(label)s不能超过 %(max_len)s 个字符", params={"label": "价格", "max_len": 10}),
     "价格不能超过 10 个字符", "Price cannot exceed 10 characters"),  # a label value is translated too
]


@pytest.mark.parametrize("error, zh, en", CASES)
def test_value_messages_in_both_languages(app, error, zh, en):
    assert error.text == zh and str(error) == zh
    with app.test_request_context("/"):
        assert error_text(error) == zh
    with app.test_request_context("/?lang=en"):
        assert error_text(error) == en


def test_several_errors_are_joined_in_the_language(app):
    both = DomainErrors([CASES[0][0], CASES[2][0]])
    assert both.text == "订单 D-0001 已支付，不能重复收款；价格不能超过 10 个字符"
    with app.test_request_context("/?lang=en"):
        assert error_text(both) == ("Order D-0001 is already paid; it cannot be paid twice; "
                                    "Price cannot exceed 10 characters")
