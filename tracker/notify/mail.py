"""Sending email through a small backend registry: smtp, console (prints; the development default), memory (tests)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from flask import current_app

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The mail server could not take the message; the message says what to check."""


def new_message_id() -> str:
    """A fresh Message-ID on the sender's domain ("Mindet <mindet@enbek.kz>" → <…@enbek.kz>)."""
    domain = parseaddr(current_app.config["MAIL_SENDER"])[1].rpartition("@")[2]
    return make_msgid(domain=domain or "mindet")


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    host, port, security = config["MAIL_HOST"], config["MAIL_PORT"], config["MAIL_SECURITY"]
    try:
        if security == "tls":
            client = smtplib.SMTP_SSL(host, port, timeout=30, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=30)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"mail server {host}:{port} refused or unreachable ({exc}); check TRACKER_MAIL_*") from exc


def _send_console(message: EmailMessage) -> None:
    body = message.get_body(("plain",)) if message.is_multipart() else message
    head = "\n".join(f"{k}: {message[k]}" for k in ("To", "Subject", "Message-ID"))
    print(f"--- email (TRACKER_MAIL_BACKEND=console; HTML part not shown) ---\n{head}\n\n{body.get_content()}"
          "--- end ---", flush=True)  # noqa: T201


def _send_memory(message: EmailMessage) -> None:
    current_app.extensions.setdefault("mail_outbox", []).append(message)


BACKENDS = {"smtp": _send_smtp, "console": _send_console, "memory": _send_memory}


def send(message: EmailMessage) -> None:
    """Send through the configured backend (TRACKER_MAIL_BACKEND)."""
    BACKENDS[current_app.config["MAIL_BACKEND"]](message)
    log.info("mail sent to %s: %s", message["To"], message["Subject"])
