"""Unified social credit code (统一社会信用代码, GB 32100-2015), rule R12."""

from marketplace.errors import DomainError
from marketplace.i18n_marker import N_

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
FORBIDDEN = set("IOSVZ")


class InvalidUSCC(DomainError):
    """The code breaks GB 32100-2015."""


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (which must be valid characters)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(raw: str) -> str:
    """Strip spaces and upper-case, the way people type codes."""
    return "".join((raw or "").split()).upper()


def validate_uscc(raw: str) -> str:
    """Return the normalized code or raise InvalidUSCC with a specific Chinese message."""
    code = normalize_uscc(raw)
    if len(code) != 18:
        raise InvalidUSCC(N_("统一社会信用代码应为18位，当前为%(length)s位"),
                          params={"length": len(code)}, field="uscc")
    bad = sorted({c for c in code if c in FORBIDDEN})
    if bad:
        raise InvalidUSCC(
            N_("统一社会信用代码不能包含字母 %(letters)s（I、O、S、V、Z 不使用）"),
            params={"letters": "、".join(bad)}, field="uscc",
        )
    unknown = sorted({c for c in code if c not in ALPHABET})
    if unknown:
        raise InvalidUSCC(N_("统一社会信用代码含有非法字符：%(chars)s"),
                          params={"chars": ''.join(unknown)}, field="uscc")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidUSCC(N_("统一社会信用代码校验位错误，请核对后重新输入"), field="uscc")
    return code


def make_uscc(prefix17: str) -> str:
    """Complete a 17-character prefix with its check character (demo data and tests)."""
    return prefix17 + check_character(prefix17)
