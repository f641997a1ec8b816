"""How good is the pricing desk's reference? Hold out a fifth of the shared real listings, price each held-out
priced listing from the rest with the desk's comparables (marketplace.catalog.comparables), and compare the
median reference with the real price; the median of the listing's category (same unit) is the baseline.

    python bench/pricing_reference.py [--holdout-percent 20] [--limit 10]

Last line: reference within-2x W median-abs-log10 E baseline within-2x B ratio W/B (plus timing).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from listings import plan_of, product_fields, read_listings  # noqa: E402

from marketplace.catalog import comparables  # noqa: E402
from marketplace.catalog.comparables import ComparablePool, listings_of, words_of  # noqa: E402
from pricing import PlanTerms  # noqa: E402
from pricing.reference import unit_of  # noqa: E402


def build(rows: list[dict]) -> list[tuple[dict, dict, comparables.Listing]]:
    """(row, product fields, listing) for every priced row."""
    out, seen = [], set()
    for row in rows:
        fields = product_fields(row)
        if fields["source_key"] in seen:  # the same title and provider twice: one listing
            continue
        seen.add(fields["source_key"])
        terms = PlanTerms.from_dict(plan_of(row))
        words = words_of(f"{fields['title']}\n{fields['description_md']}")
        for listing in listings_of(
            slug=fields["slug"],
            title=fields["title"],
            type=fields["type"],
            domain=fields["domain"],
            words=words,
            plans=[terms],
        ):
            out.append((row, fields, listing))
    return out


def held_out(key: str, percent: int) -> bool:
    """Deterministic hold-out by a hash of the listing's import key."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100 < percent


def log_error(estimate: Decimal, real: Decimal) -> float:
    return abs(math.log10(float(estimate) / float(real)))


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--holdout-percent", type=int, default=20)
    parser.add_argument("--limit", type=int, default=comparables.LIMIT)
    args = parser.parse_args(argv)
    priced = build(read_listings())
    test = [p for p in priced if held_out(p[1]["source_key"], args.holdout_percent)]
    train = [p for p in priced if not held_out(p[1]["source_key"], args.holdout_percent)]
    pool = ComparablePool(listing for _, _, listing in train)
    by_category: dict[tuple[str, str], list[Decimal]] = {}
    for row, _, listing in train:
        by_category.setdefault((row.get("category", ""), listing.unit), []).append(listing.unit_price_fen)
    ref_errors, base_errors, times = [], [], []
    for row, fields, listing in test:
        form = sorted(listing.forms)[0]
        started = time.perf_counter()
        stats, _ = pool.reference(
            charge_form=form, type=fields["type"], domain=fields["domain"], words=listing.words, limit=args.limit
        )
        times.append(time.perf_counter() - started)
        if stats.median:
            ref_errors.append(log_error(stats.median, listing.unit_price_fen))
        same = by_category.get((row.get("category", ""), unit_of(form))) or [
            item.unit_price_fen for item in pool.listings if item.unit == listing.unit
        ]
        base_errors.append(log_error(Decimal(statistics.median(same)), listing.unit_price_fen))
    within = sum(e <= math.log10(2) for e in ref_errors) / len(test)
    base_within = sum(e <= math.log10(2) for e in base_errors) / len(test)
    print(
        f"listings {len(priced)} priced, {len(train)} reference, {len(test)} held out; "
        f"{len(ref_errors)} got a reference; ranking {statistics.median(times) * 1000:.2f} ms median, "
        f"{max(times) * 1000:.2f} ms max per listing"
    )
    line = (
        f"reference within-2x {within:.2f} median-abs-log10 {statistics.median(ref_errors):.2f} "
        f"baseline within-2x {base_within:.2f} ratio {within / base_within:.1f}"
    )
    print(line)
    return line


if __name__ == "__main__":
    main()
