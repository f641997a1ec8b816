"""Fault tests reuse the gateway's API fixtures (an API product, its dataset, an entitlement and a key)."""

from tests.gateway.conftest import gw_app, make_api  # noqa: F401 - fixtures
