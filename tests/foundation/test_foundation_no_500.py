"""Never a 500 for user input: every route, as every role, with odd path values, odd query strings and
empty or garbage form posts, answers below 500."""

import pytest
from werkzeug.routing import IntegerConverter

from marketplace.models import Role
from tests.factories import make_product, make_user

ODD_STRINGS = ["x", "999999", "-1", "%3Cscript%3E", "PDX000"]
ODD_QUERY = "?page=-1&per_page=0&q=%E4%BF%A1%E7%94%A8%27%22&status=zzz&type=zzz&sort=zzz&plan=abc&days=-5&start=x"


def _urls(rule, product_slug: str):
    for value in ODD_STRINGS + [product_slug]:
        args = {}
        for name, conv in rule._converters.items():
            args[name] = (999999 if not value.lstrip("-").isdigit() else int(value)) \
                if isinstance(conv, IntegerConverter) else value
        try:
            yield rule.build(args, append_unknown=False)[1]
        except Exception:  # a converter refuses the value: that URL cannot be requested anyway
            continue


@pytest.mark.parametrize("role", [None, Role.BUYER, Role.OPERATOR, Role.BROKER, Role.AUTHORITY,
                                  Role.REVIEWER, Role.FINANCE, Role.ADMIN])
def test_no_route_answers_500(app, web, session, role):
    product = make_product(session)
    if role is not None:
        web.login(make_user(session, role).email)
    failures, requests = [], 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint == "auth.logout":
            continue
        for url in _urls(rule, product.slug):
            if "GET" in rule.methods:
                for suffix in ("", ODD_QUERY):
                    status = web.get(url + suffix).status_code
                    requests += 1
                    if status >= 500:
                        failures.append(("GET", url + suffix, status))
            if "POST" in rule.methods:
                for data in ({}, {"amount": "abc", "quantity": "-5", "plan_id": "x", "reason": "x" * 5000}):
                    status = web.post(url, data).status_code
                    requests += 1
                    if status >= 500:
                        failures.append(("POST", url, status))
    assert failures == []
    assert requests > 500  # the walk really covered the URL map
