"""What can be notified: categories a person may turn off, and each kind's message (a msgid with placeholders).

Messages are stored as kind + parameters and rendered when read, so each reader gets their own language.
A parameter whose name ends in `_label` is itself a msgid (a charge form, say) and is translated too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from marketplace.i18n_marker import N_


class Category(StrEnum):
    USAGE = "usage"  # quota and prepaid packages
    BILLING = "billing"  # usage bills issued, overdue
    DEMAND = "demand"  # offers received, access applications decided
    LISTING = "listing"  # listings approved or rejected
    CAP = "cap"  # cap prices changed
    AGREEMENT = "agreement"  # agreements nearing their end


CATEGORY_LABELS: dict[Category, str] = {
    Category.USAGE: N_("调用额度与次数包"),
    Category.BILLING: N_("账单"),
    Category.DEMAND: N_("报价与使用申请"),
    Category.LISTING: N_("上架审核结果"),
    Category.CAP: N_("上限收费标准调整"),
    Category.AGREEMENT: N_("授权协议到期提醒"),
}


@dataclass(frozen=True)
class Kind:
    """One kind of notification: its category and its message."""

    category: Category
    message: str


KINDS: dict[str, Kind] = {
    "quota_80": Kind(Category.USAGE, N_("「%(product)s」的调用额度已用 %(used)s 次，共 %(quota)s 次（已达 80%%）")),
    "quota_100": Kind(Category.USAGE, N_("「%(product)s」的调用额度 %(quota)s 次已全部用完，新的调用将被拒绝")),
    "prepaid_low": Kind(Category.USAGE, N_("「%(product)s」的预付次数包只剩 %(remaining)s 次，请在用完前续购")),
    "prepaid_out": Kind(Category.USAGE, N_("「%(product)s」的预付次数包 %(quota)s 次已用完，续购后才能继续调用")),
    "bill_issued": Kind(Category.BILLING, N_("账单 %(number)s 已出具：%(amount)s，请在 %(due)s 前付款")),
    "bill_overdue": Kind(Category.BILLING,
                         N_("账单 %(number)s（%(amount)s）已过付款期限 %(due)s，逾期未付的账单会暂停接口调用")),
    "offer_received": Kind(Category.DEMAND,
                           N_("询价单 #%(quote)s（「%(product)s」）收到报价 %(price)s，有效期至 %(valid_until)s")),
    "application_approved": Kind(Category.DEMAND, N_("「%(product)s」的使用申请已获批准")),
    "application_declined": Kind(Category.DEMAND, N_("「%(product)s」的使用申请未获批准：%(reason)s")),
    "listing_approved": Kind(Category.LISTING, N_("「%(product)s」第 %(revision)s 版审核通过，已上架")),
    "listing_rejected": Kind(Category.LISTING, N_("「%(product)s」第 %(revision)s 版被驳回：%(reason)s")),
    "cap_changed": Kind(Category.CAP,
                        N_("「%(product)s」的%(form_label)s上限收费标准定为 %(cap)s，%(effective_on)s 起生效")),
    "cap_above_plans": Kind(Category.CAP,
                            N_("「%(product)s」的%(form_label)s上限定为 %(cap)s（%(effective_on)s 起）；"
                               "%(plans)s 个价格方案高于上限，届时停售，请调价")),
    "agreement_ending": Kind(Category.AGREEMENT,
                             N_("授权协议「%(title)s」（%(code)s）将于 %(end)s 到期，还剩 %(days)s 天")),
}
