"""Run localstripe (a stateful Stripe stand-in from PyPI) on a loopback port, and catch its webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
import stripe

from tests.pg import free_port

SECRET_KEY = "sk_test_exchange"
PUBLISHABLE_KEY = "pk_test_exchange"
WEBHOOK_SECRET = "whsec_test_exchange"

# localstripe's own start() binds every interface and pickles its store to /tmp/localstripe.pickle, which
# other runs share; this runner keeps the store in memory and listens on loopback only.
_RUNNER = """
import sys
import localstripe.resources as resources
resources.Store.dump_to_disk = lambda self: None
from aiohttp import web
from localstripe.server import app
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


class LocalStripe:
    """A localstripe subprocess; `base` is its URL (STRIPE_API_BASE)."""

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> LocalStripe:
        self.proc = subprocess.Popen([sys.executable, "-c", _RUNNER, str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"localstripe exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if requests.get(f"{self.base}/js.stripe.com/v3/", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("localstripe did not start in time")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def config(self) -> dict:
        """The STRIPE_* app settings that point at this stand-in."""
        return {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
                "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": self.base}

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(SECRET_KEY, base_addresses={"api": self.base}, max_network_retries=0)

    def register_webhook(self, name: str, url: str, secret: str = WEBHOOK_SECRET) -> None:
        """Ask localstripe to POST its signed events to `url` (its /_config/webhooks API)."""
        resp = requests.post(f"{self.base}/_config/webhooks/{name}", data={"url": url, "secret": secret}, timeout=5)
        resp.raise_for_status()


@dataclass
class Delivery:
    body: bytes
    signature: str

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookInbox:
    """A loopback HTTP endpoint that records what localstripe delivers (to replay into the test client)."""

    deliveries: list[Delivery] = field(default_factory=list)
    url: str = ""

    def start(self) -> WebhookInbox:
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                inbox.deliveries.append(Delivery(body, self.headers.get("Stripe-Signature", "")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/stripe"
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def wait_for(self, event_type: str, object_id: str, timeout: float = 10) -> Delivery:
        """The delivery of this event type about this object (localstripe sends about 1 s later)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for d in list(self.deliveries):
                ev = d.event
                if ev["type"] == event_type and ev["data"]["object"]["id"] == object_id:
                    return d
            time.sleep(0.05)
        raise AssertionError(f"no {event_type} webhook for {object_id} within {timeout}s")


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header exactly as Stripe builds it: t=<ts>,v1=<HMAC-SHA256(secret, "t.payload")>."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def event_json(event_type: str, obj: dict, event_id: str | None = None) -> str:
    """An event body as Stripe sends it, around an API object."""
    return json.dumps({"id": event_id or f"evt_test_{time.time_ns()}", "object": "event", "type": event_type,
                       "api_version": "2017-08-15", "created": int(time.time()), "livemode": False,
                       "data": {"object": obj}})
