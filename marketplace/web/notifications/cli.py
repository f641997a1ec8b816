"""`flask --app app notify-due`: the periodic notification scans, then the pending e-mails (run it from cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace.billing.notices import notify_overdue_bills
from marketplace.clock import today
from marketplace.db import session_scope
from marketplace.gateway.notices import notify_quota_thresholds
from marketplace.notifications.mail import SmtpSettings, mark_emailed, pending_mail, send_messages
from marketplace.supply.notices import notify_agreements_ending
from marketplace.web.notifications.render import email_for


def run_scans(session) -> dict[str, int]:
    """Quota thresholds, overdue bills, agreements nearing their end: each condition is told once."""
    on = today()
    return {"quota": notify_quota_thresholds(session), "overdue": notify_overdue_bills(session, today=on),
            "agreements": notify_agreements_ending(session, today=on)}


def send_pending(session, settings: SmtpSettings) -> tuple[int, int]:
    """Send the waiting e-mails in batches, committing after each; (sent, refused)."""
    sent_total = failed_total = 0
    while batch := pending_mail(session):
        with current_app.test_request_context("/", base_url=current_app.config["MAIL_BASE_URL"]):
            messages = [email_for(out) for out in batch]
        results = send_messages(settings, messages)
        sent = [o.notification.id for o, ok in zip(batch, results, strict=True) if ok]
        failed = [o.notification.id for o, ok in zip(batch, results, strict=True) if not ok]
        mark_emailed(session, sent=sent, failed=failed)
        session.commit()
        sent_total, failed_total = sent_total + len(sent), failed_total + len(failed)
    return sent_total, failed_total


@click.command("notify-due")
@with_appcontext
def notify_due_command():
    """Write the notifications that scans find due, then send pending e-mails when MAIL_SMTP_URL is set."""
    url = current_app.config.get("MAIL_SMTP_URL")
    try:
        settings = SmtpSettings.from_url(url) if url else None
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    with session_scope(current_app.extensions["engine"]) as session:
        counts = run_scans(session)
        session.commit()
        click.echo("notifications written: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if settings is None:
            click.echo("MAIL_SMTP_URL is not set: e-mails stay in the outbox (/dev/outbox)")
            return
        try:
            sent, failed = send_pending(session, settings)
        except OSError as e:  # the server is down or refused us: the e-mails stay pending for the next run
            raise click.ClickException(f"SMTP {settings.host}:{settings.port}: {e}") from None
    click.echo(f"e-mails sent: {sent}, refused: {failed}")


COMMANDS = [notify_due_command]
