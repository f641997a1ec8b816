"""Settlement of a paid line (R8): VAT, platform fee, broker, authority, operator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pricing.errors import N_, PricingError
from pricing.money import split_vat

BPS = 10000


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` fen by weights with the largest-remainder method; sums exactly."""
    if not weights or any(
        isinstance(w, bool) or not isinstance(w, int) for w in weights
    ):
        raise PricingError("分配权重必须为整数")
    if any(w < 0 for w in weights) or sum(weights) == 0:
        raise PricingError("分配权重不能为负数且不能全为零")
    if total < 0:
        # Symmetric for refunds: allocate(-t) == -allocate(t).
        return [-part for part in allocate(-total, weights)]
    weight_sum = sum(weights)
    parts = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    leftover = total - sum(parts)
    # Largest remainder first; ties go to the lower index so the result is stable.
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for index in order[:leftover]:
        parts[index] += 1
    return parts


@dataclass(frozen=True)
class Split:
    """How one paid line's gross amount is shared; all parts in fen."""

    gross_fen: int
    vat_fen: int
    net_fen: int
    platform_fen: int
    broker_fen: int
    authority_fen: int
    operator_fen: int

    def negated(self) -> Split:
        """The exact reverse of this split, for a refund."""
        return Split(
            gross_fen=-self.gross_fen,
            vat_fen=-self.vat_fen,
            net_fen=-self.net_fen,
            platform_fen=-self.platform_fen,
            broker_fen=-self.broker_fen,
            authority_fen=-self.authority_fen,
            operator_fen=-self.operator_fen,
        )


def _check_bps(value: int, what: str) -> None:
    """Refuse a rate that is not an int between 0 and 10000 bps."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= BPS:
        raise PricingError(N_("%(what)s必须在0%%到100%%之间"), params={"what": what})


def split_line(
    *,
    gross_fen: int,
    vat_rate_bps: int,
    platform_fee_bps: int,
    broker_commission_bps: int = 0,
    authority_share_bps: int = 0,
) -> Split:
    """Split a tax-inclusive paid line: gross → VAT → net → fee, broker, authority, operator."""
    _check_bps(vat_rate_bps, N_("增值税率"))
    _check_bps(platform_fee_bps, N_("平台服务费率"))
    _check_bps(broker_commission_bps, N_("经纪佣金率"))
    _check_bps(authority_share_bps, N_("主管部门分成比例"))
    shares = platform_fee_bps + broker_commission_bps + authority_share_bps
    if shares > BPS:
        raise PricingError("平台服务费、经纪佣金与分成合计不能超过100%")
    net, vat = split_vat(gross_fen=gross_fen, rate_bps=vat_rate_bps)
    weights = [
        platform_fee_bps,
        broker_commission_bps,
        authority_share_bps,
        BPS - shares,
    ]
    platform, broker, authority, operator = allocate(net, weights)
    return Split(gross_fen, vat, net, platform, broker, authority, operator)


def refund_split(original: Split) -> Split:
    """The split of a full refund: the exact negation of the original split."""
    return original.negated()
