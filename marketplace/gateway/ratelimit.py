"""Per-key token bucket shared by every worker process: bursts up to `burst`, refills at `rate` calls per second.

The bucket is a row of rate_bucket in the database the gateway already writes to (SQLite or PostgreSQL), taken
by ONE conditional UPSERT on the thread's autocommit connection: the row refills by the time since its last
call, and one token is taken only when at least one is there. N gunicorn workers together allow the limit once.
The clock is the application hosts' wall clock (time.time, injectable); a clock going back refills nothing.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable

from sqlalchemy.engine import Connection

# :now - at, never negative (another host's clock slightly ahead, or a clock set back)
_REFILL = "{least}(:burst, rate_bucket.tokens + {greatest}(0, :now - rate_bucket.at) * :rate)"
_TAKE = ("INSERT INTO rate_bucket (api_key_id, tokens, at) VALUES (:key_id, :burst - 1, :now)"
         " ON CONFLICT (api_key_id) DO UPDATE SET tokens = {refill} - 1, at = :now"
         " WHERE {refill} >= 1 RETURNING tokens")
_LEFT = "SELECT tokens, at FROM rate_bucket WHERE api_key_id = :key_id"


def install_unlogged_buckets(connection: Connection) -> None:
    """PostgreSQL: rate_bucket is UNLOGGED, so taking a token writes no WAL and its commit waits for no flush
    (a crash empties the table: every key starts again with a full burst). Also in migration 0004_h."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ALTER TABLE IF EXISTS rate_bucket SET UNLOGGED")  # 0002 runs it earlier




class SharedRateLimiter:
    """allow(dbc, key_id) → (True, 0) or (False, seconds to wait); a plan may bring its own rate."""

    def __init__(self, writer, rate: float, burst: int, *, clock: Callable[[], float] = time.time):
        self.writer, self.rate, self.burst, self.clock = writer, float(rate), max(1, int(burst)), clock
        pg = writer.pg
        refill = _REFILL.format(least="LEAST" if pg else "MIN", greatest="GREATEST" if pg else "MAX")
        take, left = _TAKE.format(refill=refill), _LEFT
        if pg:
            take, left = (re.sub(r":(\w+)", r"%(\1)s", q) for q in (take, left))
        self.sql_take, self.sql_left = take, left

    def limits(self, plan_rate: int | None) -> tuple[float, int]:
        """(rate, burst) for a key: the plan's own rate (burst twice that), else the exchange's setting."""
        if plan_rate:
            return float(plan_rate), 2 * int(plan_rate)
        return self.rate, self.burst

    def allow(self, dbc, key_id: int, *, plan_rate: int | None = None) -> tuple[bool, int]:
        """Take one token for this key if there is one (commits on the DB-API connection `dbc`)."""
        rate, burst = self.limits(plan_rate)
        if rate <= 0:
            return True, 0
        params = {"key_id": key_id, "burst": float(burst), "rate": rate, "now": self.clock()}
        cur = dbc.cursor()
        try:
            if not self.writer.pg:
                self.writer.begin_immediate(cur)  # the hot connection has busy_timeout 0: poll for the lock
            cur.execute(self.sql_take, params)
            taken = cur.fetchone() is not None
            left = None
            if not taken:
                cur.execute(self.sql_left, params)
                left = cur.fetchone()
            dbc.commit()  # PostgreSQL in autocommit: already committed
        except BaseException:
            dbc.rollback()
            raise
        finally:
            cur.close()
        if taken:
            return True, 0
        tokens = min(burst, left[0] + max(0.0, params["now"] - left[1]) * rate) if left else 0.0
        return False, max(1, math.ceil((1.0 - tokens) / rate))
