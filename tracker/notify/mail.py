"""Sending email through a small backend registry: smtp, console (prints; the development default), memory (tests)."""

from __future__ import annotations

import logging
import smtplib
import ssl
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


def _send_smtp(message: EmailMessage, config: Mapping, accepted: Callable[[], None]) -> None:
    host, port, security = config["MAIL_HOST"], config["MAIL_PORT"], config["MAIL_SECURITY"]
    sent_data = False
    try:
        if security == "tls":
            client = smtplib.SMTP_SSL(host, port, timeout=30, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=30)
        try:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            sent_data = True  # from here on, a lost connection may mean the server has the message
            client.send_message(message)
            accepted()  # the server said 250: record that before QUIT or anything else can fail
        finally:
            _close(client)
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"mail server {host}:{port} refused the recipient ({exc}); check the address") from exc
    except smtplib.SMTPServerDisconnected as exc:
        if sent_data:
            raise MaybeDelivered(f"mail server {host}:{port} closed the connection before confirming ({exc}); "
                                 "the message may have arrived and is sent again with the same Message-ID") from exc
        raise MailError(f"mail server {host}:{port} closed the connection ({exc}); check TRACKER_MAIL_*") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"mail server {host}:{port} refused or unreachable ({exc}); check TRACKER_MAIL_*") from exc


def _close(client: smtplib.SMTP) -> None:
    """QUIT politely; a server that has gone by now changes nothing (the message's fate is already recorded)."""
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


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
    """Send through the backend the settings name (TRACKER_MAIL_BACKEND); `accepted` runs the moment the server has
    taken the message, before the connection is closed."""
    backend = settings["MAIL_BACKEND"]
    if backend == "smtp":
        _send_smtp(message, settings, accepted)
    else:
        BACKENDS[backend](message, settings)
        accepted()
    log.info("mail sent to %s: %s", message["To"], message["Subject"])
