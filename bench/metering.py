"""Metered API throughput against a bare Flask route doing the same lookup (DESIGN: ratio ≥ 0.8; issue 14: 0.85).

    python bench/metering.py [--postgres [--pg-setting commit_delay=200]] [--database-url URL] [--seconds 8]
        [--clients 16] [--rows 20000] [--worker-class sync|gthread --workers N --threads N] [--rate-limit N]

Builds a throwaway SQLite database (or, with --postgres, a throwaway PostgreSQL server with the durable settings:
fsync, synchronous_commit and full_page_writes on; or --database-url, an EMPTY database), starts gunicorn with the
recommended server of the backend (SERVER: gthread 2×8 on PostgreSQL, 2 sync workers on SQLite), drives both
endpoints with the same concurrent load in alternating rounds, and prints the database's commit settings (read
back from the server) on its first line and on its last line:
    metered A req/s bare B req/s ratio R

Both routes run in the same workers and hold one connection per thread; R is the cost of auth, quota, masking and
the durable usage write (on PostgreSQL each call's own autocommit statement; GATEWAY_GROUP_COMMIT=1 in the
environment: through the group committer, marketplace/gateway/group_commit.py).
Measured 2026-12-06 (quiet, 16 s a run): PostgreSQL 0.63, 0.69, 0.69, 0.69, 0.70 with usage_event without foreign
keys (migration 0011) against 0.63, 0.64, 0.64, 0.64 with them; SQLite 0.82. README, production section.
Measured 2026-12-03 (load 1–5, alternating back to back): PostgreSQL own commits 0.71, 0.70, 0.73; group commit
0.65, 0.63, 0.67; SQLite 0.87, 0.87, 0.84 (0.80, 0.74, 0.73 with the lookup through SQLAlchemy). README.
Measured 2026-12-02 on 2 cores shared with 7 other jobs (load 4–10; bare 350–1100 req/s, 2,400 when quiet), one run
per figure, durable PostgreSQL 15, 16 clients: gthread 2×8 with group commit 0.56–0.86 (median 0.66 of 6); the same
with PostgreSQL's own flush grouping only (GATEWAY_GROUP_COMMIT=0) 0.57–0.82 (median 0.69 of 6); commit_delay=200
commit_siblings=2 0.54–0.56; 2 sync workers, 8 clients 0.65–0.74; synchronous_commit=off (not durable) 0.80.
A/B back to back on one durable server: the code before (2 sync workers) 0.42–0.68, metered 298–370 req/s;
this change (gthread 2×8, group commit) 0.65–0.77, metered 556–591 req/s. SQLite: 2 sync workers 0.76 (0.50–0.70
later, the code before alike: 0.54, 0.65 back to back), gthread 2×8 0.56. The disk takes 3.3 ms per fdatasync.
Earlier: SQLite 0.78–0.80, PostgreSQL 0.66 durable (0.82 on the fsync-off test server, which no deployment
uses). README, production section.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The recommended server of each backend (README, production): (worker class, workers, threads).
SERVER = {"postgresql": ("gthread", 2, 8), "sqlite": ("sync", 2, 1)}
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(url: str, rows: int) -> tuple[str, int, str, list[str]]:
    """Schema, an API product with `rows` enterprises, a buyer key: (slug, dataset id, key, codes)."""
    from sqlmodel import Session

    from marketplace.audit import Actor
    from marketplace.db import make_engine
    from marketplace.gateway.datasets import Definition, Table, define_dataset
    from marketplace.gateway.demo import CREDIT_RULES, enterprises
    from marketplace.gateway.provision import grant_access
    from marketplace.schema import create_schema
    from tests.factories import make_org, make_product

    engine = make_engine(url)
    create_schema(engine)
    actor = Actor.system("bench")
    with Session(engine, expire_on_commit=False) as session:
        product = make_product(session, type="api", plans=({"form": "per_call_flat", "unit_price_fen": "5"},))
        firms = enterprises(rows)
        dataset = define_dataset(session, actor=actor, product=product, table=Table(tuple(firms[0]), firms),
                                 definition=Definition(key_fields=("uscc",), rules=CREDIT_RULES))
        _ent, key = grant_access(session, actor=actor, buyer=make_org(session), product=product)
        session.commit()
    engine.dispose()
    return product.slug, dataset.id, key, [f["uscc"] for f in firms]


def drive(port: int, paths: list[str], headers: dict, seconds: float, clients: int) -> tuple[float, dict]:
    """Requests per second over `seconds` with `clients` threads, each on fresh connections."""
    stop, counts, statuses, lock = threading.Event(), [0] * clients, {}, threading.Lock()

    def client(i: int) -> None:
        rng = random.Random(i)
        while not stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", rng.choice(paths), headers=headers)
            resp = conn.getresponse()
            resp.read()
            conn.close()
            counts[i] += 1
            with lock:
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - start), statuses


def serve(url: str, port: int, rate_limit: int = 0, *, workers: int = 2, threads: int = 1,
          worker_class: str = "sync") -> subprocess.Popen:
    """gunicorn on the bench WSGI module: both routes in the same workers."""
    env = {**os.environ, "DATABASE_URL": url, "AUTO_MIGRATE": "0", "DEMO_DATA": "0", "SECRET_KEY": "bench",
           "GATEWAY_RATE_PER_SECOND": str(rate_limit), "GATEWAY_BURST": str(2 * rate_limit), "PYTHONPATH": str(ROOT),
           "APP_ENV": "development"}
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", worker_class, "--threads", str(threads),
           "-b", f"127.0.0.1:{port}", "--log-level", "warning",
           "--chdir", str(ROOT / "bench"), "wsgi_bench:app"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    booted: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # every worker has imported the app (4 s each here) before a round starts
        try:
            booted.add(_worker_pid(port))
            if len(booted) == workers:
                return proc
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"gunicorn did not start {workers} workers")


def _worker_pid(port: int) -> int:
    """The pid of the worker that answers a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/bench/pid")
        return json.loads(conn.getresponse().read())["pid"]
    finally:
        conn.close()


PG_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes", "commit_delay", "commit_siblings")


def durability(url: str) -> str:
    """The first line of output: how durable the database under test commits (read back from the server)."""
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite"):
        return "database sqlite journal_mode=WAL synchronous=NORMAL (marketplace/db.py)"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            shown = {n: conn.execute(text(f"SHOW {n}")).scalar() for n in PG_SETTINGS}
            version = conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()
    durable = shown["fsync"] == "on" and shown["synchronous_commit"] == "on"
    settings = " ".join(f"{k}={v}" for k, v in shown.items())
    return f"database postgresql {version} {settings} ({'durable, as deployed' if durable else 'NOT durable'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--database-url", help="an EMPTY database (PostgreSQL: as deployed, fsync on)")
    parser.add_argument("--postgres", action="store_true",
                        help="start a throwaway PostgreSQL server with durable settings (fsync, synchronous_commit)")
    parser.add_argument("--pg-setting", action="append", default=[], metavar="NAME=VALUE",
                        help="with --postgres: a server setting, e.g. commit_delay=100")
    parser.add_argument("--workers", type=int, help="default: SERVER of the backend")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--worker-class", choices=("sync", "gthread"))
    parser.add_argument("--rate-limit", type=int, default=0,
                        help="per-key calls/s of the shared rate limiter (0: off; e.g. 1000000 to pay its cost)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="bench-metering-")
    server = None
    if args.postgres:
        from tests.gateway.durable_pg import DurablePostgres

        server = DurablePostgres(dict(s.split("=", 1) for s in args.pg_setting))
        url = server.start()
    else:
        url = args.database_url or f"sqlite:///{tmp.name}/bench.db"
    worker_class, workers, threads = SERVER["sqlite" if url.startswith("sqlite") else "postgresql"]
    args.worker_class, args.workers = args.worker_class or worker_class, args.workers or workers
    args.threads = args.threads or (threads if args.worker_class == worker_class else 1)
    try:
        print(durability(url), flush=True)
        print(f"gunicorn -k {args.worker_class} -w {args.workers} --threads {args.threads}, {args.clients} clients",
              flush=True)
        metered, bare = measure(url, args)
    finally:
        if server is not None:
            server.stop()
        tmp.cleanup()
    print(f"metered {metered:.0f} req/s bare {bare:.0f} req/s ratio {metered / bare:.2f}")


def measure(url: str, args) -> tuple[float, float]:
    """Mean req/s of the metered and the bare route, alternating rounds on one server."""
    slug, dataset_id, key, codes = build(url, args.rows)
    port = _free_port()
    proc = serve(url, port, args.rate_limit, workers=args.workers, threads=args.threads,
                 worker_class=args.worker_class)
    try:
        sample = random.Random(1).sample(codes, min(len(codes), 2000))
        metered_paths = [f"/api/v1/data/{slug}?uscc={c}" for c in sample]
        bare_paths = [f"/bench/bare/{dataset_id}?uscc={c}" for c in sample]
        auth = {"Authorization": f"Bearer {key}"}
        drive(port, metered_paths[:50], auth, 1.5, args.clients)  # warm up both workers and caches
        drive(port, bare_paths[:50], {}, 1.5, args.clients)
        bare = metered = 0.0
        for _round in range(args.rounds):  # alternate, so background load hits both alike
            b, bare_st = drive(port, bare_paths, {}, args.seconds / args.rounds, args.clients)
            m, metered_st = drive(port, metered_paths, auth, args.seconds / args.rounds, args.clients)
            bare, metered = bare + b / args.rounds, metered + m / args.rounds
            print(f"round {_round + 1}: metered {m:.0f} {metered_st} bare {b:.0f} {bare_st}", file=sys.stderr)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    return metered, bare


if __name__ == "__main__":
    main()
