"""English is complete: every page, as every role, in English shows no Chinese outside the data people entered.

The demo database is the arranged data (every party, product type, order state, bill, report, disclosure). Each
role signs in, switches to English and walks the store: every GET route without parameters, then the links the
pages show (so an object page is reached the way a person reaches it), then, for a route no link led to, the
objects of its table. A run of CJK characters on a page must be a run of some user-data value in the database
(names, titles, descriptions, reasons, ...: see USER_DATA) or of the exchange's configured bank account; a value
that is one of the code's own messages or labels is vocabulary, not data, and Chinese punctuation alone counts as
data only where a value holds it with the same text around it (a description's "`no_match`；", which its product
page shows rendered as "<code>no_match</code>；": there the text around it is read without the tags). A shortened
value ("…") or a masked one ("王**") may show a part of its run. Content marked lang="zh-Hans" (the language
switch, the logo glyph, a copy of an e-mail sent in Chinese) is Chinese on purpose.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select
from sqlmodel import Session, SQLModel
from werkzeug.exceptions import HTTPException

from marketplace.audit import Actor
from marketplace.billing.run import bill_usage
from marketplace.catalog.details import render_markdown
from marketplace.clock import today as exchange_today
from marketplace.demo import DEMO_PASSWORD, load_demo
from marketplace.models import (
    AccessApplication,
    Agreement,
    Disclosure,
    Order,
    Organization,
    Product,
    ProductRevision,
    QuoteRequest,
    ReturnReport,
    SettlementPeriod,
    Statement,
    UsageBill,
    User,
)
from marketplace.org_members import invite
from marketplace.schema import create_schema

pytestmark = pytest.mark.timeout(900)

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")
HREF = re.compile(r'href="(/[^"#?]*)')
META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
MARKED_CHINESE = re.compile(r'<(\w+)\b[^>]*\blang="zh-Hans"[^>]*>.*?</\1>', re.S)
OPTION_VALUE = re.compile(r'(<option\b[^>]*?)\svalue="[^"]*"')  # the stored code of a choice: never shown
TAG = re.compile(r"<[^>]*>")
ROOT = Path(__file__).resolve().parents[2]

# Columns whose values people type (or that the demo fills in their stead): these may show as they were entered.
# JSON columns count by their string leaves. Anything the code writes (check results, labels) is not here.
USER_DATA = {
    "organization": ("name", "contact_name", "address", "status_note"), "user": ("name",),
    "agreement": ("title", "scenarios", "security_duties", "exit_terms", "status_reason"),
    "broker_qualification": ("cert_no", "issuer"), "orders": ("purpose", "invoice_title", "note"),
    "product": ("title", "summary", "description_md", "version_notes", "data_dictionary", "sample_rows",
                "delivery_mode"),
    "product_revision": ("content", "reject_reason"), "price_plan": ("name",),
    "access_application": ("purpose", "scenario", "decision_reason"),
    "api_dataset": ("source_name", "key_fields", "match_fields", "returned_fields"), "cost_entry": ("note",),
    "quote_request": ("volume", "period", "message"), "quote_offer": ("note",), "quote_message": ("body",),
    "order_line": ("title", "plan_name"), "deliverable": ("filename",),
    "offline_delivery": ("method", "reference", "note"), "api_key": ("label",), "return_report": ("return_reason",),
    "payment": ("note",), "dataset_row": ("data",), "notification": ("params",),
    "disclosure": ("content",),  # the published snapshot of the names and texts above
}
# Free text the code also fills with its own labels (a delivery mode, a published snapshot's domain labels): there a
# value that is one of the code's messages is vocabulary, shown translated, not data.
VOCABULARY_TOO = {("product", "delivery_mode"), ("product_revision", "content"), ("disclosure", "content")}
# Values a page shows rendered as Markdown (marketplace.catalog.details.render_markdown): their text counts too.
MARKDOWN = {("product", "description_md")}
# The keys of a revision's content that people type (the others are codes or vocabulary, e.g. region).
REVISION_DATA = ("title", "summary", "description_md", "version_notes", "data_dictionary", "sample_rows", "plans",
                 "delivery_mode")

# GET routes that answer a file or JSON, not a page, each with its reason.
NOT_PAGES = {
    "static": "stylesheets, scripts and fonts",
    "main.switch_language": "sets the language and redirects",
    "main.healthz": "JSON health check",
    "api.openapi": "JSON API description", "api.products": "JSON API", "api.product": "JSON API",
    "api.price_index_json": "JSON API", "api.price_reference_json": "JSON API",
    "gateway.data_call": "the metered data API (JSON)", "gateway.usage_api": "JSON usage API",
    "gateway.buyer_calls_csv": "CSV download", "gateway.seller_calls_csv": "CSV download",
    "audit.export_csv": "CSV download", "audit.download_checkpoint": "JSON download",
    "orders.download": "file download", "disclosure.pdf": "PDF download",
    "money.invoice_export": "CSV/XLSX download", "money.finance_statement_export": "CSV/XLSX/PDF download",
    "money.own_statement_export": "CSV/XLSX/PDF download", "returns.authority_export": "XLSX/PDF download",
    "returns.operator_export": "XLSX/PDF download",
}
ROLES = [None, "admin@demo.cn", "reviewer@demo.cn", "finance@demo.cn", "authority@demo.cn", "operator@demo.cn",
         "operator3@demo.cn", "broker@demo.cn", "buyer@demo.cn", "buyer2@demo.cn"]
PER_ENDPOINT = 3  # distinct pages of one endpoint a role reads (object pages differ by type and state)


def _leaves(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)


def _strings(value: str):
    yield value
    if value[:1] in "[{":
        try:
            yield from _leaves(json.loads(value))
        except ValueError:
            pass


def _messages() -> set[str]:
    """Every message and label of the code (the msgids of the English catalog)."""
    with (ROOT / "marketplace/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        return {m.id for m in read_po(f) if m.id and isinstance(m.id, str)}


def _runs(text: str) -> set[str]:
    return {r for r in CJK.findall(text) if IDEOGRAPH.search(r)}


def _page_text(html: str) -> str:
    """What a reader sees of some HTML: the text without its tags."""
    return unescape(TAG.sub("", html))


def user_data(session: Session, bank: dict) -> tuple[set[str], list[str]]:
    """Every CJK run (with at least one ideograph) of a user-data value in the database or the bank setting, and
    the values themselves."""
    messages = _messages()
    texts = [v for v in bank.values() if isinstance(v, str)]
    for table_name, names in USER_DATA.items():
        table = SQLModel.metadata.tables[table_name]
        for row in session.execute(select(*(table.c[n] for n in names))).mappings():
            for name, value in row.items():
                if not isinstance(value, str):
                    continue
                if table_name == "product_revision" and name == "content":
                    content = json.loads(value)
                    value = json.dumps([content.get(k) for k in REVISION_DATA], ensure_ascii=False)
                vocabulary = messages if (table_name, name) in VOCABULARY_TOO else ()
                texts += [text for text in _strings(value) if text not in vocabulary]
                if (table_name, name) in MARKDOWN:
                    texts.append(_page_text(render_markdown(value)))
    return set().union(*(_runs(t) for t in texts)), texts


def _arrange(session: Session, tmp_path) -> dict:
    """The demo, last month's usage bills, and an open invitation (its link is a page too)."""
    load_demo(session, tmp_path / "files")
    month = (exchange_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    bill_usage(session, period=month, actor=Actor.system("test"))
    buyer = session.execute(select(User).where(User.email == "buyer@demo.cn")).scalar_one()
    admin = Actor(user_id=buyer.id, label=buyer.email, org_id=buyer.org_id)  # the first user: the org admin
    _, token = invite(session, actor=admin, email="colleague@demo.cn", role="buyer")
    session.commit()
    return {"token": token}


def _candidates(session: Session, token: str) -> dict[str, list]:
    """Values for each URL parameter, from the arranged data (for routes no page links to)."""
    def column(c):
        return list(session.execute(select(c).order_by(c)).scalars())

    return {"org_id": column(Organization.id), "agreement_id": column(Agreement.id),
            "product_id": column(Product.id), "report_id": column(ReturnReport.id),
            "statement_id": column(Statement.id), "quote_id": column(QuoteRequest.id),
            "revision_id": column(ProductRevision.id), "application_id": column(AccessApplication.id),
            "slug": column(Product.slug), "number": column(Order.number) + column(UsageBill.number),
            "period": column(SettlementPeriod.period), "year": sorted(set(column(ReturnReport.year))),
            "token": [token]}


def _fallback_urls(rule, values: dict, session: Session):
    if rule.endpoint == "disclosure.page":
        rows = session.execute(select(Disclosure.year, Organization.uscc)
                               .join(Organization, Organization.id == Disclosure.operator_id)).all()
        return [rule.build({"year": str(y), "uscc": u}, append_unknown=False)[1] for y, u in rows]
    (name,) = rule.arguments
    return [rule.build({name: v}, append_unknown=False)[1] for v in values.get(name, [])]


class Allowed:
    """Which runs a page may show: user-data runs whole, or a part of one where the value was shortened or masked."""

    def __init__(self, runs: set[str], texts: list[str]):
        self.runs, self.parts, self.blob, self.contexts = runs, {}, "\n".join(texts), {}

    def shows(self, run: str, before: str, after: str, context: str = "") -> bool:
        if run in self.runs:
            return True
        if not IDEOGRAPH.search(run):  # punctuation: only with the text around it as a value has it
            if context not in self.contexts:
                self.contexts[context] = len(context) > len(run) + 2 and context in self.blob
            return self.contexts[context]
        if after in ("…", "*"):  # shortened ("企业信用…") or masked ("王**"): the start of a value's run
            return self._part(run, str.startswith)
        if before == "*":  # masked at the front ("**明"): the end of a value's run
            return self._part(run, str.endswith)
        return False

    def _part(self, run: str, how) -> bool:
        key = (run, how)
        if key not in self.parts:
            self.parts[key] = any(how(r, run) for r in self.runs)
        return self.parts[key]


def _text_around(html: str, start: int, end: int, width: int = 12) -> str:
    """The run with up to `width` characters of page text either side on its line, tags left out (for punctuation
    right next to markup, e.g. "<code>no_match</code>；")."""
    before = _page_text(html[max(start - 40 * width, 0):start]).rsplit("\n", 1)[-1][-width:]
    after = _page_text(html[end:end + 40 * width]).split("\n", 1)[0][:width]
    return (before + unescape(html[start:end]) + after).strip()


class Walk:
    """One role's walk through the store in English."""

    def __init__(self, app, allowed: Allowed, found: dict, covered: dict, role):
        self.app, self.allowed, self.found, self.covered, self.role = app, allowed, found, covered, role
        self.client, self.seen, self.per_endpoint = app.test_client(), set(), defaultdict(int)
        self.adapter = app.url_map.bind("localhost")

    def sign_in(self) -> None:
        if self.role:
            csrf = META.search(self.client.get("/login").get_data(as_text=True)).group(1)
            resp = self.client.post("/login", data={"email": self.role, "password": DEMO_PASSWORD, "csrf_token": csrf})
            assert resp.status_code == 302, self.role
        self.client.get("/lang/en")

    def endpoint(self, path: str) -> str | None:
        try:
            return self.adapter.match(path, method="GET")[0]
        except HTTPException:
            return None

    def read(self, path: str) -> list[str]:
        """Read one page; returns the paths it links to."""
        endpoint = self.endpoint(path)
        if endpoint is None or endpoint in NOT_PAGES or path in self.seen:
            return []
        if self.per_endpoint[endpoint] >= PER_ENDPOINT:
            return []
        self.seen.add(path)
        resp = self.client.get(path, follow_redirects=True)
        if resp.status_code != 200 or resp.mimetype != "text/html":
            return []
        self.per_endpoint[endpoint] += 1
        self.covered[endpoint].add(self.role)
        html = resp.get_data(as_text=True)
        assert '<html lang="en"' in html, path
        html = OPTION_VALUE.sub(r"\1", MARKED_CHINESE.sub("", html))
        for m in CJK.finditer(html):
            before, after = html[max(m.start() - 12, 0):m.start()], html[m.end():m.end() + 12]
            context = unescape(before.rsplit(">", 1)[-1] + m.group(0) + after.split("<", 1)[0]).strip()
            shown = self.allowed.shows(m.group(0), before[-1:], after[:1], context)
            if not shown and not IDEOGRAPH.search(m.group(0)) and (before.endswith(">") or after.startswith("<")):
                shown = self.allowed.shows(m.group(0), "", "", _text_around(html, m.start(), m.end()))
            if not shown:
                self.found[m.group(0)].add(f"{self.role or 'anonymous'} {path}")
        return HREF.findall(html)

    def walk(self, start: list[str]) -> None:
        queue = list(start)
        while queue:
            queue.extend(self.read(queue.pop(0)))


@pytest.fixture
def english_app(db_url, backend, tmp_path):
    """The app with card payments configured (their pages render; nothing is sent to Stripe on a GET)."""
    from marketplace.web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "AUTO_MIGRATE": False, "DEMO_DATA": False,
                      "SECRET_KEY": "test-secret", "SERVER_NAME": None, "STRIPE_SECRET_KEY": "sk_test_english",
                      "STRIPE_PUBLISHABLE_KEY": "pk_test_english", "STRIPE_API_BASE": "http://127.0.0.1:9",
                      "STORAGE_DIR": str(tmp_path / "files")})
    if backend == "sqlite":
        create_schema(app.extensions["engine"])
    yield app
    app.extensions["engine"].dispose()


def test_every_page_in_english_has_no_chinese_outside_user_data(english_app, tmp_path):
    engine = english_app.extensions["engine"].execution_options(sqlite_begin="NONE")  # never hold SQLite's lock
    with Session(engine, expire_on_commit=False) as session:
        token = _arrange(session, tmp_path)["token"]
        allowed = Allowed(*user_data(session, english_app.config["EXCHANGE_BANK"]))
        values = _candidates(session, token)
        rules = [r for r in english_app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in NOT_PAGES]
        found, covered = defaultdict(set), defaultdict(set)
        walks = []
        for role in ROLES:
            walk = Walk(english_app, allowed, found, covered, role)
            walk.sign_in()
            walk.walk([r.build({}, append_unknown=False)[1] for r in rules if not r.arguments]
                      + ([f"/invite/{token}"] if role is None else []))
            walks.append(walk)
        for rule in rules:  # a route no page linked to: the objects of its table, as each role, until one shows
            for walk in walks:
                if rule.endpoint in covered:
                    break
                for path in _fallback_urls(rule, values, session):
                    walk.read(path)
                    if rule.endpoint in covered:
                        break
    missing = sorted(r.endpoint for r in rules if r.endpoint not in covered)
    assert missing == [], f"no role could read these pages: {missing}"
    report = [f"{run}  ← {len(where)} pages, e.g. {sorted(where)[0]}" for run, where in sorted(found.items())]
    assert report == [], f"{len(report)} Chinese runs on English pages:\n" + "\n".join(report)
