"""Sending email through a small backend registry: smtp, console (prints; the development default), memory (tests)."""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The mail server could not take the message; the message says what to check."""


def new_message_id(sender: str) -> str:
    """A fresh Message-ID on the sender's domain ("Mindet <mindet@enbek.kz>" → <…@enbek.kz>)."""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return make_msgid(domain=domain or "mindet")


class MaybeDelivered(MailError):
    """The connection died after the whole message was sent and before the server answered: it may have been
    delivered. A retry sends it again with the same Message-ID, so that the copy can be recognised."""


#: seconds a connection may rest between two messages before it is asked whether it is still open (servers keep an
#: idle connection for minutes: RFC 5321 asks for five)
IDLE_CHECK_AFTER = 10.0


class Connection:
    """One conversation with the mail server for a batch of messages: opened at the first message, reused for the
    next ones (one TCP and TLS handshake and one login per batch, not per message), reopened once when the server
    has dropped an idle connection. Use it as a context manager: it says QUIT at the end."""

    def __init__(self, settings: Mapping):
        self.settings = settings
        self.client: smtplib.SMTP | None = None
        self.sent = 0  #: messages this connection has delivered
        self.last_used = 0.0  #: time.monotonic() of its last exchange

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def send(self, message: EmailMessage, accepted: Callable[[], None]) -> None:
        """Send one message; `accepted` runs the moment the server has taken it (its 250 after DATA), before any
        other exchange can fail. Raises MailError (MaybeDelivered when it may have arrived)."""
        if self.settings["MAIL_BACKEND"] != "smtp":
            BACKENDS[self.settings["MAIL_BACKEND"]](message, self.settings)
        else:
            self._send_smtp(message)
        accepted()
        self.sent += 1
        log.info("mail sent to %s: %s", message["To"], message["Subject"])

    def _where(self) -> str:
        return f"mail server {self.settings['MAIL_HOST']}:{self.settings['MAIL_PORT']}"

    def _send_smtp(self, message: EmailMessage) -> None:
        where = self._where()
        # a connection idle for a while may have been closed by the server: asked (NOOP) before it is used again;
        # messages of a batch follow each other at once, so they spare that round trip
        if self.client is not None and time.monotonic() - self.last_used > IDLE_CHECK_AFTER and not self._alive():
            self._drop()  # the server closed the idle connection: a fresh one
        if self.client is None:
            self.client = self._open()
        try:
            self.client.send_message(message)  # from here on, a lost connection may mean the server has it
            self.last_used = time.monotonic()
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(f"{where} refused the recipient ({exc}); check the address") from exc
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            raise MaybeDelivered(f"{where} closed the connection before confirming ({exc}); the message may have "
                                 "arrived and is sent again with the same Message-ID") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise MailError(f"{where} refused or unreachable ({exc}); check TRACKER_MAIL_*") from exc

    def _alive(self) -> bool:
        """Whether the open connection still answers (a NOOP: one short exchange per message after the first)."""
        try:
            return self.client.noop()[0] == 250
        except (OSError, smtplib.SMTPException):
            return False

    def _open(self) -> smtplib.SMTP:
        host, port, security = self.settings["MAIL_HOST"], self.settings["MAIL_PORT"], self.settings["MAIL_SECURITY"]
        try:
            if security == "tls":
                client = smtplib.SMTP_SSL(host, port, timeout=30, context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(host, port, timeout=30)
            client.ehlo()
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if self.settings["MAIL_USERNAME"]:
                client.login(self.settings["MAIL_USERNAME"], self.settings["MAIL_PASSWORD"])
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"{self._where()} refused or unreachable ({exc}); check TRACKER_MAIL_*") from exc
        return client

    def _reset(self) -> None:
        try:
            self.client.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def close(self) -> None:
        """QUIT politely; a server that has gone by now changes nothing (each message's fate is already recorded)."""
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                self.client.close()
            self.client = None


def _send_console(message: EmailMessage, _config: Mapping) -> None:
    body = message.get_body(("plain",)) if message.is_multipart() else message
    head = "\n".join(f"{k}: {message[k]}" for k in ("To", "Subject", "Message-ID"))
    print(f"--- email (TRACKER_MAIL_BACKEND=console; HTML part not shown) ---\n{head}\n\n{body.get_content()}"
          "--- end ---", flush=True)  # noqa: T201


def _send_memory(message: EmailMessage, config: Mapping) -> None:
    config["MAIL_MEMORY"].append(message)


#: backends that cannot lose a message half-way: `accepted` runs after them
BACKENDS = {"console": _send_console, "memory": _send_memory}


def send(message: EmailMessage, settings: Mapping, accepted: Callable[[], None] = lambda: None) -> None:
    """Send one message on a connection of its own, through the backend the settings name (TRACKER_MAIL_BACKEND);
    `accepted` runs the moment the server has taken it, before the connection is closed."""
    with Connection(settings) as connection:
        connection.send(message, accepted)
