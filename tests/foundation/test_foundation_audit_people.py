"""The audit trail for people: actions as labels, before/after as a diff, filters in the URL, CSV export."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from marketplace.models import AgreementStatus, EntitlementStatus, OrgStatus, Role
from marketplace.models.demand import ApplicationStatus
from marketplace.web.audit.labels import ACTION_LABELS, OBJECT_LABELS, changes
from tests.factories import make_org, make_user

ROOT = Path(__file__).resolve().parents[2]
LITERAL = re.compile(r'action=([^,\n]*)')
CODE = re.compile(r'"([a-z_]+\.[a-z_]+)"')
DYNAMIC = {"org": OrgStatus, "entitlement": EntitlementStatus, "agreement": AgreementStatus,
           "application": ApplicationStatus}


def _actions_in_code() -> set[str]:
    found = set()
    for path in (ROOT / "marketplace").rglob("*.py"):
        for m in LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.update(CODE.findall(m.group(1)))
    found.update(f"{prefix}.{status.value}" for prefix, enum in DYNAMIC.items() for status in enum)
    return found - {"ignore"}


def test_every_action_the_code_records_has_a_label():
    assert sorted(_actions_in_code() - set(ACTION_LABELS)) == []


def test_every_object_type_the_code_records_has_a_label():
    found = {m for path in (ROOT / "marketplace").rglob("*.py")
             for m in re.findall(r'object_type="([a-z_]+)"', path.read_text(encoding="utf-8"))}
    assert sorted(found - set(OBJECT_LABELS)) == []


def test_changes_show_only_what_changed():
    summary = '{"after": {"note": "", "role": "finance", "x": 1}, "before": {"role": "reviewer", "x": 1}}'
    rows = [(c.field, c.before, c.after, c.kind) for c in changes(summary)]
    assert rows == [("note", "", "", "added"), ("role", "reviewer", "finance", "changed")]
    assert [(c.before, c.after) for c in changes('{"after": "paid", "before": "issued"}')] == [("issued", "paid")]
    assert changes("") == [] and changes('{"after": null, "before": null}') == []
    assert [c.after for c in changes("not json")] == ["not json"]


def test_the_page_shows_labels_and_a_diff(web, session, login_as):
    login_as(Role.ADMIN)
    reviewer = make_user(session, Role.REVIEWER)
    web.post(f"/admin/users/{reviewer.id}/role", {"role": "finance"})
    web.logout()
    login_as(Role.AUTHORITY)
    page = web.get("/audit/?action=user.role_change").get_data(as_text=True)
    body = page.split("<tbody>")[1]
    assert "调整用户角色" in body and "用户" in body
    assert re.search(r"<del[^>]*>reviewer</del> → <ins[^>]*>finance</ins>", body)
    assert '<option value="user.role_change" selected>调整用户角色</option>' in page
    assert "/audit/export.csv?action=user.role_change" in page  # the export keeps the filters


def test_csv_export_has_the_filtered_records(web, session, login_as):
    org = make_org(session, verified=False)
    admin = login_as(Role.ADMIN)
    web.post(f"/admin/organizations/{org.id}", {"status": "verified", "note": ""})
    web.logout()
    login_as(Role.AUTHORITY)
    resp = web.get("/audit/export.csv?action=org.verified")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    raw = resp.get_data()
    resp.close()  # a streamed response ends its request (and its read transaction) when closed
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["序号", "时间", "操作人", "操作"]
    assert len(rows) == 2
    assert rows[1][2:7] == [admin.email, "通过单位认证", "org.verified", "单位", str(org.id)]
    assert "pending → verified" in rows[1][7]
    resp = web.get("/audit/export.csv")
    everything = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    resp.close()
    assert len(everything) > 2 and {r[4] for r in everything[1:]} >= {"org.verified", "auth.login"}


def test_csv_export_is_for_regulators_only(web, login_as):
    login_as(Role.BUYER)
    assert web.get("/audit/export.csv").status_code in (302, 403)
