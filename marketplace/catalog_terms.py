"""Shared vocabularies of the catalog: domains, update frequencies, product types, openness, grades."""

from marketplace.i18n_marker import N_
from marketplace.models import Openness, ProductType, SecurityGrade

# Data domains (数据领域): code → Chinese label. Agreements scope products by these codes.
DOMAINS: dict[str, str] = {
    "finance": N_("金融"),
    "credit": N_("信用"),
    "health": N_("医疗健康"),
    "transport": N_("交通"),
    "culture_tourism": N_("文旅"),
    "education": N_("教育"),
    "environment": N_("生态环境"),
    "market_regulation": N_("市场监管"),
    "weather": N_("气象"),
    "agriculture": N_("农业农村"),
    "energy": N_("能源电力"),
    "geospatial": N_("时空地理"),
    "social_security": N_("社会保障"),
    "urban": N_("城市治理"),
    "other": N_("其他"),
}

UPDATE_FREQUENCIES: dict[str, str] = {
    "real-time": N_("实时"),
    "daily": N_("每日"),
    "monthly": N_("每月"),
    "yearly": N_("每年"),
    "irregular": N_("不定期"),
    "no-update": N_("不更新"),
}

PRODUCT_TYPES: dict[ProductType, str] = {
    ProductType.PACKAGE: N_("数据包"),
    ProductType.API: N_("数据接口"),
    ProductType.REPORT: N_("数据报告"),
    ProductType.MODEL: N_("数据模型"),
    ProductType.SERVICE: N_("数据服务"),
}

OPENNESS: dict[Openness, str] = {
    Openness.UNCONDITIONAL: N_("无条件开放"),
    Openness.CONDITIONAL: N_("有条件开放"),
}

SECURITY_GRADES: dict[SecurityGrade, str] = {
    SecurityGrade.GENERAL: N_("一般"),
    SecurityGrade.IMPORTANT: N_("重要"),
    SecurityGrade.CORE: N_("核心"),
}

# Regions (覆盖地区) are stored as their Chinese names; the label translates them for display.
REGIONS: dict[str, str] = {r: r for r in (N_("全国"), N_("福建省"), N_("浙江省"), N_("北京市"), N_("贵州省"),
                                          N_("上海市"), N_("广东省"), N_("福州市"), N_("杭州市"))}

# How a product is delivered (交付方式), as the importer and the demo describe it; a lister may type their own.
DELIVERY_MODES: dict[str, str] = {
    "api": N_("API 接口调用"),
    "package": N_("文件下载"),
    "report": N_("报告交付"),
    "model": N_("模型结果查询"),
    "service": N_("在线服务"),
    "imported_offline": N_("线下/合同交付（导入的挂牌不含交付文件，由运营单位按合同交付）"),
    "offline": N_("线下/合同交付：签订服务合同后由运营单位交付"),
}
