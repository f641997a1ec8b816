"""The `gateway` blueprint: the metered data API, its docs, usage pages and the API definition page."""

from flask import Blueprint

bp = Blueprint("gateway", __name__)

from marketplace.web.gateway import api, helpers, routes  # noqa: E402,F401  (views register on bp)
