"""A CLI command prints only its own output; LOG_LEVEL=INFO asks for the log lines (migrations and more)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _flask(tmp_path, *args, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("LOG_LEVEL", "DATABASE_URL", "APP_ENV")}
    env = {
        **base,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "DEMO_DATA": "0",
        "AUTO_MIGRATE": "1",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_command_prints_only_its_own_output(tmp_path):
    first = _flask(tmp_path, "verify-audit")  # migrates the empty database on the way
    assert first.returncode == 0, first.stderr
    assert first.stdout == "audit chain intact: 0 records\n"
    assert first.stderr == ""


def test_log_level_info_shows_the_migrations(tmp_path):
    verbose = _flask(tmp_path, "verify-audit", LOG_LEVEL="INFO")
    assert verbose.returncode == 0, verbose.stderr
    assert "Running upgrade" in verbose.stderr and verbose.stdout == "audit chain intact: 0 records\n"


def test_bad_log_level_is_refused_clearly(tmp_path):
    bad = _flask(tmp_path, "verify-audit", LOG_LEVEL="LOUD")
    assert bad.returncode != 0
    assert "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR" in bad.stderr.strip().splitlines()[-1]
