"""Every benchmark in bench/ still runs, at a tiny size on SQLite, and ends with the line its docstring promises.

The benchmarks are run by hand and their figures go into issue notes; nothing else runs them, so a change to the
code they drive (a vocabulary that became a dict) once broke bench/search.py unnoticed. No timing is asserted.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"\d+(\.\d+)?"

BENCHES = {
    "search": (["--n", "300", "--rounds", "1"], rf"^search p50 {NUMBER} ms p95 {NUMBER} ms at 300 products$"),
    "settlement": (["--events", "3000", "--keys", "10", "--products", "4"],
                   rf"^close {NUMBER} s group-by {NUMBER} s ratio {NUMBER} at 3000 events$"),
    "popular": (["--events", "3000", "--keys", "10", "--products", "4"], rf"ratio {NUMBER} at 3000 events$"),
    "pricing_reference": (["--limit", "3"], rf"ratio {NUMBER}$"),
    "metering": (["--seconds", "1", "--rounds", "1", "--rows", "200", "--clients", "2"],
                 rf"^metered {NUMBER} req/s bare {NUMBER} req/s ratio {NUMBER}$"),
}


@pytest.mark.parametrize("name", sorted(BENCHES))
def test_bench_runs_and_prints_its_last_line(name, tmp_path):
    args, last_line = BENCHES[name]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines and re.search(last_line, lines[-1]), done.stdout[-2000:]
