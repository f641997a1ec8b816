"""Pause points for the fault tests; nothing happens unless MARKETPLACE_TEST_PAUSE names the step.

A process started with MARKETPLACE_TEST_PAUSE=<step>[,<step>...] stops at each named step (and says so on stderr
with its pid), so a test can SIGKILL it exactly there: halfway through a period close, inside a Stripe webhook's
transaction, after its commit. With MARKETPLACE_TEST_PAUSE_ONCE=<directory> each step pauses only the first time
any process reaches it (the worker gunicorn starts in place of a killed one goes on).
"""

from __future__ import annotations

import os
import sys
import time

PAUSE_ENV = "MARKETPLACE_TEST_PAUSE"
ONCE_ENV = "MARKETPLACE_TEST_PAUSE_ONCE"


def pause_point(step: str) -> None:
    """Stop here for an hour when the environment asks for this step (tests only)."""
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted or step not in wanted.split(","):
        return
    once = os.environ.get(ONCE_ENV)
    if once:
        try:
            os.close(os.open(os.path.join(once, f"paused-{step}"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    print(f"paused at {step} pid {os.getpid()}", file=sys.stderr, flush=True)
    time.sleep(3600)
