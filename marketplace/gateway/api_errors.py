"""Error answers of the data API: code → (status, Chinese message, English message)."""

from __future__ import annotations

from marketplace.supply.on_sale import ENGLISH, MESSAGES

ERRORS: dict[str, tuple[int, str, str]] = {
    "missing_key": (401, "缺少 API 密钥，请在请求头中携带 Authorization: Bearer <密钥>",
                    "Missing API key: send Authorization: Bearer <key>"),
    "invalid_key": (401, "API 密钥无效或已吊销", "Invalid or revoked API key"),
    "not_entitled": (403, "该密钥无权调用此接口", "This key is not entitled to call this API"),
    "org_suspended": (403, "贵单位账户已被暂停，无法调用接口", "Your organization is suspended"),
    "entitlement_inactive": (403, "使用权益已结束或已被撤销", "The entitlement has ended or was revoked"),
    "entitlement_not_started": (403, "使用权益尚未生效", "The entitlement has not started yet"),
    "subscription_expired": (403, "订阅已到期，请续订后再调用", "The subscription has expired"),
    **{str(reason): (403, message, ENGLISH[reason]) for reason, message in MESSAGES.items()},  # supply.on_sale
    "api_not_defined": (403, "该产品尚未定义数据接口", "This product has no data API defined"),
    "rate_limited": (429, "请求过于频繁，请稍后重试", "Too many requests; retry after the Retry-After delay"),
    "quota_exceeded": (429, "调用额度已用完", "The call quota is used up"),
    "payment_required": (402, "预付费次数包已用完，请续购后再调用",
                         "The prepaid calls are used up; buy more to continue"),
    "bill_overdue": (402, "账单逾期未付，接口已暂停；付清后自动恢复",
                     "A usage bill is overdue; calls resume once it is paid"),
    "invalid_parameter": (400, "参数不正确", "Invalid parameter"),
    "not_found": (404, "未查询到匹配的记录（不计费）", "No matching record (not billed)"),
    "idempotency_conflict": (409, "该 Idempotency-Key 已用于参数不同的请求",
                             "This Idempotency-Key was already used with different parameters"),
}


def overdue_detail(bill_number: str) -> tuple[str, str]:
    """The bill_overdue messages naming the bill."""
    return (f"账单 {bill_number} 已逾期未付，该权益的接口调用已暂停；付清后自动恢复",
            f"Usage bill {bill_number} is overdue: calls are suspended until it is paid")


def error_payload(code: str, request_id: str, detail: tuple[str, str] | None = None) -> tuple[int, dict]:
    """(status, body) of an error answer; `detail` replaces the messages (e.g. naming a parameter)."""
    status, zh, en = ERRORS[code]
    if detail:
        zh, en = detail
    return status, {"error": {"code": code, "message": f"{zh}（{en}）", "message_zh": zh, "message_en": en},
                    "request_id": request_id}
