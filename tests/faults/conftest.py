"""Fault tests reuse the gateway's API fixtures (an API product, its dataset, an entitlement and a key) and the
payments' localstripe with its webhook inbox."""

from tests.gateway.conftest import gw_app, make_api  # noqa: F401 - fixtures
from tests.payments.conftest import inbox, localstripe  # noqa: F401 - fixtures
