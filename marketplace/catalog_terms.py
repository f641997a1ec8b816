"""Shared vocabularies of the catalog: domains, update frequencies, product types, openness, grades."""

from marketplace.models import Openness, ProductType, SecurityGrade

# Data domains (数据领域): code → Chinese label. Agreements scope products by these codes.
DOMAINS: dict[str, str] = {
    "finance": "金融",
    "credit": "信用",
    "health": "医疗健康",
    "transport": "交通",
    "culture_tourism": "文旅",
    "education": "教育",
    "environment": "生态环境",
    "market_regulation": "市场监管",
    "weather": "气象",
    "agriculture": "农业农村",
    "energy": "能源电力",
    "geospatial": "时空地理",
    "social_security": "社会保障",
    "urban": "城市治理",
    "other": "其他",
}

UPDATE_FREQUENCIES: dict[str, str] = {
    "real-time": "实时",
    "daily": "每日",
    "monthly": "每月",
    "yearly": "每年",
    "irregular": "不定期",
    "no-update": "不更新",
}

PRODUCT_TYPES: dict[ProductType, str] = {
    ProductType.PACKAGE: "数据包",
    ProductType.API: "数据接口",
    ProductType.REPORT: "数据报告",
    ProductType.MODEL: "数据模型",
    ProductType.SERVICE: "数据服务",
}

OPENNESS: dict[Openness, str] = {
    Openness.UNCONDITIONAL: "无条件开放",
    Openness.CONDITIONAL: "有条件开放",
}

SECURITY_GRADES: dict[SecurityGrade, str] = {
    SecurityGrade.GENERAL: "一般",
    SecurityGrade.IMPORTANT: "重要",
    SecurityGrade.CORE: "核心",
}

REGIONS: tuple[str, ...] = ("全国", "福建省", "浙江省", "北京市", "贵州省", "上海市", "广东省", "福州市", "杭州市")
