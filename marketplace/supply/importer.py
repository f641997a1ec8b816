"""Import listings in the format of the shared exchange CSV files (see `flask import-products`)."""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

from marketplace.catalog_terms import DELIVERY_MODES
from marketplace.errors import DomainError
from marketplace.i18n_marker import N_
from pricing import PricingError, parse_listed_yuan, round_fen

# The exchanges' own categories → our domain codes; anything else → "other".
CATEGORY_DOMAINS = {
    "金融科技": "finance", "金融业": "finance", "交通物流": "transport", "交通运输、仓储和邮政业": "transport",
    "城市治理": "urban", "公共服务": "urban", "公共管理、社会保障和社会组织": "social_security",
    "医疗卫生": "health", "医药卫生": "health", "卫生和社会工作": "health", "教育": "education",
    "农、林、牧、渔业": "agriculture", "电力、热力、燃气及水生产和供应业": "energy",
    "水利、环境和公共设施管理业": "environment", "文化、体育和娱乐业": "culture_tourism",
    "住宿和餐饮业": "culture_tourism", "企业服务": "market_regulation", "租赁和商务服务业": "market_regulation",
}
FREQUENCIES = {"daily", "monthly", "yearly", "real-time", "irregular", "no-update"}
DELIVERY = {t: DELIVERY_MODES[t] for t in ("api", "package", "report", "model", "service")}
IMPORTED_OFFLINE = DELIVERY_MODES["imported_offline"]
MODEL_WORDS = ("模型", "评分", "画像")
SUMMARY_CHARS = 120  # the lead line under a title: a sentence or two, cut with an ellipsis
_IMAGE_MD = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_IMAGE_HTML = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_BARE_IMAGE = re.compile(r"https?://\S+\.(?:png|jpe?g|gif|webp|bmp)\b", re.IGNORECASE)


@dataclass
class ImportReport:
    """Counts of one import run and the reason for each refused row."""

    imported: int = 0
    skipped: int = 0
    refused: list[str] = field(default_factory=list)
    awaiting_definition: int = 0  # per-call listings imported as API products that need their data API first
    awaiting_dictionary: int = 0  # listings kept as drafts until their data dictionary is filled in (数据字典待补充)


def clean_description(text: str) -> str:
    """Drop image links (markdown, HTML, bare image URLs) so no remote image is ever loaded."""
    text = _IMAGE_MD.sub("", text or "")
    text = _IMAGE_HTML.sub("", text)
    return _BARE_IMAGE.sub("", text).strip()


def registration_code(row: dict) -> str:
    """Platform + the listing id in the url, or a hash of the row when there is none."""
    url = urlparse((row.get("url") or "").strip())
    listing_id = (parse_qs(url.query).get("id") or [""])[0]
    if not listing_id:
        match = re.search(r"/(\d+)/?$", url.path)
        listing_id = match.group(1) if match else ""
    host = [p for p in (url.hostname or "").split(".") if p and p not in ("www", "com", "cn", "net", "org")]
    platform = (host[-1] if host else "".join(w[0] for w in (row.get("platform") or "X").split())).upper()
    if listing_id:
        return f"{platform}-{listing_id}"[:80]
    digest = hashlib.sha256("|".join(f"{k}={v}" for k, v in sorted(row.items())).encode()).hexdigest()
    return f"{platform}-H{digest[:16].upper()}"


def source_key(row: dict) -> str:
    """Identity of a row across runs: title + provider (+ platform, as providers may be blank)."""
    text = "|".join((row.get(k) or "").strip() for k in ("platform", "title", "provider"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fen(text: str) -> Decimal:
    """The source price in exact Decimal fen (pricing.parse_listed_yuan: the one rounding of float noise)."""
    try:
        return parse_listed_yuan(str(text or "0").strip() or "0")
    except PricingError:
        raise DomainError(N_("价格格式不正确：%(text)s"), params={"text": text}) from None


def row_plan(row: dict) -> dict:
    """The price plan a row's price_mode and price describe (yuan → fen)."""
    mode = (row.get("price_mode") or "").strip()
    if mode == "usage-based":
        unit = _fen(row.get("price"))
        if unit <= 0:
            raise DomainError(N_("按次计费的价格为 0"))
        return {"name": "按次调用", "form": "per_call_flat", "unit_price_fen": format(unit.normalize(), "f")}
    if mode in ("one-off", "subscription"):
        fen = round_fen(_fen(row.get("price")))
        if fen <= 0:
            raise DomainError(N_("价格为 0 的付费产品"))
        if mode == "one-off":
            return {"name": "一次性购买", "form": "one_off", "price_fen": fen}
        return {"name": "按月订阅", "form": "subscription_month", "price_fen": fen, "period_months": 1}
    if mode == "negotiation":
        return {"name": "面议", "form": "negotiated"}
    if mode == "free":
        return {"name": "公益免费", "form": "free_public"}
    raise DomainError(N_("未知的价格模式：%(mode)s"), params={"mode": mode or '（空）'})


def is_per_call(row: dict) -> bool:
    """The source prices the listing per call."""
    return (row.get("price_mode") or "").strip() == "usage-based"


# The exchanges the shared listings come from, by the English name their rows carry
PLATFORM_NAMES = {"Zhejiang Big Data Exchange": "浙江大数据交易中心",
                  "Guiyang Global Big Data Exchange": "贵阳大数据交易所"}


def platform_name(row: dict) -> str:
    """The source exchange in Chinese ("导入自浙江大数据交易中心"); an unknown one as written, else 外部交易所."""
    platform = (row.get("platform") or "").strip()
    return PLATFORM_NAMES.get(platform, platform) or "外部交易所"


def row_type(row: dict) -> str:
    """Guess the product type from the price mode and title; a per-call listing is an API (or a model), never a file."""
    title = row.get("title") or ""
    if is_per_call(row):
        return "model" if any(w in title for w in MODEL_WORDS) else "api"
    if "报告" in title:
        return "report"
    if any(w in title for w in MODEL_WORDS):
        return "model"
    if any(w in title for w in ("查询", "核验", "验证")):
        return "api"
    if "服务" in title:
        return "service"
    return "package"


def row_domain(row: dict) -> str:
    """Our domain code for the row's category ("other" when unknown)."""
    return CATEGORY_DOMAINS.get((row.get("category") or "").strip(), "other")


def row_data(row: dict) -> dict:
    """Listing content for a row (grade general, unconditional).

    An import carries neither files nor a dataset: a per-call listing becomes an API (or model) product that waits
    for its data API; every other listing declares offline (contract) delivery."""
    description = clean_description(row.get("description") or "")
    ptype = row_type(row)
    frequency = (row.get("update_frequency") or "").strip()
    summary = re.sub(r"[#*`>|\s]+", " ", description).strip()
    summary = summary if len(summary) <= SUMMARY_CHARS else summary[:SUMMARY_CHARS - 1] + "…"  # cut, and say so
    return {"type": ptype, "title": (row.get("title") or "").strip()[:200], "summary": summary,
            "description_md": description, "domain": row_domain(row), "region": "全国",
            "openness": "unconditional", "security_grade": "general", "registration_code": registration_code(row),
            "update_frequency": frequency if frequency in FREQUENCIES else "irregular",
            "delivery_mode": DELIVERY[ptype] if is_per_call(row) else IMPORTED_OFFLINE,
            "offline_delivery": not is_per_call(row),
            "version_notes": f"导入自{platform_name(row)}", "source_key": source_key(row)}


def read_rows(path: str) -> list[dict]:
    """The CSV rows (UTF-8, with or without BOM)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
