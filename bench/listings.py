"""The shared exchange listings (../shared/data/*.csv) as product fields, for the search benchmark and tests."""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

DATA_DIR = Path(os.environ.get("SHARED_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
CSV_FILES = ("exchange-listings-guiyang.csv", "exchange-listings-zhejiang.csv")

# Keyword in the exchange's category → our domain code (first hit wins; unknown → other).
CATEGORY_DOMAINS = (
    ("金融", "finance"), ("信用", "credit"), ("企业服务", "credit"), ("卫生", "health"), ("医", "health"),
    ("交通", "transport"), ("物流", "transport"), ("文化", "culture_tourism"), ("住宿", "culture_tourism"),
    ("教育", "education"), ("环境", "environment"), ("水利", "environment"), ("批发", "market_regulation"),
    ("电商", "market_regulation"), ("农", "agriculture"), ("电力", "energy"), ("采矿", "energy"),
    ("社会保障", "social_security"), ("公共", "urban"), ("城市", "urban"), ("建筑", "urban"),
)
PRICE_MODES = {"usage-based": "per_call_flat", "one-off": "one_off", "subscription": "subscription_year",
               "negotiation": "negotiated", "free": "free_public"}
TYPE_BY_MODE = {"usage-based": "api", "one-off": "package", "subscription": "service", "negotiation": "report",
                "free": "package"}


def read_listings(names=CSV_FILES) -> list[dict]:
    """Every row of the shared CSV files, with a `file` key."""
    rows = []
    for name in names:
        with open(DATA_DIR / name, newline="", encoding="utf-8") as fh:
            rows += [{**row, "file": name} for row in csv.DictReader(fh)]
    return rows


def domain_of(category: str) -> str:
    """Our domain code for an exchange category."""
    return next((code for word, code in CATEGORY_DOMAINS if word in (category or "")), "other")


def plan_of(row: dict) -> dict:
    """A pricing.PlanTerms dict for the row's price mode and price (yuan)."""
    form = PRICE_MODES.get(row.get("price_mode", ""), "negotiated")
    fen = round(float(row.get("price") or 0) * 100)
    if form == "per_call_flat":
        return {"form": form, "unit_price_fen": str(max(fen, 1))} if fen else {"form": "negotiated"}
    if form in ("one_off", "subscription_year"):
        if not fen:
            return {"form": "negotiated"}
        return {"form": form, "price_fen": fen, **({"period_months": 12} if form == "subscription_year" else {})}
    return {"form": form}


def product_fields(row: dict) -> dict:
    """Product column values for one CSV row (slug from a hash of title + provider)."""
    key = hashlib.sha1(f"{row['title']}|{row.get('provider', '')}".encode()).hexdigest()
    return {
        "slug": f"p-{key[:12]}",
        "title": row["title"].strip()[:200] or "未命名数据产品",
        "description_md": row.get("description") or "",
        "domain": domain_of(row.get("category", "")),
        "type": TYPE_BY_MODE.get(row.get("price_mode", ""), "package"),
        "update_frequency": row.get("update_frequency") or "irregular",
        "source_key": key,
    }
