"""Invitation mail through a real SMTP server (aiosmtpd on loopback), and a dead server losing nothing."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller

from tracker import accounts


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on 127.0.0.1; the app sends to it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
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
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    link = result.output.split("72 hours): ")[1].split()[0]
    assert link in body and "72 часа" in body


def test_dead_mail_server_keeps_the_invitation(app, runner, db, synced):
    """With nothing listening, the account and its link stand, the link is printed, and a warning says what to do."""
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=_free_port())
    result = runner.invoke(args=["users", "invite", "fp@mju.example", "--role", "observer"])
    assert result.exit_code == 0
    assert "/invite/" in result.output and "mail server refused or was unreachable" in result.output
    assert accounts.find_user(db, "fp@mju.example") is not None
