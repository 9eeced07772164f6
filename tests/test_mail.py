"""Invitation mail through a real SMTP server (aiosmtpd on loopback), and a dead server losing nothing."""

import email
import email.header
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller

from tracker.people import accounts

from .conftest import NOW, make_user, redirect_target, run_delivery
from .services import free_port


class _Inbox:
    def __init__(self):
        self.messages = []
        self.connections = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        self.connections.add(session.peer)  # the client's address and port: one per connection
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("refused@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on 127.0.0.1; the app sends to it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=controller.port, MAIL_SECURITY="none",
                      MAIL_SENDER="Mindet <mindet@enbek.example>")
    yield inbox
    controller.stop()


def test_invitation_reaches_a_real_smtp_server(runner, synced, smtp_server):
    """`users invite` sends one message: recipient, subject, Message-ID, Date, and the link that the CLI printed."""
    result = runner.invoke(args=["users", "invite", "fp@mju.example", "--role", "focal_point", "--org", "МЮ"])
    assert result.exit_code == 0, result.output
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["fp@mju.example"]
    assert message["Subject"].startswith("Mindet") and message["Message-ID"] and message["Date"]
    body, _html = _parts(email.message_from_bytes(message.as_bytes(), policy=email.policy.default))
    link = result.output.split("72 hours): ")[1].split()[0]
    assert link in body and "72 часа" in body


def test_dead_mail_server_keeps_the_invitation(app, runner, db, synced):
    """With nothing listening, the account and its link stand, the link is printed, and a warning says what to do."""
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=free_port())
    result = runner.invoke(args=["users", "invite", "fp@mju.example", "--role", "observer"])
    assert result.exit_code == 0
    assert "/invite/" in result.output and "mail server refused or was unreachable" in result.output
    assert accounts.find_user(db, "fp@mju.example") is not None


def _parts(message):
    """(plain text, HTML) of a multipart/alternative message, decoded."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_reminders_through_a_real_smtp_server_in_each_language(app, runner, db, smtp_server, roadmaps_dir):
    """`reminders run --now`: one message per person, both parts, the person's language, absolute links,
    Message-ID, Date, List-Unsubscribe to the preferences page; a second run sends nothing."""
    from email import policy

    from tracker.catalog.loader import load_catalog
    from tracker.catalog.sync import sync_catalog

    from .conftest import NOW, make_user, write_instrument

    write_instrument(roadmaps_dir)
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW)
    db.commit()
    app.config["BASE_URL"] = "https://mindet.example.kz"
    people = {lang: make_user(db, f"{lang}@example.kz", "focal_point", orgs=["МТСЗН"]) for lang in ("ru", "en", "kk")}
    for lang, user in people.items():
        user.language = lang
        db.add(user)
    db.commit()
    result = runner.invoke(args=["reminders", "run", "--now", "2025-06-29T10:00"])
    assert result.exit_code == 0, result.output
    assert "queued 3 emails" in result.output and "3 sent" in result.output
    received = {rcpt[0]: email.message_from_bytes(m.as_bytes(), policy=policy.default)
                for rcpt, m in smtp_server.messages}
    assert set(received) == {"ru@example.kz", "en@example.kz", "kk@example.kz"}
    expectations = {"ru@example.kz": ("напоминание о сроке", "срок через 1 дн."),
                    "en@example.kz": ("deadline reminder", "due in 1 days"),
                    "kk@example.kz": ("мерзім туралы еске салу", "мерзіміне 1 күн қалды")}
    for address, (subject, line) in expectations.items():
        message = received[address]
        assert subject in message["Subject"] and message["Message-ID"] and message["Date"]
        assert message["List-Unsubscribe"] == "<https://mindet.example.kz/account#notifications>"
        assert message.get_content_type() == "multipart/alternative"
        text, html = _parts(message)
        assert line in text and "Первая мера" not in subject
        report_link = re.search(r"https://mindet\.example\.kz/reports/\d+", text).group(0)
        assert f'href="{report_link}"' in html and "<script" not in html
    again = runner.invoke(args=["reminders", "run", "--now", "2025-06-29T15:00"])
    assert "queued 0 emails" in again.output and len(smtp_server.messages) == 3


def test_smtp_down_then_back_loses_nothing_and_sends_once(app, db, smtp_server, roadmaps_dir):
    """The server refuses (nothing listens): the message waits with back-off; when it is back, one delivery."""
    from datetime import timedelta

    from sqlmodel import select

    from tracker.models import OutboxMessage
    from tracker.notify import outbox

    from .conftest import NOW, make_user

    user = make_user(db, "fp@example.kz", "observer")
    live_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # down
    with app.test_request_context():
        subject, text, html = outbox.render_email(app, "test", user)
        outbox.enqueue(db, kind="test", user=user, subject=subject, text=text, html=html,
                       sender=app.config["MAIL_SENDER"], now=NOW)
        db.commit()
        first = outbox.deliver(db, NOW, app.config)
        assert (first.sent, first.retrying) == (0, 1)
        row = db.exec(select(OutboxMessage)).one()
        assert row.status == "retrying" and row.next_attempt_at == NOW + timedelta(minutes=5) and row.last_error
        assert outbox.deliver(db, NOW + timedelta(minutes=1), app.config).sent == 0  # not due yet
        app.config["MAIL_PORT"] = live_port  # back
        assert outbox.deliver(db, NOW + timedelta(minutes=6), app.config).sent == 1
        assert outbox.deliver(db, NOW + timedelta(hours=1), app.config).sent == 0
    db.refresh(row)
    assert (row.status, row.attempts) == ("sent", 2) and len(smtp_server.messages) == 1


def test_after_the_last_attempt_the_admin_sees_the_failure_and_can_retry(app, client, db, synced, smtp_server):
    """A message that failed every attempt shows on the delivery log; "send again" delivers it."""
    from datetime import timedelta

    from tracker.notify import outbox

    from .conftest import NOW, csrf_token, login, make_user

    admin = make_user(db, "admin@example.kz", "admin")
    live_port = app.config["MAIL_PORT"]
    app.config.update(MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=2)
    with app.test_request_context():
        subject, text, html = outbox.render_email(app, "test", admin)
        message = outbox.enqueue(db, kind="test", user=admin, subject=subject, text=text, html=html,
                       sender=app.config["MAIL_SENDER"], now=NOW)
        db.commit()
        outbox.deliver(db, NOW, app.config)
        assert outbox.deliver(db, NOW + timedelta(hours=1), app.config).failed == 1
    login(client, admin.email)
    page = client.get("/admin/deliveries").get_data(as_text=True)
    assert "Не доставлено после всех попыток" in page and "failed" in page
    app.config["MAIL_PORT"] = live_port
    token = csrf_token(client, "/admin/deliveries")
    retried = client.post(f"/admin/deliveries/{message.id}/retry", data={"csrf_token": token})
    assert redirect_target(retried) == "/admin/deliveries"
    assert redirect_target(client.post("/admin/deliveries/test", data={"csrf_token": token})) == "/admin/deliveries"
    run_delivery(app)  # the web only queues: the clock sends
    decode = email.header.decode_header
    subjects = {str(email.header.make_header(decode(m["Subject"]))) for _, m in smtp_server.messages}
    assert subjects == {"Mindet: проверка почты"}
    assert len(smtp_server.messages) == 2  # the retried one and the new test email


def test_web_requests_only_queue_email_and_the_clock_sends_it(app, client, db, synced, smtp_server):
    """A reset request contacts no mail server: it queues the link's email, in the person's language; the
    clock's delivery sends it; afterwards the outbox no longer holds the single-use link."""
    from sqlmodel import select

    from tracker.models import OutboxMessage

    from .conftest import csrf_token, make_user

    user = make_user(db, "en@example.kz", "observer")
    user.language = "en"
    db.commit()
    client.post("/reset", data={"email": user.email, "csrf_token": csrf_token(client, "/reset")})
    assert smtp_server.messages == []  # nothing was sent inside the request
    [queued] = db.exec(select(OutboxMessage).where(OutboxMessage.kind == "reset")).all()
    assert queued.status == "pending" and "/reset/" in queued.body_text
    assert run_delivery(app).sent == 1
    [(recipients, message)] = smtp_server.messages
    text, _html = _parts(email.message_from_bytes(message.as_bytes(), policy=email.policy.default))
    assert recipients == [user.email] and "To choose a new password" in text and "/reset/" in text
    db.expire_all()
    stored = db.get(OutboxMessage, queued.id)
    assert stored.status == "sent" and "/reset/" not in stored.body_text + stored.body_html


def test_message_ids_are_well_formed_with_the_default_sender():
    """"Mindet <mindet@localhost>" gives <…@localhost>, not <…@localhost>>."""
    from tracker.notify import mail

    message_id = mail.new_message_id("Mindet <mindet@localhost>")
    assert re.fullmatch(r"<[^<>@\s]+@localhost>", message_id), message_id


def _queue(app, db, count: int) -> list[int]:
    """`count` messages in the outbox, to as many people."""
    from tracker.notify import outbox

    ids = []
    for n in range(count):
        user = make_user(db, f"reader{n}@example.kz", "observer")
        subject, text, html = outbox.render_email(app, "test", user)
        ids.append(outbox.enqueue(db, kind="test", user=user, subject=subject, text=text, html=html,
                                  sender=app.config["MAIL_SENDER"], now=NOW).id)
    db.commit()
    return ids


def test_a_batch_goes_over_one_connection_and_each_message_is_recorded_as_it_is_taken(app, db, world, smtp_server,
                                                                                     monkeypatch):
    """Seven messages with batches of three: three connections, not seven; each message sent once and marked sent
    with its own acceptance (the one after a refused recipient still goes out on the same connection)."""
    from sqlmodel import select

    from tracker.models import OutboxMessage
    from tracker.notify import outbox

    monkeypatch.setattr(outbox, "BATCH", 3)
    ids = _queue(app, db, 7)
    refused = db.get(OutboxMessage, ids[1])
    refused.to_email = "refused@example.kz"
    db.commit()
    summary = outbox.deliver(db, NOW, app.config)
    assert (summary.sent, summary.retrying) == (6, 1)
    assert len(smtp_server.messages) == 6 and len(smtp_server.connections) == 3
    db.expire_all()
    statuses = {row.id: row.status for row in db.exec(select(OutboxMessage))}
    assert [statuses[i] for i in ids] == ["sent", "retrying"] + ["sent"] * 5


def test_two_clocks_reading_the_same_due_messages_lease_each_once(app, db, world, smtp_server, monkeypatch):
    """A second clock that read the same due messages before the first leased them (its read came first, its lease
    second) leases none of them, and sends nothing: each message goes out once, its attempt counted once."""
    from sqlmodel import select

    from tracker.models import OutboxMessage
    from tracker.notify import outbox

    ids = _queue(app, db, 3)
    real_lease = outbox._lease
    second_clock = {}

    def first_lease_then_second(session, due, now):
        # the second clock has read the same rows and leases them now, before the first one's lease
        second_clock["leased"] = [row.id for row, _ in real_lease(session, due, now)]
        return real_lease(session, due, now)

    monkeypatch.setattr(outbox, "_lease", first_lease_then_second)
    summary = outbox.deliver(db, NOW, app.config)
    assert second_clock["leased"] == ids and summary.sent == 0 and smtp_server.messages == []
    db.expire_all()
    rows = db.exec(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
    assert [(row.status, row.attempts) for row in rows] == [("sending", 1)] * 3


def test_an_idle_connection_the_server_dropped_is_opened_again(app, db, world, smtp_server):
    """A connection the server closed between two messages (its idle timeout) is noticed before the next one and
    replaced: nothing is lost, nothing counted as failed."""
    from tracker.models import OutboxMessage
    from tracker.notify import mail, outbox

    ids = _queue(app, db, 2)
    rows = [db.get(OutboxMessage, i) for i in ids]
    with mail.Connection(app.config) as connection:
        connection.send(outbox.to_email_message(rows[0], NOW, app.config), accepted=lambda: None)
        connection.client.sock.shutdown(socket.SHUT_RDWR)  # as if the server had hung up meanwhile
        connection.last_used -= mail.IDLE_CHECK_AFTER + 1  # … after the connection had rested that long
        connection.send(outbox.to_email_message(rows[1], NOW, app.config), accepted=lambda: None)
    assert len(smtp_server.messages) == 2 and len(smtp_server.connections) == 2


def test_mail_deliver_sends_everything_due_pass_after_pass(app, db, world, runner, smtp_server, monkeypatch):
    """`mindet mail deliver` says it sends every message that is due: seven with passes of three go out in one run
    (a run of `reminders run` sends one pass and says the clock sends the rest)."""
    from tracker.cli import mail

    monkeypatch.setattr(mail, "PASS", 3)
    _queue(app, db, 7)
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "Delivery: 7 sent, 0 to retry, 0 failed" in result.output
    assert len(smtp_server.messages) == 7
    again = runner.invoke(args=["mail", "deliver"])
    assert "Delivery: 0 sent" in again.output and len(smtp_server.messages) == 7
