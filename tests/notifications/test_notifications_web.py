"""The bell, the list, opening and marking read, preferences, the development outbox, e-mail over SMTP."""

from __future__ import annotations

import re
import socketserver
import threading
from email import message_from_bytes, policy

import pytest

from marketplace.audit import Actor
from marketplace.models import Role
from marketplace.models.notifications import Notification
from marketplace.notifications import Notice, notify
from marketplace.notifications.inbox import save_preferences, unread_count
from marketplace.notifications.mail import SmtpSettings, build_message
from marketplace.web.notifications.render import link
from tests.factories import make_user
from tests.notifications.conftest import notes

BELL = re.compile(r'id="notif-count">(\d+)<')


def _tell(session, org_id, kind="bill_issued", n=1, **params):
    base = {"number": "ZD202610-000001", "amount": "¥1.00", "due": "2026-11-16"} if kind == "bill_issued" else {}
    for _ in range(n):
        notify(session, Notice(kind, (org_id,), base | params, subject_type="bill", subject_id="ZD202610-000001"))
    session.commit()


def _bell(web) -> int | None:
    m = BELL.search(web.get("/notifications").get_data(as_text=True))
    return int(m.group(1)) if m else None


def test_bell_counts_unread_and_opening_marks_read_and_follows_the_link(session, web, login_as):
    buyer = login_as(Role.BUYER)
    assert _bell(web) is None
    _tell(session, buyer.org_id, n=3)
    assert _bell(web) == 3
    page = web.get("/notifications").get_data(as_text=True)
    assert page.count("账单 ZD202610-000001 已出具：¥1.00，请在 2026-11-16 前付款") == 3
    first = notes(session)[0]
    resp = web.post(f"/notifications/{first.id}/open")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/bills/ZD202610-000001")
    assert notes(session)[0].read_at is not None and _bell(web) == 2
    assert web.post(f"/notifications/{first.id}/open").status_code == 302  # opening again is fine
    assert unread_count(session, user_id=buyer.id) == 2
    unread = web.get("/notifications?unread=1").get_data(as_text=True)
    assert unread.count('class="list-group-item p-0 notif-unread"') == 2
    resp = web.post("/notifications/read-all", follow_redirects=True)
    assert "已将 2 条通知标为已读" in resp.get_data(as_text=True)
    assert _bell(web) is None and unread_count(session, user_id=buyer.id) == 0


def test_someone_elses_notification_is_not_found_and_stays_unread(session, web, login_as):
    other = make_user(session, Role.BUYER)
    _tell(session, other.org_id)
    login_as(Role.BUYER)
    n = notes(session)[0]
    assert web.post(f"/notifications/{n.id}/open").status_code == 404
    assert notes(session)[0].read_at is None
    assert web.get("/notifications?page=abc").status_code == 400


def test_preferences_turn_a_category_off_for_in_app_and_mail(session, web, login_as):
    buyer = login_as(Role.BUYER)
    form = web.get("/notifications/preferences").get_data(as_text=True)
    assert 'name="on_billing"' in form and "checked" in form
    data = {f"on_{c}": "y" for c in ("usage", "demand", "listing", "cap", "agreement")} | {"email_locale": "en"}
    resp = web.post("/notifications/preferences", data, follow_redirects=True)
    assert "通知设置已保存" in resp.get_data(as_text=True)
    _tell(session, buyer.org_id)  # billing: turned off
    _tell(session, buyer.org_id, kind="application_approved", product="企业信用评分")
    assert [n.kind for n in notes(session, user_id=buyer.id)] == ["application_approved"]
    page = web.get("/notifications/preferences").get_data(as_text=True)
    switches = {m.group(2): "checked" in m.group(1) for m in re.finditer(r'<input([^>]*id="on_(\w+)"[^>]*)>', page)}
    assert switches == {"usage": True, "billing": False, "demand": True, "listing": True, "cap": True,
                        "agreement": True}
    bad = web.post("/notifications/preferences", {"email_locale": "fr"})
    assert bad.status_code == 400


def test_outbox_shows_the_mail_to_admins_in_development_only(app, session, web, login_as):
    buyer = make_user(session, Role.BUYER)
    _tell(session, buyer.org_id)
    login_as(Role.ADMIN)
    page = web.get("/dev/outbox").get_data(as_text=True)
    assert buyer.email in page and "账单 ZD202610-000001 已出具：¥1.00" in page
    assert "/bills/ZD202610-000001" in page and "/notifications/preferences" in page
    app.config["MAIL_SMTP_URL"] = "smtp://127.0.0.1:2525"
    assert web.get("/dev/outbox").status_code == 404


def test_outbox_is_hidden_from_other_people(session, web, login_as):
    login_as(Role.BUYER)
    assert web.get("/dev/outbox").status_code == 404


def test_english_reader_gets_english_text(session, web, login_as):
    buyer = login_as(Role.BUYER)
    _tell(session, buyer.org_id, kind="cap_changed", product="信用接口", form_label="按次计费", cap="¥0.40",
          effective_on="2026-12-03", plans=0)
    page = web.get("/notifications?lang=en").get_data(as_text=True)
    assert "The cap of &#34;信用接口&#34; (Pay per call) is now ¥0.40, in force from 2026-12-03" in page
    assert ">Cap price changes<" in page


# --- SMTP: a tiny SMTP server in a thread, and `flask notify-due` sending to it ---

class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-test\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.received.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"RCPT":
                self.server.rcpts.append(line.decode().strip())
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.received, server.rcpts = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_notify_due_sends_pending_mail_over_smtp_once(app, session, runner, smtp_server):
    buyer = make_user(session, Role.BUYER)
    _tell(session, buyer.org_id)
    app.config["MAIL_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_server.server_address[1]}"
    app.config["MAIL_BASE_URL"] = "https://exchange.example.cn"
    result = runner.invoke(args=["notify-due"])
    assert result.exit_code == 0, result.output
    assert "e-mails sent: 1, refused: 0" in result.output
    assert [r.lower() for r in smtp_server.rcpts] == [f"rcpt to:<{buyer.email}>"]
    msg = message_from_bytes(smtp_server.received[0], policy=policy.default)
    assert msg["To"] == buyer.email and msg["Subject"] == "示例公共数据交易中心 · 账单"
    body = msg.get_content()
    assert "账单 ZD202610-000001 已出具：¥1.00，请在 2026-11-16 前付款" in body
    assert "https://exchange.example.cn/bills/ZD202610-000001" in body
    assert "https://exchange.example.cn/notifications/preferences" in body
    n = notes(session)[0]
    assert n.email_state == "sent" and n.emailed_at is not None
    assert "e-mails sent: 0" in runner.invoke(args=["notify-due"]).output and len(smtp_server.received) == 1


def test_notify_due_without_smtp_keeps_mail_for_the_outbox(session, runner):
    buyer = make_user(session, Role.BUYER)
    _tell(session, buyer.org_id)
    result = runner.invoke(args=["notify-due"])
    assert result.exit_code == 0 and "/dev/outbox" in result.output
    assert notes(session)[0].email_state == "pending"


def test_notify_due_with_smtp_down_keeps_mail_pending(app, session, runner, smtp_server):
    buyer = make_user(session, Role.BUYER)
    _tell(session, buyer.org_id)
    port = smtp_server.server_address[1]
    smtp_server.shutdown()
    smtp_server.server_close()
    app.config["MAIL_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    result = runner.invoke(args=["notify-due"])
    assert result.exit_code != 0 and "SMTP 127.0.0.1" in result.output
    assert notes(session)[0].email_state == "pending"


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://localhost", SmtpSettings("localhost", 25)),
    ("smtps://mail.example.cn", SmtpSettings("mail.example.cn", 465, ssl=True)),
    ("smtp://u%40x:p%3Aw@mail.example.cn:587?starttls=1",
     SmtpSettings("mail.example.cn", 587, "u@x", "p:w", starttls=True)),
])
def test_smtp_url_parsing(url, expected):
    assert SmtpSettings.from_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example.cn", "smtp://", "mail.example.cn"])
def test_smtp_url_refused(url):
    with pytest.raises(ValueError):
        SmtpSettings.from_url(url)


def test_built_message_is_utf8_with_encoded_headers():
    msg = build_message(sender="示例公共数据交易中心 <noreply@exchange.example.cn>", to="a@b.cn",
                        subject="示例公共数据交易中心 · 账单", body="账单已出具", link="https://x/bills/1")
    raw = msg.as_bytes()
    assert b"=?utf-8?" in raw.split(b"\n\n", 1)[0]  # non-ASCII headers are RFC 2047 encoded
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "示例公共数据交易中心 · 账单" and "noreply@exchange.example.cn" in parsed["From"]
    assert parsed.get_content() == "账单已出具\n\nhttps://x/bills/1\n" and parsed["Message-ID"].endswith(
        "@exchange.example.cn>")


def test_the_mail_is_in_the_language_the_reader_chose(session, web, login_as):
    reader = make_user(session, Role.BUYER)
    save_preferences(session, actor=Actor(reader.id, reader.email, reader.org_id), muted=set(), email_locale="en")
    _tell(session, reader.org_id)
    login_as(Role.ADMIN)
    page = web.get("/dev/outbox").get_data(as_text=True)
    assert "Example Public Data Exchange · Bill" in page
    assert "Bill ZD202610-000001 was issued: ¥1.00, please pay by 2026-11-16" in page
    assert "Open: http://localhost/bills/ZD202610-000001" in page


def test_each_subject_links_where_its_reader_works(app):
    cases = [("bill", "ZD1", "buyer", "/bills/ZD1"), ("quote", "7", "buyer", "/quotes/7"),
             ("application", "3", "buyer", "/applications"), ("entitlement", "5", "buyer", "/usage"),
             ("product", "9", "operator", "/supply/products/9"),
             ("agreement", "4", "authority", "/authority/agreements/4"),
             ("agreement", "4", "operator", "/supply/"), ("", "", "buyer", "/notifications")]
    with app.test_request_context("/"):
        for subject_type, subject_id, role, expected in cases:
            n = Notification(user_id=1, category="billing", kind="bill_issued", subject_type=subject_type,
                             subject_id=subject_id)
            assert link(n, role) == expected, (subject_type, role)
