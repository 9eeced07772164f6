"""Delivery under faults: a clock killed after the server took a message, a server that dies before answering."""

import asyncio
import email
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from tracker.models import OutboxMessage
from tracker.notify import outbox

from .conftest import NOW, make_user
from .services import free_port
from .test_mail import _Inbox

#: the clock's delivery pass in its own process, which dies (SIGKILL-like, no cleanup) the moment the server has
#: answered 250 to the message: the point after acceptance and before anything else of the clock's own work
_KILLED_CLOCK = textwrap.dedent("""
    import os, smtplib, sys
    from datetime import datetime
    from tracker import create_app
    from tracker.db import get_session
    from tracker.notify import outbox
    smtplib.SMTP.quit = lambda self: os._exit(9)
    smtplib.SMTP.close = lambda self: os._exit(9)
    app = create_app()
    with app.app_context():
        outbox.deliver(get_session(), datetime.fromisoformat(sys.argv[1]), app.config)
    sys.exit(0)
""")


class _DiesBeforeAnswering(_Inbox):
    """Takes the first message whole, then drops the connection instead of answering: it may or may not deliver."""

    def __init__(self):
        super().__init__()
        self.died = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        await super().handle_DATA(server, session, envelope)
        if not self.died:
            self.died = True
            server.transport.abort()
        return "250 OK"


def _queue_one(app, db, address="fp@example.kz"):
    user = make_user(db, address, "observer")
    with app.test_request_context():
        subject, text, html = outbox.render_email(app, "test", user)
        outbox.enqueue(db, kind="test", user=user, subject=subject, text=text, html=html,
                       sender=app.config["MAIL_SENDER"], now=NOW)
    db.commit()


def _left_sending(app, db) -> OutboxMessage:
    """A queued message as a clock that died mid-send leaves it: "sending", leased, one attempt counted."""
    _queue_one(app, db)
    row = db.exec(select(OutboxMessage)).one()
    row.status, row.attempts, row.next_attempt_at = "sending", 1, NOW + outbox.LEASE
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def sink(app):
    inbox = _DiesBeforeAnswering()
    inbox.died = True  # a well-behaved server unless a test says otherwise
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=controller.port, MAIL_SECURITY="none")
    yield inbox
    controller.stop()


def test_a_clock_killed_after_the_server_took_the_message_never_sends_it_again(app, db, synced, sink, tmp_path):
    """The duplicate count after the clock-kill scenario is 0: the acceptance was committed before the clock died,
    so the lease running out does not resend."""
    _queue_one(app, db)
    db.close()
    environment = {**os.environ, "TRACKER_DATABASE_URL": app.config["DATABASE_URL"], "TRACKER_MAIL_BACKEND": "smtp",
                   "TRACKER_MAIL_HOST": "127.0.0.1", "TRACKER_MAIL_PORT": str(app.config["MAIL_PORT"]),
                   "TRACKER_SECRET_KEY": "test", "TRACKER_EVIDENCE_DIR": str(tmp_path)}
    killed = subprocess.run([sys.executable, "-c", _KILLED_CLOCK, NOW.isoformat()], env=environment,
                            capture_output=True, text=True, timeout=60, check=False)
    assert killed.returncode == 9, killed.stderr
    assert len(sink.messages) == 1
    with app.app_context():
        for minutes in (11, 60, 24 * 60):  # the lease ran out long ago: a second clock looks again
            assert outbox.deliver(db, NOW + timedelta(minutes=minutes), app.config).sent == 0
    row = db.exec(select(OutboxMessage)).one()
    assert (row.status, row.attempts) == ("sent", 1) and len(sink.messages) == 1


def test_a_server_dying_before_its_answer_gives_one_copy_with_the_same_message_id(app, db, synced, sink):
    """The SMTP-kill scenario: the server had the message but never said so. It is sent again (at least once, never
    lost), the log says it may have arrived, and both copies carry one Message-ID so that the copy is recognisable."""
    sink.died = False
    _queue_one(app, db)
    with app.app_context():
        first = outbox.deliver(db, NOW, app.config)
        assert (first.sent, first.retrying) == (0, 1)
        row = db.exec(select(OutboxMessage)).one()
        assert row.status == "retrying" and "may have arrived" in row.last_error
        assert outbox.deliver(db, NOW + timedelta(minutes=6), app.config).sent == 1
    db.refresh(row)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    ids = {message["Message-ID"] for _, message in sink.messages}
    assert len(sink.messages) == 2 and ids == {row.message_id}


def test_a_clock_killed_before_the_server_answered_sends_again_within_two_minutes(app, db, synced, sink):
    """A message leased by a clock that died mid-send (still "sending") goes out once more within 2 minutes (it
    waited out a 10-minute lease before), with the Message-ID it was first given."""
    row = _left_sending(app, db)
    with app.app_context():
        assert outbox.deliver(db, NOW + timedelta(seconds=30), app.config).sent == 0  # the lease still holds
        assert outbox.deliver(db, NOW + timedelta(minutes=2), app.config).sent == 1
    (_, message), = sink.messages
    assert message["Message-ID"] == row.message_id
    assert email.utils.parseaddr(message["To"])[1] == "fp@example.kz"


def test_a_new_clock_sends_what_the_dead_one_had_in_hand_at_once(app, db, synced, sink):
    """The one clock that has just taken the lock knows no other clock is sending: a message left "sending" is due
    at once, not when its lease runs out."""
    _left_sending(app, db)
    with app.app_context():
        assert outbox.release_interrupted(db, NOW) == 1
        db.commit()
        assert outbox.deliver(db, NOW, app.config).sent == 1
    assert len(sink.messages) == 1


class _SlowInbox(_Inbox):
    """A mail server that takes half a second to accept each message: a delivery pass is long enough to be
    interrupted in the middle."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        await asyncio.sleep(0.5)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.deep  # a clock process, a slow SMTP server and 30 messages: the deep tier
@pytest.mark.real_clock
def test_sigterm_mid_delivery_stops_the_clock_in_seconds_with_nothing_lost_or_doubled(app, db, world, tmp_path):
    """systemd's SIGTERM to `mindet scheduler run` while it delivers 30 messages: it exits 0 within 5 s; the
    message in hand is sent and recorded, none is left leased, none was sent twice, and the lock is free for the
    next clock at once."""
    inbox = _SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        for n in range(30):
            _queue_one(app, db, f"person{n}@example.kz")
        db.close()
        environment = {**os.environ, "TRACKER_DATABASE_URL": app.config["DATABASE_URL"], "TRACKER_SECRET_KEY": "t",
                       "TRACKER_MAIL_BACKEND": "smtp", "TRACKER_MAIL_HOST": "127.0.0.1",
                       "TRACKER_MAIL_PORT": str(controller.port), "TRACKER_MAIL_SECURITY": "none",
                       "TRACKER_EVIDENCE_DIR": str(tmp_path / "evidence"), "TRACKER_INSTANCE_PATH": str(tmp_path)}
        mindet = os.path.join(os.path.dirname(sys.executable), "mindet")
        clock = subprocess.Popen([mindet, "scheduler", "run"], env=environment, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while len(inbox.messages) < 2 and time.monotonic() < deadline and clock.poll() is None:
            time.sleep(0.05)
        assert len(inbox.messages) >= 2, "the clock did not start delivering"
        clock.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        output, _ = clock.communicate(timeout=30)
        took = time.monotonic() - stopped_at
        assert clock.returncode == 0 and took < 5, (clock.returncode, took, output[-3000:])
        assert "clock stopped" in output and "Traceback" not in output
    finally:
        controller.stop()
    rows = db.exec(select(OutboxMessage)).all()
    sent = [row for row in rows if row.status == "sent"]
    delivered = [message["Message-ID"] for _, message in inbox.messages]
    assert sorted(delivered) == sorted(row.message_id for row in sent)  # every one received is recorded, once
    assert 0 < len(sent) < 30 and {row.status for row in rows} <= {"sent", "pending"}  # none left "sending"
    from tracker.db import make_engine
    from tracker.notify.scheduler import acquire_leadership

    engine = make_engine(app.config["DATABASE_URL"])
    try:
        leadership = acquire_leadership(engine)
        assert leadership is not None  # released on the way out: the next clock need not wait
        leadership.release()
    finally:
        engine.dispose()
