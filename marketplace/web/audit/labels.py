"""What the audit trail shows people: an action's label ("审核通过商品", not `product.approve`) and a readable diff."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from marketplace.i18n_marker import N_

ACTION_LABELS = {
    "agreement.active": N_("恢复授权协议"),
    "agreement.destruction_marked": N_("登记数据销毁"),
    "agreement.expired": N_("授权协议到期"),
    "agreement.grant": N_("签发授权协议"),
    "agreement.renew": N_("续签授权协议"),
    "agreement.terminated": N_("终止授权协议"),
    "api_access.grant": N_("开通接口权限"),
    "api_dataset.define": N_("定义接口数据集"),
    "api_key.issue": N_("签发 API 密钥"),
    "api_key.revoke": N_("吊销 API 密钥"),
    "application.approved": N_("批准使用申请"),
    "application.declined": N_("驳回使用申请"),
    "application.pending": N_("使用申请待审"),
    "application.submit": N_("提交使用申请"),
    "application.withdraw": N_("撤回使用申请"),
    "application.withdrawn": N_("撤回使用申请"),
    "auth.login": N_("登录"),
    "auth.login_locked": N_("登录被锁定"),
    "bill.card_intent": N_("发起账单刷卡支付"),
    "bill.issue": N_("出具用量账单"),
    "bill.pay": N_("账单已付款"),
    "broker.qualify": N_("登记经纪人资质"),
    "cap.set": N_("核定上限收费标准"),
    "cost.add": N_("登记运营成本"),
    "cost.correct": N_("更正运营成本"),
    "deliverable.upload": N_("上传交付文件"),
    "delivery.copy": N_("生成交付副本"),
    "delivery.download": N_("下载交付文件"),
    "disclosure.publish": N_("发布年度披露"),
    "entitlement.active": N_("恢复使用权"),
    "entitlement.ended": N_("使用权终止"),
    "entitlement.grant": N_("授予使用权"),
    "entitlement.resume_overdue": N_("付清账单后恢复密钥"),
    "entitlement.revoked": N_("撤销使用权"),
    "entitlement.suspend_overdue": N_("账单逾期暂停密钥"),
    "mandate.create": N_("签订经纪委托"),
    "mandate.revoke": N_("撤销经纪委托"),
    "notification.preferences": N_("修改通知设置"),
    "offline_delivery.confirm": N_("确认线下交付"),
    "offline_delivery.record": N_("登记线下交付"),
    "order.approve_public_use": N_("批准公益用途"),
    "order.cancel": N_("取消订单"),
    "order.card_intent": N_("发起刷卡支付"),
    "order.card_partial_refund": N_("刷卡部分退款"),
    "order.card_payment_failed": N_("刷卡支付失败"),
    "order.decline_public_use": N_("驳回公益用途"),
    "order.deliver": N_("交付订单"),
    "order.pay": N_("确认订单付款"),
    "order.place": N_("下单"),
    "order.refund": N_("订单退款"),
    "org.create": N_("创建单位"),
    "org.invite": N_("邀请同事"),
    "org.invite_accept": N_("接受邀请"),
    "org.invite_revoke": N_("撤回邀请"),
    "org.pending": N_("单位待审核"),
    "org.register": N_("单位注册"),
    "org.rejected": N_("驳回单位认证"),
    "org.resubmit": N_("重新提交单位认证"),
    "org.suspended": N_("暂停单位"),
    "org.verified": N_("通过单位认证"),
    "product.approve": N_("审核通过商品"),
    "product.create": N_("创建商品"),
    "product.delist": N_("下架商品"),
    "product.edit": N_("修改商品"),
    "product.reject": N_("驳回商品"),
    "product.submit": N_("提交商品审核"),
    "quote.close": N_("关闭询价"),
    "quote.message": N_("询价留言"),
    "quote.offer": N_("发出报价"),
    "quote.offer_accept": N_("接受报价"),
    "quote.offer_decline": N_("拒绝报价"),
    "quote.request": N_("发起询价"),
    "return_report.accept": N_("接受合理收益报告"),
    "return_report.return": N_("退回合理收益报告"),
    "return_report.submit": N_("提交合理收益报告"),
    "settlement.close": N_("结算期关账"),
    "settlement.confirm": N_("确认结算期"),
    "settlement.statement_paid": N_("结算单已付款"),
    "stripe.event_rejected": N_("拒收 Stripe 事件"),
    "user.create": N_("创建用户"),
    "user.disable": N_("停用用户"),
    "user.enable": N_("启用用户"),
    "user.org_admin_grant": N_("设为单位管理员"),
    "user.org_admin_revoke": N_("取消单位管理员"),
    "user.password_change": N_("修改密码"),
    "user.role_change": N_("调整用户角色"),
    "user.sign_out_everywhere": N_("退出所有设备"),
}

OBJECT_LABELS = {
    "access_application": N_("使用申请"),
    "agreement": N_("授权协议"),
    "api_key": N_("API 密钥"),
    "broker_qualification": N_("经纪人资质"),
    "cap_price": N_("上限收费标准"),
    "cost_entry": N_("运营成本"),
    "deliverable": N_("交付文件"),
    "delivery_copy": N_("交付副本"),
    "disclosure": N_("年度披露"),
    "entitlement": N_("使用权"),
    "mandate": N_("经纪委托"),
    "notification_preference": N_("通知设置"),
    "order": N_("订单"),
    "org_invitation": N_("邀请"),
    "organization": N_("单位"),
    "product": N_("商品"),
    "quote_offer": N_("报价"),
    "quote_request": N_("询价"),
    "return_report": N_("合理收益报告"),
    "settlement_period": N_("结算期"),
    "statement": N_("结算单"),
    "stripe_event": N_("Stripe 事件"),
    "usage_bill": N_("用量账单"),
    "user": N_("用户"),
}


def action_label(action: str) -> str:
    """The action in words; an action without a label shows its code."""
    label = ACTION_LABELS.get(action)
    return _(label) if label else action


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return _(label) if label else object_type


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str
    kind: str  # "changed", "added", "removed"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(summary: str) -> list[Change]:
    """The record's before/after as field rows; only changed fields when both sides are objects."""
    try:
        doc = json.loads(summary) if summary else None
    except ValueError:
        return [Change("", "", summary, "added")]
    if not isinstance(doc, dict) or set(doc) != {"before", "after"}:
        return [Change("", "", _text(doc), "added")] if doc is not None else []
    before, after = doc["before"], doc["after"]
    if not isinstance(before, dict) and not isinstance(after, dict):
        if before == after:
            return []
        return [Change("", _text(before), _text(after), "changed" if before is not None else "added")]
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    rows = []
    for key in sorted(set(before) | set(after)):
        if key in before and key in after:
            if before[key] != after[key]:
                rows.append(Change(key, _text(before[key]), _text(after[key]), "changed"))
        elif key in after:
            rows.append(Change(key, "", _text(after[key]), "added"))
        else:
            rows.append(Change(key, _text(before[key]), "", "removed"))
    return rows
