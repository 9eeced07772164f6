"""Command line for email: `reminders run`, `digest preview|send`, `mail deliver|test`, `scheduler run`."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.cli.common import database_errors, fail
from tracker.db import get_session
from tracker.models import User
from tracker.notify import outbox
from tracker.notify.digests import render_digest, send_digests
from tracker.notify.reminders import run_reminders
from tracker.notify.scheduler import run_clock
from tracker.people import accounts
from tracker.periods import Period
from tracker.timeutil import ALMATY, now_utc, today_almaty


def _moment(value: str | None) -> datetime:
    if not value:
        return now_utc()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now {value!r} is not an ISO date-time; write e.g. 2026-04-01T09:00+05:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=ALMATY)


def _progress(label: str):
    def show(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            click.echo(f"  {label}: {done}/{total} people", err=True)
    return show


@click.group("reminders")
def reminders_group():
    """Deadline reminders and escalations by email."""


@reminders_group.command("run")
@click.option("--dry-run", is_flag=True, help="Show what would be queued; claim and send nothing.")
@click.option("--now", "now_text", metavar="ISO", help="Pretend it is this moment (Almaty time if no offset).")
@with_appcontext
def reminders_run(dry_run: bool, now_text: str | None):
    """Queue today's reminders (one email per person, claimed once per stage) and deliver the first 500 of the
    outbox (the clock, or `mindet mail deliver`, sends the rest)."""
    now = _moment(now_text)
    session = get_session()
    with database_errors():
        summary = run_reminders(session, now, today_almaty(now), app=current_app._get_current_object(), dry_run=dry_run,
                                 progress=_progress("reminders"))
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(summary.by_kind.items())) or "none"
        verb = "would queue" if dry_run else "queued"
        click.echo(f"Reminders for {today_almaty(now):%d.%m.%Y}: {verb} {summary.emails} emails with "
                   f"{summary.items} items ({kinds}); {summary.already_sent} already sent before.")
        if not dry_run:
            _deliver(now)


#: messages one delivery pass sends: what the clock sends a minute, and what `reminders run` and `digest send`
#: deliver before they end (a national quarter end queues thousands: `mail deliver` or the clock sends the rest)
PASS = 500


def _deliver(now: datetime, *, everything: bool = False) -> None:
    """Deliver one pass of the outbox (PASS messages), or `everything` due, pass after pass, showing progress."""
    result = outbox.DeliverySummary()
    while True:
        done = outbox.deliver(get_session(), now, current_app.config, limit=PASS)
        result.sent, result.retrying, result.failed = (result.sent + done.sent, result.retrying + done.retrying,
                                                       result.failed + done.failed)
        # a pass that found fewer than it may take has emptied what is due (a retried message is due later)
        if not everything or done.sent + done.retrying + done.failed < PASS:
            break
        click.echo(f"  delivery: {result.sent} sent so far", err=True)
    click.echo(f"Delivery: {result.sent} sent, {result.retrying} to retry, {result.failed} failed "
               f"(backend {current_app.config['MAIL_BACKEND']}).")
    if result.retrying or result.failed:
        click.echo("The mail server refused or was unreachable: check TRACKER_MAIL_*; the clock retries, and "
                   "failures are listed at /admin/deliveries.", err=True)
    elif not everything and result.sent == PASS:
        click.echo(f"The first {PASS} were sent; the clock sends the rest, a pass a minute "
                   "(or `mindet mail deliver` sends them all now).", err=True)


def _period(text: str | None, now: datetime) -> Period:
    if not text:
        return Period.containing(today_almaty(now), "quarterly")
    try:
        return Period.parse(text)
    except ValueError as exc:
        fail(str(exc))


@click.group("digest")
def digest_group():
    """Quarterly (or monthly) digests by email."""


@digest_group.command("preview")
@click.option("--user", "email", required=True, help="Whose digest to show.")
@click.option("--quarter", help="e.g. 2026-Q1 (default: the current quarter); a month such as 2026-01 also works.")
@with_appcontext
def digest_preview(email: str, quarter: str | None):
    """Print a person's digest (plain-text part) without sending or claiming anything."""
    now = now_utc()
    session = get_session()
    user = accounts.find_user(session, email)
    if user is None:
        fail(f"No account {email!r}. See `mindet users --help`.")
    rendered = render_digest(session, user, _period(quarter, now), today_almaty(now),
                             app=current_app._get_current_object())
    if rendered is None:
        click.echo(f"Nothing to tell {email} for this period: no digest would be sent.")
        return
    subject, text, _html = rendered
    click.echo(f"Subject: {subject}\n\n{text}")


@digest_group.command("send")
@click.option("--quarter", required=True, help="e.g. 2026-Q1 (or a month, 2026-01, for monthly subscribers).")
@click.option("--dry-run", is_flag=True, help="Count what would be queued; claim and send nothing.")
@with_appcontext
def digest_send(quarter: str, dry_run: bool):
    """Queue the period's digest for everyone subscribed to it (once each, ever) and deliver the first 500 of the
    outbox (the clock, or `mindet mail deliver`, sends the rest)."""
    now = now_utc()
    period = _period(quarter, now)
    with database_errors():
        counts = send_digests(get_session(), period, now, today_almaty(now), app=current_app._get_current_object(),
                              dry_run=dry_run,
                              progress=_progress("digests"))
        click.echo(f"Digest {period.label}{' (dry run)' if dry_run else ''}: "
                   + (", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "no subscribers"))
        if not dry_run:
            _deliver(now)


@click.group("mail")
def mail_group():
    """The outbox: deliver what is due, send a test message."""


@mail_group.command("deliver")
@with_appcontext
def mail_deliver():
    """Send every outbox message that is due (new ones and retries), 500 at a time, until none is due."""
    with database_errors():
        _deliver(now_utc(), everything=True)


@mail_group.command("test")
@click.argument("email")
@with_appcontext
def mail_test(email: str):
    """Send a test message to EMAIL straight away (through the outbox), to check the TRACKER_MAIL_* settings."""
    session = get_session()
    now = now_utc()
    recipient = accounts.find_user(session, email) or User(email=email, name=email)  # anyone may be tested
    subject, text, html = outbox.render_email(current_app._get_current_object(), "test", recipient)
    message = outbox.enqueue(session, kind="test", user=recipient, subject=subject, text=text, html=html,
                             sender=current_app.config["MAIL_SENDER"], now=now)
    session.commit()
    outbox.deliver(session, now, current_app.config, only=[message.id])
    session.refresh(message)
    if message.status != "sent":
        fail(f"Not sent: {message.last_error}. Check TRACKER_MAIL_*; the clock retries the message.")
    click.echo(f"Sent to {email} through {current_app.config['MAIL_BACKEND']}.")


@click.group("scheduler")
def scheduler_group():
    """The clock process."""


@scheduler_group.command("run")
@with_appcontext
def scheduler_run():
    """Run the clock in the foreground (what the Procfile's `clock` does). Ctrl-C or SIGTERM (systemd, a
    supervisor) stops it cleanly: the message being sent is sent and recorded, the rest stay queued, the lock is
    released, exit 0."""
    import signal
    import threading

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_clock(current_app._get_current_object(), stop=stop)
