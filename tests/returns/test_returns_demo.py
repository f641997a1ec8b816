"""The demo's reasonable-return figures: last year's excess carried in, a forecast warning, reports to review."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.models.returns import ReportStatus
from marketplace.models.settlement import SettlementPeriod
from marketplace.returns.report import compute_report
from marketplace.returns.review import latest_report
from tests.returns.conftest import TODAY


def test_demo_reports_show_meaningful_figures(session, monkeypatch, tmp_path):
    monkeypatch.setattr("marketplace.orders.demo.DEFAULT_DIR", tmp_path)
    from marketplace.demo import load_demo

    orgs = load_demo(session, tmp_path)
    session.commit()
    central, regional, finance = (orgs[k] for k in ("op_central", "op_regional", "op_finance"))
    last = latest_report(session, operator_id=central.id, year=TODAY.year - 1)
    assert last.status is ReportStatus.ACCEPTED and last.excess_fen > 0
    now = compute_report(session, operator_id=central.id, year=TODAY.year, on=TODAY)
    assert now.carried_in_fen == last.excess_fen and now.actual_fen > 0 and now.forecast_passes
    assert now.headroom_fen > 0 and now.months_covered == TODAY.month - 2
    assert latest_report(session, operator_id=regional.id, year=TODAY.year - 1).status is ReportStatus.SUBMITTED
    for org in (regional, finance):
        figures = compute_report(session, operator_id=org.id, year=TODAY.year, on=TODAY)
        assert figures.cost_fen > 0 and figures.actual_fen > 0 and figures.headroom_fen > 0
        assert not figures.forecast_passes
    last_month = f"{TODAY.year}-{TODAY.month - 1:02d}"
    assert session.execute(select(SettlementPeriod).where(SettlementPeriod.period == last_month)).first() is None
