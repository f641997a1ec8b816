"""Money helpers: integer fen, sub-fen Decimal unit prices, one rounding rule (R7)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pricing.errors import N_, PricingError

VAT_GENERAL_BPS = 600
VAT_SMALL_SCALE_BPS = 100

MAX_YUAN = Decimal("1e12")
_FEN_PER_YUAN = 100
_YUAN_PLACES = 4
_BPS = 10000
# Plain digits, or digits grouped by thousands with commas; optional fraction.
_YUAN_RE = re.compile(r"^(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$")
_PREFIXES = ("¥", "￥", "RMB", "CNY")


def round_fen(amount: Decimal) -> int:
    """Round an exact fen amount to whole fen, half-up (四舍五入); the only rounding."""
    return int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _clean_text(text: str) -> str:
    """Strip whitespace, currency marks, a trailing 元 and thousands commas' spacing."""
    cleaned = text.strip()
    for prefix in _PREFIXES:
        if cleaned.startswith(prefix):
            cleaned = cleaned[len(prefix) :].strip()
            break
    if cleaned.endswith("元"):
        cleaned = cleaned[:-1].strip()
    return cleaned


def _to_yuan(text: str | Decimal | int) -> Decimal:
    """Turn user input into a Decimal yuan amount, or raise PricingError."""
    if isinstance(text, bool) or not isinstance(text, (str, Decimal, int)):
        raise PricingError(N_("金额格式不正确"))
    if isinstance(text, str):
        cleaned = _clean_text(text)
        if cleaned.startswith("-"):
            raise PricingError(N_("金额不能为负数"))
        if not _YUAN_RE.match(cleaned):
            raise PricingError(N_("金额格式不正确：%(text)s"), params={"text": text.strip() or N_("（空）")})
        return Decimal(cleaned.replace(",", ""))
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - Decimal(int) never fails
        raise PricingError(N_("金额格式不正确")) from exc


def parse_yuan(text: str | Decimal | int) -> Decimal:
    """Parse a yuan amount ("1,234.56", "¥0.004") into exact Decimal fen."""
    yuan = _to_yuan(text)
    if not yuan.is_finite():
        raise PricingError(N_("金额格式不正确"))
    if yuan < 0:
        raise PricingError(N_("金额不能为负数"))
    if yuan > MAX_YUAN:
        raise PricingError(N_("金额超出允许范围"))
    if yuan != yuan.quantize(Decimal(1).scaleb(-_YUAN_PLACES), rounding=ROUND_HALF_UP):
        raise PricingError(N_("金额最多四位小数"))
    return yuan * _FEN_PER_YUAN


def parse_listed_yuan(text: str | Decimal | int) -> Decimal:
    """A price copied from another exchange's listing, as exact Decimal fen (like parse_yuan).

    Those listings were stored as floats ("754300.0000000001"): digits beyond 0.0001 yuan are float noise
    and are rounded half-up once, here, before the amount is parsed like any other.
    """
    yuan = _to_yuan(text)
    if not yuan.is_finite():
        raise PricingError(N_("金额格式不正确"))
    return parse_yuan(yuan.quantize(Decimal(1).scaleb(-_YUAN_PLACES), rounding=ROUND_HALF_UP))


def yuan_to_fen(text: str | Decimal | int) -> int:
    """Parse a yuan amount that must be a whole number of fen into int fen."""
    fen = parse_yuan(text)
    if fen != fen.to_integral_value():
        raise PricingError(N_("金额最多两位小数"))
    return int(fen)


def format_fen(fen: int) -> str:
    """Format integer fen as yuan with thousands separators: "¥1,234.56"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), _FEN_PER_YUAN)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def format_unit_price(fen: Decimal | int) -> str:
    """Format a (possibly sub-fen) unit price as yuan with 2+ decimals: "¥0.004"."""
    amount = Decimal(fen)
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount).scaleb(-2):,f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{sign}¥{whole}.{frac}"


def parse_percent_bps(text: str, *, what: str = N_("百分比")) -> int:
    """A percentage typed by a person ("8", "8.5", "8.25%") as integer basis points (825)."""
    cleaned = (text or "").strip().rstrip("%").strip()
    try:
        pct = Decimal(cleaned)
    except InvalidOperation:
        raise PricingError(N_("%(what)s格式不正确，例如 8 或 8.5"), params={"what": what}) from None
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise PricingError(N_("%(what)s必须在 0 到 100 之间"), params={"what": what})
    bps = pct * _BPS / 100
    if bps != bps.to_integral_value():
        raise PricingError(N_("%(what)s最多两位小数"), params={"what": what})
    return int(bps)


def format_bps(bps: int) -> str:
    """Basis points as a percentage for display: 825 → "8.25%", 600 → "6%"."""
    pct = (Decimal(int(bps)) / (_BPS // 100)).normalize()
    return f"{pct:f}%"


def split_vat(*, gross_fen: int, rate_bps: int) -> tuple[int, int]:
    """Split a tax-inclusive amount into (net_fen, vat_fen); net rounded half-up."""
    if isinstance(rate_bps, bool) or not isinstance(rate_bps, int):
        raise PricingError(N_("税率必须为整数基点"))
    if not 0 <= rate_bps <= _BPS:
        raise PricingError(N_("税率必须在0%到100%之间"))
    net = round_fen(Decimal(gross_fen) * _BPS / (_BPS + rate_bps))
    return net, gross_fen - net
